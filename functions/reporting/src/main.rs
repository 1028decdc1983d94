//! Lambda entry point of `reporting`: wiring only.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = reporting::ReportingConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = reporting::Reporting::new(&config, orders_aws::dynamodb_client(&sdk), orders_aws::s3_client(&sdk));
    run(service_fn(|event: LambdaEvent<EventBridgeEvent<reporting::ReportRun>>| reporting::handle(&app, event.payload)))
        .await
}
