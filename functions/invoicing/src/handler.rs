//! Turns `order.ready_to_invoice` messages into issued invoices.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

use orders_app::consumer::consume;
use orders_app::invoicing::{process, ACCEPTED};

use crate::Invoicing;

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Invoicing, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(consume(&event, "invoicing", &ACCEPTED, |envelope| async move { process(app, &envelope).await }).await)
}
