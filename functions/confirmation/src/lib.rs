//! The `confirmation` function: consumes `order.received` / `order.changed` from the confirmation queue, reserves
//! stock, answers the order by the tenant's policy and emails buyer and seller. `main.rs` only wires it; the
//! local runner and the tests call [`handle`] with real `SqsEvent`s.

mod handler;

use orders_aws::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_env, required_var, ConfigError, Store};
use time::OffsetDateTime;

pub use handler::handle;

/// Settings of the confirmation function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ConfirmationConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `SENDER_EMAIL` and the optional `ORDERS_FAULT_SES`.
    pub mail: MailSettings,
}

impl ConfirmationConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
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
