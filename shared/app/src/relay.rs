//! The relay (every minute): every event still marked "publish pending" after a grace period is sent again to
//! its stage's queue, so an order whose first publish failed is still processed. Consumers deduplicate by event
//! id, so a second copy is harmless. Each send moves the mark further out (the grace period, doubled per send) and
//! after [`MAX_RELAY_ATTEMPTS`] sends the relay gives up on it — counted as the `RelayGaveUp` metric, which raises
//! an alarm — so a message its stage cannot take is not re-sent forever and the dead-letter queues stay a signal
//! (docs/decisions/0002-outbox-and-relay.md). Likewise every email record still `sending` after the grace period
//! (its sender died, or SES refused) is sent — once: the record is reclaimed conditionally.

use std::time::Duration;

use time::OffsetDateTime;

use orders_aws::store::PendingEvent;
use orders_aws::{required_var, ConfigError, EventPublisher, Settings, Store};
use orders_domain::events::EventType;
use serde::Serialize;

use crate::outbox::{EmailOutbox, MailSettings};

/// Most events re-published per run (the next run takes the rest).
const MAX_PER_RUN: usize = 1000;

/// How often the relay sends one event before it gives up on it. The sends are 4, 8, … 256 minutes apart at the
/// deployed 120 s grace period (doubled after each send): the last is about 8.5 hours after the first, and the
/// relay gives up about 8.5 hours after that.
pub const MAX_RELAY_ATTEMPTS: u32 = 8;

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

/// The relay's state.
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
    /// Events whose send failed (tried again later).
    pub failed: usize,
    /// Events the relay gave up on after [`MAX_RELAY_ATTEMPTS`] sends.
    pub gave_up: usize,
    /// Orders with email records left unsent.
    pub unsent_email_orders: usize,
    /// Of those, orders whose emails could not be sent now either (tried again next run).
    pub email_failures: usize,
}

/// When an event sent for the `sends`-th time (from 1) is due again: the grace period doubled per earlier send.
pub fn next_due(now: OffsetDateTime, grace: Duration, sends: u32) -> OffsetDateTime {
    let factor = 1u32 << sends.min(16);
    now + grace.saturating_mul(factor)
}

impl Relay {
    /// Builds the relay's state.
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

    /// The queue of the stage that consumes `event_type`.
    fn publisher(&self, event_type: EventType) -> &EventPublisher {
        match event_type {
            EventType::OrderReceived | EventType::OrderChanged => &self.confirmation,
            EventType::OrderDespatched => &self.shipment,
            EventType::OrderReadyToInvoice | EventType::InvoiceIssued | EventType::CreditNoteIssued => &self.invoicing,
        }
    }

    /// The daily run of standing orders ([`crate::standing`]): every tenant's occurrences due on `today`, one
    /// tenant after the other; a tenant that fails is logged and left to the next day's run, the others go on.
    pub async fn place_standing_occurrences(
        &self,
        today: time::Date,
        now: OffsetDateTime,
    ) -> Result<crate::standing::StandingReport, orders_aws::StoreError> {
        let mut total = crate::standing::StandingReport::default();
        for tenant_id in self.store.list_tenants().await? {
            let Some(tenant) = self.store.get_tenant(&tenant_id).await? else { continue };
            match crate::standing::place_due_occurrences(&self.store, &self.confirmation, &tenant, today, now).await {
                Ok(report) => {
                    total.placed += report.placed;
                    total.already_placed += report.already_placed;
                    total.ended += report.ended;
                    total.failed += report.failed;
                }
                Err(error) => {
                    tracing::warn!(tenant = %tenant_id, %error, "standing orders not run for this tenant");
                    total.failed += 1;
                }
            }
        }
        Ok(total)
    }

    /// Sends again what has been pending longer than the grace period at `now`, and the emails left unsent.
    pub async fn run_once(&self, now: OffsetDateTime) -> Result<RelayReport, orders_aws::StoreError> {
        let events = self.store.pending_events(now - self.relay_after, MAX_PER_RUN).await?;
        let mut report = RelayReport { pending: events.len(), ..RelayReport::default() };
        for pending in events {
            self.relay_event(&pending, now, &mut report).await?;
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
        orders_aws::metrics::count(orders_aws::metrics::RELAY_REPUBLISHED, report.republished as u64);
        orders_aws::metrics::count(orders_aws::metrics::RELAY_GAVE_UP, report.gave_up as u64);
        Ok(report)
    }

    /// Sends one pending event again and moves its mark out, or gives up on it after its last send.
    async fn relay_event(
        &self,
        pending: &PendingEvent,
        now: OffsetDateTime,
        report: &mut RelayReport,
    ) -> Result<(), orders_aws::StoreError> {
        let event = &pending.event;
        if pending.relayed >= MAX_RELAY_ATTEMPTS {
            if self.store.give_up_event(pending, now).await? {
                tracing::error!(tenant = %event.tenant, order_id = %event.order_id, event_id = %event.event_id, event_type = event.event_type.as_str(), sends = pending.relayed, "relay gave up");
                report.gave_up += 1;
            }
            return Ok(());
        }
        // The mark moves first: a relay that dies after sending does not send again at once.
        let due = next_due(now, self.relay_after, pending.relayed + 1);
        if !self.store.postpone_event(pending, due, self.relay_after, now).await? {
            return Ok(()); // consumed meanwhile
        }
        match self.publisher(event.event_type).publish(event).await {
            Ok(_) => {
                tracing::info!(tenant = %event.tenant, order_id = %event.order_id, event_id = %event.event_id, sends = pending.relayed + 1, "event re-published");
                report.republished += 1;
            }
            Err(error) => {
                tracing::warn!(event_id = %event.event_id, %error, "re-publish failed");
                report.failed += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_doubles_with_each_send() {
        let now = time::macros::datetime!(2026-12-04 12:00 UTC);
        let grace = Duration::from_secs(120);
        assert_eq!(next_due(now, grace, 1), now + Duration::from_secs(240));
        assert_eq!(next_due(now, grace, 2), now + Duration::from_secs(480));
        assert_eq!(next_due(now, grace, MAX_RELAY_ATTEMPTS), now + Duration::from_secs(120 * 256));
        assert_eq!(next_due(now, grace, 60), next_due(now, grace, 16), "capped");
    }
}
