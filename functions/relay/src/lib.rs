//! The `relay` function (every minute): every event still marked "publish pending" after a grace period is sent
//! again to its stage's queue, so an order whose first publish failed is still processed. Consumers deduplicate
//! by event id, so a second copy is harmless. Likewise every email record still `sending` after the grace period
//! (its sender died, or SES refused a back-office answer) is sent — once: the record is reclaimed conditionally.

use std::time::Duration;

use aws_lambda_events::eventbridge::EventBridgeEvent;
use orders_app::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_var, ConfigError, EventPublisher, Settings, Store};
use orders_domain::events::EventType;
use serde::Serialize;
use time::OffsetDateTime;

/// Most events re-published per run (the next run takes the rest).
const MAX_PER_RUN: usize = 1000;

/// Settings of the relay (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CONFIRMATION_QUEUE_URL`.
    pub confirmation_queue_url: String,
    /// `SHIPMENT_QUEUE_URL`.
    pub shipment_queue_url: String,
    /// `INVOICING_QUEUE_URL`.
    pub invoicing_queue_url: String,
    /// `RELAY_AFTER_SECONDS`: how old a pending mark must be before it is re-published.
    pub relay_after: Duration,
    /// `SENDER_EMAIL` (and the portal's, when set).
    pub mail: MailSettings,
}

impl Settings for RelayConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        let relay_after = get("RELAY_AFTER_SECONDS")?.parse::<u64>().map_err(|_| ConfigError("RELAY_AFTER_SECONDS"))?;
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            confirmation_queue_url: get("CONFIRMATION_QUEUE_URL")?,
            shipment_queue_url: get("SHIPMENT_QUEUE_URL")?,
            invoicing_queue_url: get("INVOICING_QUEUE_URL")?,
            relay_after: Duration::from_secs(relay_after),
            mail: MailSettings::from_vars(&var)?,
        })
    }
}

/// Handler state.
#[derive(Debug, Clone)]
pub struct Relay {
    store: Store,
    confirmation: EventPublisher,
    shipment: EventPublisher,
    invoicing: EventPublisher,
    outbox: EmailOutbox,
    relay_after: Duration,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    /// Events found pending.
    pub pending: usize,
    /// Events sent again.
    pub republished: usize,
    /// Events whose send failed (tried again next run).
    pub failed: usize,
    /// Orders with email records left unsent.
    pub unsent_email_orders: usize,
    /// Of those, orders whose emails could not be sent now either (tried again next run).
    pub email_failures: usize,
}

impl Relay {
    /// Builds the handler state.
    pub fn new(
        config: &RelayConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        let outbox = EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail);
        Self {
            store,
            confirmation: EventPublisher::new(sqs.clone(), &config.confirmation_queue_url),
            shipment: EventPublisher::new(sqs.clone(), &config.shipment_queue_url),
            invoicing: EventPublisher::new(sqs, &config.invoicing_queue_url),
            outbox,
            relay_after: config.relay_after,
        }
    }

    /// Re-publishes what has been pending longer than the grace period at `now`.
    pub async fn run_once(&self, now: OffsetDateTime) -> Result<RelayReport, orders_aws::StoreError> {
        let events = self.store.pending_events(now - self.relay_after, MAX_PER_RUN).await?;
        let mut report = RelayReport { pending: events.len(), ..RelayReport::default() };
        for event in events {
            let publisher = match event.event_type {
                EventType::OrderReceived | EventType::OrderChanged => &self.confirmation,
                EventType::OrderDespatched => &self.shipment,
                EventType::OrderReadyToInvoice | EventType::InvoiceIssued | EventType::CreditNoteIssued => {
                    &self.invoicing
                }
            };
            match publisher.publish(&event).await {
                Ok(_) => {
                    tracing::info!(tenant = %event.tenant, order_id = %event.order_id, event_id = %event.event_id, "event re-published");
                    report.republished += 1;
                }
                Err(error) => {
                    tracing::warn!(event_id = %event.event_id, %error, "re-publish failed");
                    report.failed += 1;
                }
            }
        }
        let orders = self.store.orders_with_unsent_emails(now - self.relay_after, MAX_PER_RUN).await?;
        report.unsent_email_orders = orders.len();
        for (tenant_id, order_id) in orders {
            let (record, tenant) = futures::try_join!(
                self.store.get_order_record(&tenant_id, &order_id),
                self.store.get_tenant(&tenant_id)
            )?;
            let (Some(record), Some(tenant)) = (record, tenant) else {
                tracing::warn!(tenant = %tenant_id, order_id = %order_id, "unsent emails of an unknown order or tenant");
                report.email_failures += 1;
                continue;
            };
            if let Err(error) = self.outbox.send_outstanding(&record.order, &tenant).await {
                tracing::warn!(order_id = %order_id, %error, "unsent emails still not sent");
                report.email_failures += 1;
            }
        }
        Ok(report)
    }
}

/// Handles the scheduled EventBridge event.
pub async fn handle(
    app: &Relay,
    _event: EventBridgeEvent<serde_json::Value>,
) -> Result<RelayReport, lambda_runtime::Error> {
    Ok(app.run_once(OffsetDateTime::now_utc()).await?)
}
