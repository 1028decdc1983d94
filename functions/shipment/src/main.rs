//! Lambda entry point of `shipment`: wiring only.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use orders_aws::Settings as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    orders_aws::telemetry::init();
    let config = shipment::ShipmentConfig::from_env()?;
    let sdk = orders_aws::sdk_config();
    let app = shipment::Shipment::new(
        &config,
        orders_aws::dynamodb_client(&sdk),
        orders_aws::ses_client(&sdk),
        orders_aws::sqs_client(&sdk),
        orders_aws::s3_client(&sdk),
        &orders_aws::secrets_client(&sdk),
    );
    run(service_fn(|event: LambdaEvent<SqsEvent>| shipment::handle(&app, event.payload))).await
}
