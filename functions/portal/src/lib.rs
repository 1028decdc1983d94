//! The `portal` function: the buyer's side. A buyer opens a magic link from a buyer email
//! (`POST /v1/portal/session`: the signed, expiring link becomes a signed, HttpOnly, SameSite=Strict portal
//! session cookie with a CSRF token), sees the quotes sent to them (`GET /v1/portal/quotes/{id}`) and accepts
//! (`POST …/acceptance`: one order through the intake path, with the quote's prices, however often it is asked)
//! or declines (`POST …/decline`) them, and follows their orders (`GET /v1/portal/orders[/{id}]`, each access
//! logged in the order's history). A link or session only ever reaches its own buyer's things at its own
//! seller; revoking the link ends its sessions.

mod handler;
mod requests;
mod shop;
pub mod strings;

use orders_aws::{required_env, required_var, ConfigError, EventPublisher, Store};
use orders_http::{BuyerGate, CursorSigner};

pub use handler::handle;

/// Settings of the portal (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CONFIRMATION_QUEUE_URL`: where the orders of accepted quotes go, as webshop orders do.
    pub confirmation_queue_url: String,
    /// `SESSION_SIGNING_SECRET`: seals magic links and portal sessions (each under its own purpose).
    pub session_signing_secret: String,
    /// `CURSOR_SIGNING_SECRET`: signs the order list's cursors.
    pub cursor_signing_secret: String,
    /// `ORDERS_FAULT_PUBLISH` (optional): fault injection that makes every publish fail.
    pub publish_fault: Option<String>,
}

impl PortalConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            confirmation_queue_url: required_var(&var, "CONFIRMATION_QUEUE_URL")?,
            session_signing_secret: required_var(&var, "SESSION_SIGNING_SECRET")?,
            cursor_signing_secret: required_var(&var, "CURSOR_SIGNING_SECRET")?,
            publish_fault: var(orders_aws::publisher::PUBLISH_FAULT_ENV),
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Portal {
    store: Store,
    buyers: BuyerGate,
    publisher: EventPublisher,
    cursors: CursorSigner,
}

impl Portal {
    /// Builds the handler state.
    pub fn new(
        config: &PortalConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
    ) -> Result<Self, String> {
        let store = Store::new(dynamodb, &config.table_name);
        Ok(Self {
            buyers: BuyerGate::new(store.clone(), &config.session_signing_secret)?,
            cursors: CursorSigner::new(&config.cursor_signing_secret)?,
            publisher: EventPublisher::new(sqs, &config.confirmation_queue_url)
                .with_fault(config.publish_fault.as_deref()),
            store,
        })
    }
}
