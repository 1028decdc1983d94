//! Lambda entry point of `webhooks`: wiring only.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = webhooks::WebhooksConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = webhooks::app(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::sqs_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<serde_json::Value>| webhooks::handle_any(&app, event.payload))).await
}
