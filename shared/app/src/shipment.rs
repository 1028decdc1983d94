//! The shipment stage's use case: a despatch (`order.despatched`) sets the order's delivery status
//! (`partially_delivered` / `delivered`) from its line quantities, with a history entry and the buyer's despatch
//! email record, in the transaction that clears the event's "publish pending" mark; when the tenant invoices per
//! despatch (or the order is delivered), the invoicing request goes with it. Then the email is sent, once: a
//! redelivery only sends what a crashed attempt left. A fresh event carries the order and the despatch as intake
//! wrote them (when the order has no seller notes): the first plan is made from them, and the write checks that
//! version, the pending event and that no seller note came since; otherwise the order is read. The despatch's
//! delivery note is rendered and archived once before the write, and attached to the email.

use std::path::PathBuf;
use std::sync::Mutex;

use orders_aws::store::{NewEmail, OrderParts, OrderWithParts, ResponseOutcome, ResponseWrite, StageRequest};
use orders_aws::{required_var, ConfigError, EventPublisher, Settings, Store, StoreError};
use orders_domain::despatch::fulfilment_status;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::order::{HistoryEntry, OrderStatus};
use orders_domain::tenant::InvoiceTrigger;
use orders_mail::EmailKind;
use time::OffsetDateTime;

use crate::consumer::{carried_record, fresh_carried};
use crate::delivery_notes::{DeliveryNoteError, DeliveryNotes};
use crate::outbox::{EmailError, EmailOutbox, MailSettings};
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// The envelopes the shipment stage consumes.
pub const ACCEPTED: [EventType; 1] = [EventType::OrderDespatched];

/// Settings of the shipment function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ShipmentConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `INVOICING_QUEUE_URL`: where `order.ready_to_invoice` goes.
    pub invoicing_queue_url: String,
    /// `SENDER_EMAIL` (and the portal's, when set).
    pub mail: MailSettings,
    /// `DOCUMENTS_BUCKET`: where delivery notes are archived.
    pub documents_bucket: String,
    /// `PDF_FALLBACK_FONT` (optional): a TrueType font for text DejaVu Sans lacks (CJK).
    pub pdf_fallback_font: Option<String>,
}

impl Settings for ShipmentConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            invoicing_queue_url: get("INVOICING_QUEUE_URL")?,
            mail: MailSettings::from_vars(&var)?,
            documents_bucket: get("DOCUMENTS_BUCKET")?,
            pdf_fallback_font: var("PDF_FALLBACK_FONT").filter(|p| !p.is_empty()),
        })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Shipment {
    store: Store,
    invoicing: EventPublisher,
    outbox: EmailOutbox,
    notes: DeliveryNotes,
    clock: fn() -> OffsetDateTime,
}

impl Shipment {
    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ShipmentConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        Self {
            // the function times out after 30 s; the queue redelivers after 180 s
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            store,
            invoicing: EventPublisher::new(sqs, &config.invoicing_queue_url),
            notes: DeliveryNotes::new(
                orders_aws::archive::DocumentArchive::new(s3, &config.documents_bucket),
                config.pdf_fallback_font.as_ref().map(PathBuf::from),
            ),
            clock: OffsetDateTime::now_utc,
        }
    }
}

/// Why one message could not be processed (it stays on the queue, and reaches the DLQ after `maxReceiveCount`).
#[derive(Debug, thiserror::Error)]
pub enum ShipmentError {
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
    /// The delivery note could not be rendered or archived: the message stays on the queue.
    #[error(transparent)]
    DeliveryNote(#[from] DeliveryNoteError),
}

/// The order and despatch a fresh `order.despatched` carries (intake's write of it, with the event pending; see
/// [`EventEnvelope::carried`]); `None` for an old or thin one.
fn carried_despatch(envelope: &EventEnvelope, now: OffsetDateTime) -> Option<OrderWithParts> {
    let carried = fresh_carried(envelope, EventType::OrderDespatched, now)?;
    let parts = OrderParts { notes: Vec::new(), despatches: vec![carried.despatch.clone()?] };
    Some(OrderWithParts { record: carried_record(envelope, carried), parts })
}

/// Derives the status for one despatch, once: a consumed event (a redelivery) changes nothing.
pub async fn process(app: &Shipment, envelope: &EventEnvelope) -> Result<(), ShipmentError> {
    let tenant = app
        .store
        .tenant_at_least(&envelope.tenant, envelope.settings_version)
        .await?
        .ok_or_else(|| ShipmentError::Unknown(format!("tenant {}", envelope.tenant)))?;
    let tenant = &tenant;
    let carried = &Mutex::new(carried_despatch(envelope, (app.clock)()));
    let attempt = |_| async move {
        let carried = carried.lock().map(|mut carried| carried.take()).unwrap_or_default();
        let from_carried = carried.is_some();
        // The order with the despatch its email quotes (and the seller's notes), in one read — or as the event
        // carried it, the write then checking that the order has no seller notes.
        let OrderWithParts { record, parts } = match carried {
            Some(carried) => carried,
            None => app
                .store
                .order_with_parts(&envelope.tenant, &envelope.order_id)
                .await?
                .ok_or_else(|| ShipmentError::Unknown(envelope.order_id.to_string()))?,
        };
        let despatch = parts.despatches.iter().find(|d| d.despatch_number == envelope.reference).ok_or_else(|| {
            ShipmentError::Unknown(format!("despatch {} of {}", envelope.reference, envelope.order_id))
        })?;
        // Rendered from the order as read (its quantities then) and archived once, before anything is written:
        // a redelivery makes the same bytes and finds them archived.
        let files = app
            .notes
            .archived(&record.order, despatch, &parts.despatches, tenant)
            .await?
            .into_despatch_files(&despatch.despatch_number);
        if record.pending_event.as_ref().is_none_or(|e| e.event_id != envelope.event_id) {
            tracing::info!(order_id = %envelope.order_id, event_id = %envelope.event_id, "despatch already processed");
            app.outbox.send_outstanding_with(&record.order, tenant, Some(&files)).await?;
            return Ok(Attempt::Done(()));
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
            InvoiceTrigger::Collected => None,
        };
        let ready_event = ready.map(|reference| {
            EventEnvelope::new(
                EventType::OrderReadyToInvoice,
                order.tenant.clone(),
                order.id.clone(),
                reference,
                (app.clock)(),
            )
            .with_settings_version(tenant.stored_version)
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
            no_seller_notes: from_carried,
            earlier_attempts: false,
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
                app.outbox.send_claimed_despatch(&order, tenant, emails, &parts, &files).await?;
                Ok(Attempt::Done(()))
            }
            ResponseOutcome::AlreadyApplied => {
                app.outbox.send_outstanding_with(&order, tenant, Some(&files)).await?;
                Ok(Attempt::Done(()))
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ShipmentError::Contention(envelope.order_id.to_string())).await
}
