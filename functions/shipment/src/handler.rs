//! Turns `order.despatched` messages into delivery statuses.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

use orders_app::consumer::consume;
use orders_app::shipment::{process, ACCEPTED};

use crate::Shipment;

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Shipment, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(consume(&event, "shipment", &ACCEPTED, |envelope| async move { process(app, &envelope).await }).await)
}
