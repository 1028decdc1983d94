//! Turns `order.despatched` messages into delivery statuses.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use orders_aws::outbox::EmailError;
use orders_aws::store::{NewEmail, ResponseOutcome, ResponseWrite, StageRequest};
use orders_aws::StoreError;
use orders_domain::despatch::fulfilment_status;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::order::{HistoryEntry, OrderStatus};
use orders_domain::tenant::InvoiceTrigger;
use orders_mail::EmailKind;

use crate::Shipment;

/// How often the status write is retried when the order changed underneath.
const MAX_ATTEMPTS: u32 = 5;

/// Why one message could not be processed (it stays on the queue, and reaches the DLQ after `maxReceiveCount`).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Not an envelope this stage understands.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The order does not exist.
    #[error("unknown order {0}")]
    Unknown(String),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The order kept changing.
    #[error("order {0} kept changing; giving up for now")]
    Contention(String),
    /// Sending the email failed (SES throttled): the message stays on the queue.
    #[error(transparent)]
    Email(#[from] EmailError),
}

fn envelope(message: &SqsMessage) -> Result<EventEnvelope, ProcessError> {
    let body = message.body.as_deref().ok_or_else(|| ProcessError::Malformed("no body".into()))?;
    let envelope: EventEnvelope = serde_json::from_str(body).map_err(|e| ProcessError::Malformed(e.to_string()))?;
    match envelope.event_type {
        EventType::OrderDespatched => Ok(envelope),
        other => Err(ProcessError::Malformed(format!("{} is not for the shipment stage", other.as_str()))),
    }
}

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Shipment, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let result = match envelope(message) {
            Ok(envelope) => process(app, &envelope).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            tracing::warn!(message_id = %id, %error, "despatch message not processed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// Derives the status for one despatch, once: a consumed event (a redelivery) changes nothing.
async fn process(app: &Shipment, envelope: &EventEnvelope) -> Result<(), ProcessError> {
    let tenant = app
        .store
        .get_tenant(&envelope.tenant)
        .await?
        .ok_or_else(|| ProcessError::Unknown(format!("tenant {}", envelope.tenant)))?;
    for _attempt in 0..MAX_ATTEMPTS {
        let record = app
            .store
            .get_order_record(&envelope.tenant, &envelope.order_id)
            .await?
            .ok_or_else(|| ProcessError::Unknown(envelope.order_id.to_string()))?;
        if record.pending_event.as_ref().is_none_or(|e| e.event_id != envelope.event_id) {
            tracing::info!(order_id = %envelope.order_id, event_id = %envelope.event_id, "despatch already processed");
            app.outbox.send_outstanding(&record.order, &tenant).await?;
            return Ok(());
        }
        let mut order = record.order.clone();
        order.status = fulfilment_status(&record.order);
        let shipped: Vec<String> = order
            .lines
            .iter()
            .map(|l| {
                format!(
                    "line {}: {} of {} shipped, {} open",
                    l.line_no,
                    l.shipped_quantity,
                    l.confirmed_quantity,
                    l.open_quantity()
                )
            })
            .collect();
        let history = vec![HistoryEntry {
            at: (app.clock)(),
            actor: "system:shipment".into(),
            action: order.status.as_str().into(),
            detail: format!("Despatch {}: {}", envelope.reference, shipped.join("; ")),
        }];
        // Ready to invoice: this despatch, or the whole order once delivered (tenant setting).
        let ready = match tenant.invoice_trigger {
            InvoiceTrigger::PerDespatch => Some(envelope.reference.clone()),
            InvoiceTrigger::OnDelivery => (order.status == OrderStatus::Delivered).then(|| "order".to_owned()),
        };
        let ready_event = ready.map(|reference| {
            EventEnvelope::new(
                EventType::OrderReadyToInvoice,
                order.tenant.clone(),
                order.id.clone(),
                reference,
                (app.clock)(),
            )
        });
        let requests: Vec<StageRequest<'_>> = ready_event
            .iter()
            .map(|event| StageRequest { sort_key: format!("Q#INVOICE#{}", event.reference), event })
            .collect();
        let emails = vec![NewEmail {
            kind: EmailKind::BuyerDespatched.as_str().into(),
            reference: envelope.reference.clone(),
            to_name: order.buyer.name.clone(),
            to_address: order.buyer.email.to_string(),
            claimed_at: (app.clock)(),
        }];
        let write = ResponseWrite {
            order: &order,
            expected_version: record.version,
            consumed_event_id: Some(&envelope.event_id),
            next_event: None,
            history,
            reservations: &[],
            emails: emails.clone(),
            reorders: Vec::new(),
            requests,
            related: Vec::new(),
            documents: Vec::new(),
        };
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied => {
                tracing::info!(tenant = %order.tenant, order_id = %order.id, despatch = %envelope.reference, status = order.status.as_str(), "delivery status set");
                if let Some(event) = &ready_event {
                    // The request item keeps its pending mark until invoicing takes it; the relay re-publishes it.
                    if let Err(error) = app.invoicing.publish(event).await {
                        tracing::warn!(event_id = %event.event_id, %error, "publish failed; left to the relay");
                    }
                }
                app.outbox.send_claimed(&order, &tenant, emails).await?;
                return Ok(());
            }
            ResponseOutcome::AlreadyApplied => {
                app.outbox.send_outstanding(&order, &tenant).await?;
                return Ok(());
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => continue,
        }
    }
    Err(ProcessError::Contention(envelope.order_id.to_string()))
}
