//! Lambda entry point of `reporting`: wiring only.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = reporting::ReportingConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = reporting::Reporting::new(&config, orders_aws::dynamodb_client(&sdk), orders_aws::s3_client(&sdk))
        .with_queue(&config, orders_aws::sqs_client(&sdk));
    run(service_fn(|event: LambdaEvent<serde_json::Value>| reporting::handle_any(&app, event.payload))).await
}
