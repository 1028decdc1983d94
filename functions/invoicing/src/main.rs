//! Lambda entry point of `invoicing`: wiring only.
// The issuing flow is one deep future (consume → issue → complete → send); its layout needs more than the
// default query depth.
#![recursion_limit = "256"]

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = invoicing::InvoicingConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = invoicing::Invoicing::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::ses_client(&sdk),
        orders_aws::s3_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<SqsEvent>| invoicing::handle(&app, event.payload))).await
}
