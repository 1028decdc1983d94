//! Lambda entry point of `confirmation`: wiring only.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = confirmation::ConfirmationConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = confirmation::Confirmation::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::ses_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<SqsEvent>| confirmation::handle(&app, event.payload))).await
}
