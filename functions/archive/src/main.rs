//! Lambda entry point of `archive`: wiring only.

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = archive::ArchiveConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = archive::Archive::new(&config, orders_aws::s3_client(&sdk));
    run(service_fn(|event: LambdaEvent<Event>| archive::handle(&app, event.payload))).await
}
