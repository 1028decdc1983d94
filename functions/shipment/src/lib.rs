//! The `shipment` function: consumes `order.despatched` from the shipment queue and derives the order's delivery
//! status (`partially_delivered` / `delivered`) from its line quantities, with a history entry and the buyer's
//! despatch email record, in the transaction that clears the event's "publish pending" mark; then sends the email
//! (once: a redelivery only sends what a crashed attempt left). `main.rs` only wires it; the local runner and the tests call
//! [`handle`] with real `SqsEvent`s.

mod handler;

use orders_aws::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_env, required_var, ConfigError, EventPublisher, Store};
use time::OffsetDateTime;

pub use handler::handle;

/// Settings of the shipment function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ShipmentConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `INVOICING_QUEUE_URL`: where `order.ready_to_invoice` goes.
    pub invoicing_queue_url: String,
    /// `SENDER_EMAIL` and the optional `ORDERS_FAULT_SES`.
    pub mail: MailSettings,
}

impl ShipmentConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            invoicing_queue_url: get("INVOICING_QUEUE_URL")?,
            mail: MailSettings::from_vars(&var)?,
        })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Shipment {
    store: Store,
    invoicing: EventPublisher,
    outbox: EmailOutbox,
    clock: fn() -> OffsetDateTime,
}

impl Shipment {
    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ShipmentConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        Self {
            // the function times out after 30 s; the queue redelivers after 180 s
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            store,
            invoicing: EventPublisher::new(sqs, &config.invoicing_queue_url),
            clock: OffsetDateTime::now_utc,
        }
    }
}
