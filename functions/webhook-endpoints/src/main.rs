//! Lambda entry point of `webhook-endpoints`: wiring only.

use lambda_http::{run, service_fn, Error};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = webhook_endpoints::EndpointsConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = webhook_endpoints::Endpoints::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::sqs_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|request| webhook_endpoints::handle(&app, request))).await
}
