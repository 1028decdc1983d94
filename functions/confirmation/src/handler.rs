//! Turns SQS batches into order responses.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use rust_decimal::Decimal;

use orders_aws::store::{NewEmail, OrderRecord, RelatedWrite, ResponseOutcome, ResponseWrite};
use orders_aws::StoreError;
use orders_domain::confirmation::answer_order;
use orders_domain::documents::issued_order_response;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::ids::Sku;
use orders_domain::order::{Order, OrderType};
use orders_domain::tenant::TenantSettings;
use orders_mail::EmailKind;

use crate::Confirmation;
use orders_aws::outbox::EmailError;

/// How often a response is re-planned when stock or the order changed underneath.
const MAX_ATTEMPTS: u32 = 10;

/// Why one message could not be processed (it stays on the queue, and reaches the DLQ after `maxReceiveCount`).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Not an envelope we understand.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The order (or its tenant) does not exist.
    #[error("unknown {0}")]
    Unknown(String),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sending an email failed.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// Stock or the order kept changing.
    #[error("order {0} kept changing; giving up for now")]
    Contention(String),
}

fn envelope(message: &SqsMessage) -> Result<EventEnvelope, ProcessError> {
    let body = message.body.as_deref().ok_or_else(|| ProcessError::Malformed("no body".into()))?;
    let envelope: EventEnvelope = serde_json::from_str(body).map_err(|e| ProcessError::Malformed(e.to_string()))?;
    match envelope.event_type {
        EventType::OrderReceived | EventType::OrderChanged => Ok(envelope),
        other => Err(ProcessError::Malformed(format!("{} is not for the confirmation stage", other.as_str()))),
    }
}

/// Handles one batch: express orders first, every message on its own; failures are reported per message.
pub async fn handle(app: &Confirmation, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut failures = Vec::new();
    let mut work: Vec<(String, EventEnvelope, Option<OrderRecord>)> = Vec::new();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        match envelope(message) {
            Ok(envelope) => work.push((id, envelope, None)),
            Err(error) => {
                tracing::warn!(message_id = %id, %error, "message refused");
                failures.push(id);
            }
        }
    }
    // Read every order first so express orders can go before the others.
    let reads =
        futures::future::join_all(work.iter().map(|(_, e, _)| app.store.get_order_record(&e.tenant, &e.order_id)))
            .await;
    let mut ready = Vec::new();
    for ((id, envelope, _), read) in work.into_iter().zip(reads) {
        match read {
            Ok(Some(record)) => ready.push((id, envelope, record)),
            Ok(None) => {
                tracing::warn!(message_id = %id, tenant = %envelope.tenant, order_id = %envelope.order_id, "unknown order");
                failures.push(id);
            }
            Err(error) => {
                tracing::error!(message_id = %id, order_id = %envelope.order_id, %error, "read failed");
                failures.push(id);
            }
        }
    }
    ready.sort_by_key(|(_, _, record)| record.order.order_type != OrderType::Express);
    for (id, envelope, record) in ready {
        if let Err(error) = confirm(app, &envelope, record).await {
            tracing::error!(message_id = %id, tenant = %envelope.tenant, order_id = %envelope.order_id, event_id = %envelope.event_id, %error, "confirmation failed");
            failures.push(id);
        }
    }
    let mut response = SqsBatchResponse::default();
    for id in failures {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    Ok(response)
}

/// Answers one order for one event (idempotently: a consumed event only gets its outstanding emails sent).
async fn confirm(app: &Confirmation, envelope: &EventEnvelope, first_read: OrderRecord) -> Result<(), ProcessError> {
    let store = &app.store;
    let mut record = first_read;
    for attempt in 1..=MAX_ATTEMPTS {
        let tenant = store
            .get_tenant(&envelope.tenant)
            .await?
            .ok_or_else(|| ProcessError::Unknown(format!("tenant {}", envelope.tenant)))?;
        let pending = record.pending_event.as_ref().is_some_and(|e| e.event_id == envelope.event_id);
        if !pending {
            // Consumed before (a redelivery): only what a crashed attempt left unsent.
            app.outbox.send_outstanding(&record.order, &tenant).await?;
            return Ok(());
        }
        let outcome = respond(app, envelope, &record, &tenant).await?;
        match outcome {
            (ResponseOutcome::Applied, order, emails) => {
                tracing::info!(tenant = %order.tenant, order_id = %order.id, event_id = %envelope.event_id, status = order.status.as_str(), "order answered");
                app.outbox.send_claimed(&order, &tenant, emails).await?;
                return Ok(());
            }
            (ResponseOutcome::AlreadyApplied, order, _) => {
                app.outbox.send_outstanding(&order, &tenant).await?;
                return Ok(());
            }
            (ResponseOutcome::StockChanged | ResponseOutcome::OrderChanged, _, _) => {
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt * attempt))).await;
                record = store
                    .get_order_record(&envelope.tenant, &envelope.order_id)
                    .await?
                    .ok_or_else(|| ProcessError::Unknown(format!("order {}", envelope.order_id)))?;
            }
        }
    }
    Err(ProcessError::Contention(envelope.order_id.to_string()))
}

/// Plans and writes the response; returns the outcome, the order as written and the emails it claimed.
async fn respond(
    app: &Confirmation,
    envelope: &EventEnvelope,
    record: &OrderRecord,
    tenant: &TenantSettings,
) -> Result<(ResponseOutcome, Order, Vec<NewEmail>), ProcessError> {
    let store = &app.store;
    let now = (app.clock)();
    let order = &record.order;
    let skus: Vec<Sku> = order.lines.iter().map(|l| l.sku.clone()).collect();
    let catalogue = store.load_catalogue(&order.tenant, &skus, None, &tenant.warehouses).await?;
    let blanket = match (&order.order_type, &order.blanket_order_id) {
        (OrderType::CallOff, Some(id)) => store.get_order_record(&order.tenant, id).await?,
        _ => None,
    };
    let minimum: HashMap<Sku, Decimal> =
        catalogue.products.iter().filter_map(|(sku, p)| p.min_stock.map(|m| (sku.clone(), m))).collect();
    let answer = answer_order(
        order,
        tenant,
        &catalogue.stock,
        &minimum,
        blanket.as_ref().map(|b| &b.order),
        "system:confirmation",
        now,
    );
    let answered = answer.order;
    let status = answered.status;

    let mut emails = Vec::new();
    if envelope.event_type == EventType::OrderReceived {
        emails.push(NewEmail {
            kind: EmailKind::SellerNewOrder.as_str().into(),
            reference: envelope.event_id.clone(),
            to_name: format!("{} order desk", tenant.name),
            to_address: tenant.order_desk_email.to_string(),
            claimed_at: now,
        });
    }
    if let Some(kind) = EmailKind::for_response(status) {
        emails.push(NewEmail {
            kind: kind.as_str().into(),
            reference: envelope.event_id.clone(),
            to_name: answered.buyer.name.clone(),
            to_address: answered.buyer.email.to_string(),
            claimed_at: now,
        });
    }

    let write = ResponseWrite {
        order: &answered,
        expected_version: record.version,
        consumed_event_id: Some(&envelope.event_id),
        next_event: None,
        history: vec![answer.history],
        reservations: &answer.reservation_changes,
        emails: emails.clone(),
        reorders: answer.reorders,
        requests: Vec::new(),
        related: answer
            .blanket
            .as_ref()
            .zip(blanket.as_ref())
            .map(|(order, read)| RelatedWrite::plain(order, read.version))
            .into_iter()
            .collect(),
        documents: issued_order_response(&answered, order.responded_at, record.version + 1, tenant)
            .into_iter()
            .collect(),
    };
    let outcome = store.apply_response(&write).await?;
    Ok((outcome, answered, emails))
}
