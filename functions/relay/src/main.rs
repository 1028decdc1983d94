//! Lambda entry point of `relay`: wiring only.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = relay::RelayConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = relay::Relay::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::sqs_client(&sdk),
        orders_aws::ses_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| relay::handle(&app, event.payload))).await
}
