//! The `shipment` function: consumes `order.despatched` from the shipment queue and derives the order's delivery
//! status (`partially_delivered` / `delivered`) from its line quantities, with a history entry, in the transaction
//! that clears the event's "publish pending" mark. `main.rs` only wires it; the local runner and the tests call
//! [`handle`] with real `SqsEvent`s.

mod handler;

use orders_aws::{required_env, required_var, ConfigError, Store};
use time::OffsetDateTime;

pub use handler::handle;

/// Settings of the shipment function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ShipmentConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
}

impl ShipmentConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self { table_name: required_var(&var, "TABLE_NAME")? })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Shipment {
    store: Store,
    clock: fn() -> OffsetDateTime,
}

impl Shipment {
    /// Builds the handler state from settings and clients.
    pub fn new(config: &ShipmentConfig, dynamodb: orders_aws::aws_sdk_dynamodb::Client) -> Self {
        Self { store: Store::new(dynamodb, &config.table_name), clock: OffsetDateTime::now_utc }
    }
}
