//! Lambda entry point of `inbound`: wiring only.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = inbound::InboundConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = inbound::Inbound::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::s3_client(&sdk),
        orders_aws::sqs_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<SqsEvent>| inbound::handle(&app, event.payload))).await
}
