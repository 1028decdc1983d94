//! Turns `order.despatched` messages into delivery statuses.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

use orders_app::consumer::consume;
use orders_app::shipment::{process, ACCEPTED};

use crate::Shipment;

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Shipment, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    // Boxed: the use case's future is deep enough to overflow the compiler's layout query depth in `main`.
    Ok(consume(&event, "shipment", &ACCEPTED, |envelope| async move { Box::pin(process(app, &envelope)).await }).await)
}
