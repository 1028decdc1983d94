//! Lambda entry point of `intake`: wiring only.

use lambda_http::{run, service_fn, Error};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = intake::IntakeConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let intake = intake::Intake::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::sqs_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    )?;
    run(service_fn(|request| intake::handle(&intake, request))).await
}
