//! The confirmation stage's use case: answer an order (`order.received`, `order.changed`) by the tenant's policy —
//! reserve what stock allows per line, write the response with its history, reservations, reorders and Order
//! Response document in one transaction that consumes the event — then email buyer and seller, once: a consumed
//! event (a redelivery) only gets what a crashed attempt left unsent. A fresh `order.received` is first planned from
//! the stock intake read (its hint); the write's conditions check that plan, and a plan the hint leaves short is
//! made again from a read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use orders_aws::store::{
    NewEmail, OrderParts, OrderRecord, OrderWithParts, RelatedWrite, ResponseOutcome, ResponseWrite,
};
use orders_aws::{required_var, ConfigError, Settings, Store, StoreError};
use orders_domain::catalogue::{ReorderLevel, StockHint, StockLevel};
use orders_domain::confirmation::{answer_order, Answer};
use orders_domain::documents::issued_order_response;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::ids::Sku;
use orders_domain::order::{Order, OrderStatus, OrderType};
use orders_domain::tenant::TenantSettings;
use orders_mail::EmailKind;

use crate::consumer::{carried_record, fresh_carried, Batch};
use crate::outbox::{EmailError, EmailOutbox, MailSettings};
use crate::retry::{retry_on_conflict, Attempt};

/// The envelopes the confirmation stage consumes.
pub const ACCEPTED: [EventType; 2] = [EventType::OrderReceived, EventType::OrderChanged];

/// How often a response is re-planned when stock or the order changed underneath.
const MAX_ATTEMPTS: u32 = 10;

/// Settings of the confirmation function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ConfirmationConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `SENDER_EMAIL` (and the portal's, when set).
    pub mail: MailSettings,
}

impl Settings for ConfirmationConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self { table_name: get("TABLE_NAME")?, mail: MailSettings::from_vars(&var)? })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Confirmation {
    store: Store,
    outbox: EmailOutbox,
    clock: fn() -> OffsetDateTime,
}

impl Confirmation {
    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ConfirmationConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        Self {
            // the function times out after 30 s; the queue redelivers after 180 s
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            store,
            clock: OffsetDateTime::now_utc,
        }
    }
}

/// Why one message could not be processed (it stays on the queue, and reaches the DLQ after `maxReceiveCount`).
#[derive(Debug, thiserror::Error)]
pub enum ConfirmationError {
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

/// Answers every order of `batch`: all orders are read first so express orders go before the others, each on
/// its own; an order that cannot be read or answered fails its message alone.
pub async fn answer_batch(app: &Confirmation, batch: &mut Batch) {
    let work = std::mem::take(&mut batch.envelopes);
    let now = (app.clock)();
    let reads = futures::future::join_all(work.iter().map(|(id, envelope)| async {
        match carried_order(envelope, batch.redelivered(id), now) {
            Some(carried) => Ok(Some((carried, true))),
            None => {
                let read = app.store.order_with_parts(&envelope.tenant, &envelope.order_id).await?;
                Ok::<_, StoreError>(read.map(|read| (read, false)))
            }
        }
    }))
    .await;
    let mut ready = Vec::new();
    for ((id, envelope), read) in work.into_iter().zip(reads) {
        match read {
            Ok(Some((read, carried))) => ready.push((id, envelope, read, carried)),
            Ok(None) => {
                tracing::warn!(message_id = %id, tenant = %envelope.tenant, order_id = %envelope.order_id, "unknown order");
                batch.fail(id);
            }
            Err(error) => {
                tracing::error!(message_id = %id, order_id = %envelope.order_id, %error, "read failed");
                batch.fail(id);
            }
        }
    }
    ready.sort_by_key(|(_, _, read, _)| read.record.order.order_type != OrderType::Express);
    for (id, envelope, read, carried) in ready {
        let redelivered = batch.redelivered(&id);
        // Boxed: each answer's future stays out of the handler's (whose layout is otherwise too deep to compute).
        if let Err(error) = Box::pin(confirm(app, &envelope, read, carried, redelivered)).await {
            tracing::error!(message_id = %id, tenant = %envelope.tenant, order_id = %envelope.order_id, event_id = %envelope.event_id, %error, "confirmation failed");
            batch.fail(id);
        }
    }
}

/// The order a fresh `order.received` carries, as stored with the event pending and no notes or despatches yet
/// (see [`EventEnvelope::carried`]); `None` for any other event, an old one, a redelivered one, or a thin one (the
/// relay's re-send): those read the order.
fn carried_order(envelope: &EventEnvelope, redelivered: bool, now: OffsetDateTime) -> Option<OrderWithParts> {
    if redelivered {
        return None;
    }
    let carried = fresh_carried(envelope, EventType::OrderReceived, now)?;
    Some(OrderWithParts { record: carried_record(envelope, carried), parts: OrderParts::default() })
}

/// Answers one order for one event (idempotently: a consumed event only gets its outstanding emails sent).
/// `first_read` is the order with the notes its emails quote — or, when `carried`, the order the event carried
/// (whose write then also requires that no seller note came since); `redelivered`: the event's message was
/// delivered before, so an earlier attempt may have died part-way.
pub async fn confirm(
    app: &Confirmation,
    envelope: &EventEnvelope,
    first_read: OrderWithParts,
    carried: bool,
    redelivered: bool,
) -> Result<(), ConfirmationError> {
    let store = &app.store;
    let parts = &Mutex::new(first_read.parts);
    let first_read = &Mutex::new(Some(first_read.record));
    // The stock intake read comes with a fresh `order.received`: the first attempt plans from it.
    let hint = fresh_carried(envelope, EventType::OrderReceived, (app.clock)()).and_then(|c| c.stock.as_ref());
    let attempt = |attempt: u32| async move {
        let first = first_read.lock().map(|mut first| first.take()).unwrap_or_default();
        let from_carried = carried && first.is_some();
        let unknown = || ConfirmationError::Unknown(format!("order {}", envelope.order_id));
        let record = match first {
            Some(record) => record,
            None => {
                // Stock or the order changed: back off a little more each time, then read again.
                tokio::time::sleep(Duration::from_millis(5 * u64::from((attempt - 1) * (attempt - 1)))).await;
                if carried {
                    // The carried order had no notes to quote: read them with the order now.
                    let read =
                        store.order_with_parts(&envelope.tenant, &envelope.order_id).await?.ok_or_else(unknown)?;
                    if let Ok(mut parts) = parts.lock() {
                        *parts = read.parts;
                    }
                    read.record
                } else {
                    store.get_order_record(&envelope.tenant, &envelope.order_id).await?.ok_or_else(unknown)?
                }
            }
        };
        let tenant = store
            .tenant_at_least(&envelope.tenant, envelope.settings_version)
            .await?
            .ok_or_else(|| ConfirmationError::Unknown(format!("tenant {}", envelope.tenant)))?;
        let pending = record.pending_event.as_ref().is_some_and(|e| e.event_id == envelope.event_id);
        if !pending {
            // Consumed before (a redelivery): only what a crashed attempt left unsent.
            app.outbox.send_outstanding(&record.order, &tenant).await?;
            return Ok(Attempt::Done(()));
        }
        let hint = hint.filter(|_| attempt == 1);
        let outcome = respond(app, envelope, &record, &tenant, redelivered, hint, from_carried).await?;
        match outcome {
            (ResponseOutcome::Applied, order, emails) => {
                if let Some(metric) = answer_metric(order.status) {
                    orders_aws::metrics::count(metric, 1);
                }
                tracing::info!(tenant = %order.tenant, order_id = %order.id, event_id = %envelope.event_id, status = order.status.as_str(), "order answered");
                let parts = parts.lock().map(|parts| parts.clone()).unwrap_or_default();
                app.outbox.send_claimed_with(&order, &tenant, emails, &parts).await?;
                Ok(Attempt::Done(()))
            }
            (ResponseOutcome::AlreadyApplied, order, _) => {
                app.outbox.send_outstanding(&order, &tenant).await?;
                Ok(Attempt::Done(()))
            }
            (ResponseOutcome::StockChanged | ResponseOutcome::OrderChanged, _, _) => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(MAX_ATTEMPTS, attempt, || ConfirmationError::Contention(envelope.order_id.to_string())).await
}

/// The metric an order answered with `status` counts under.
fn answer_metric(status: OrderStatus) -> Option<orders_aws::metrics::Metric> {
    use orders_aws::metrics::{
        ORDERS_ACCEPTED, ORDERS_ACCEPTED_WITH_CHANGES, ORDERS_PENDING_RESPONSE, ORDERS_REJECTED,
    };
    match status {
        OrderStatus::Accepted => Some(ORDERS_ACCEPTED),
        OrderStatus::AcceptedWithChanges => Some(ORDERS_ACCEPTED_WITH_CHANGES),
        OrderStatus::Rejected => Some(ORDERS_REJECTED),
        OrderStatus::PendingResponse => Some(ORDERS_PENDING_RESPONSE),
        OrderStatus::Received
        | OrderStatus::PartiallyDelivered
        | OrderStatus::Delivered
        | OrderStatus::PartiallyInvoiced
        | OrderStatus::Invoiced
        | OrderStatus::Cancelled
        | OrderStatus::Closed => None,
    }
}

/// Whether a plan made from a stock hint stands: everything reserved as ordered. Its write still checks every
/// reservation against the stock as it is then; any other plan is made again from a read. Its reorder
/// suggestions are worked out from the hint, as two confirmations running at once each work theirs out from what
/// they read: advisory figures, rewritten by the next confirmation of the SKU.
fn hinted_plan_stands(answer: &Answer) -> bool {
    answer.order.status == OrderStatus::Accepted
}

/// Plans and writes the response (planned from `hint` when it stands, else from the stock as read now); returns
/// the outcome, the order as written and the emails it claimed.
async fn respond(
    app: &Confirmation,
    envelope: &EventEnvelope,
    record: &OrderRecord,
    tenant: &TenantSettings,
    redelivered: bool,
    hint: Option<&StockHint>,
    carried: bool,
) -> Result<(ResponseOutcome, Order, Vec<NewEmail>), ConfirmationError> {
    let store = &app.store;
    let now = (app.clock)();
    let order = &record.order;
    let blanket = match (&order.order_type, &order.blanket_order_id) {
        (OrderType::CallOff, Some(id)) => store.get_order_record(&order.tenant, id).await?,
        _ => None,
    };
    let blanket_order = blanket.as_ref().map(|b| &b.order);
    let plan = |stock: &HashMap<Sku, Vec<StockLevel>>, minimum: &HashMap<Sku, ReorderLevel>| {
        answer_order(order, tenant, stock, minimum, blanket_order, "system:confirmation", now)
    };
    let answer = match hint.map(|hint| plan(&hint.stock, &hint.reorder)).filter(hinted_plan_stands) {
        Some(answer) => answer,
        None => {
            let skus: Vec<Sku> = order.lines.iter().filter_map(|l| l.sku.clone()).collect();
            let catalogue = store.load_catalogue(&order.tenant, &skus, None, &tenant.warehouses).await?;
            let minimum: HashMap<Sku, ReorderLevel> = catalogue
                .products
                .iter()
                .filter_map(|(sku, p)| ReorderLevel::of(p).map(|level| (sku.clone(), level)))
                .collect();
            plan(&catalogue.stock, &minimum)
        }
    };
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
        no_seller_notes: carried,
        earlier_attempts: redelivered,
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
