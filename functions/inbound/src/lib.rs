//! The `inbound` function: Peppol BIS Orders (T01) an access point delivers into the documents bucket under
//! `inbound/tenant=<tenant>/`, reported by S3 to the inbound queue, are taken as `POST /v1/orders` takes an XML
//! body, once per object (docs/decisions/0016-peppol-order-intake.md). The use case is `orders_app::inbound`;
//! `main.rs` only wires it; the local runner and the tests call [`handle`] with real `SqsEvent`s.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

pub use orders_app::inbound::{Inbound, InboundConfig};

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Inbound, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(orders_app::inbound::handle(app, event).await)
}
