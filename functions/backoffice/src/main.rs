//! Lambda entry point of `backoffice`: wiring only.

use lambda_http::{run, service_fn, Error};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = backoffice::BackofficeConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = backoffice::Backoffice::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::ses_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    )?;
    run(service_fn(|request| backoffice::handle(&app, request))).await
}
