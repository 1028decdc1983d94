//! The `backoffice` function: the seller's and warehouse's HTTP API. So far: `GET /v1/orders` (list, newest
//! first, filter by status, signed cursor pagination; operator and warehouse keys, webshop keys get 403) and
//! `GET /v1/orders/{id}` (detail with history for every role; staff also see the reserved stock).

mod buyer_access;
mod handler;
mod invitations;
mod quotes;

use orders_aws::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_env, required_var, ConfigError, Store};
use orders_http::{BuyerGate, CursorSigner, Gatekeeper};

pub use handler::handle;

/// Settings of the back office (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct BackofficeConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CURSOR_SIGNING_SECRET`.
    pub cursor_signing_secret: String,
    /// `SESSION_SIGNING_SECRET`: seals console sessions.
    pub session_signing_secret: String,
    /// `SENDER_EMAIL` and the optional `ORDERS_FAULT_SES`.
    pub mail: MailSettings,
}

impl BackofficeConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            cursor_signing_secret: get("CURSOR_SIGNING_SECRET")?,
            session_signing_secret: get("SESSION_SIGNING_SECRET")?,
            mail: MailSettings::from_vars(&var)?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Backoffice {
    store: Store,
    gate: Gatekeeper,
    cursors: CursorSigner,
    outbox: EmailOutbox,
    buyers: BuyerGate,
    /// Seals the portal links of the buyer emails it sends.
    links: orders_domain::buyer_link::LinkSealer,
}

impl Backoffice {
    /// Builds the handler state.
    pub fn new(
        config: &BackofficeConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
    ) -> Result<Self, String> {
        let store = Store::new(dynamodb, &config.table_name);
        Ok(Self {
            // a claim older than a minute belongs to a request that died
            outbox: EmailOutbox::for_function(store.clone(), ses, &config.mail),
            gate: Gatekeeper::new(store.clone(), &config.session_signing_secret)?,
            buyers: BuyerGate::new(store.clone(), &config.session_signing_secret)?,
            store,
            cursors: CursorSigner::new(&config.cursor_signing_secret)?,
            links: orders_domain::buyer_link::LinkSealer::new(&config.session_signing_secret)?,
        })
    }
}
