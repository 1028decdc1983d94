//! The `portal` function: the buyer's side. A buyer opens a magic link from a buyer email
//! (`POST /v1/portal/session`: the signed, expiring link becomes a signed, HttpOnly, SameSite=Strict portal
//! session cookie with a CSRF token), sees the quotes sent to them (`GET /v1/portal/quotes/{id}`) and accepts
//! (`POST …/acceptance`: one order through the intake path, with the quote's prices, however often it is asked)
//! or declines (`POST …/decline`) them, and follows their orders (`GET /v1/portal/orders[/{id}]`, each access
//! logged in the order's history). A link or session only ever reaches its own buyer's things at its own
//! seller; revoking the link ends its sessions.

mod orders;
mod quotes;
mod requests;
mod routes;
mod session;
mod shop;
pub mod strings;

use orders_aws::{required_var, ConfigError, EventPublisher, SecretKeys, SecretPurpose, Settings, Store};
use orders_http::{BuyerGate, CursorSigner};

pub use routes::handle;

/// Settings of the portal (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CONFIRMATION_QUEUE_URL`: where the orders of accepted quotes go, as webshop orders do.
    pub confirmation_queue_url: String,
    /// `PORTAL_SESSION_SECRET_ARN`: the keys of portal sessions.
    pub portal_session_secret_arn: String,
    /// `BUYER_LINK_SECRET_ARN`: the keys of magic links and buyer account keys.
    pub buyer_link_secret_arn: String,
    /// `CURSOR_SECRET_ARN`: the keys of the lists' cursors.
    pub cursor_secret_arn: String,
}

impl Settings for PortalConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            confirmation_queue_url: required_var(&var, "CONFIRMATION_QUEUE_URL")?,
            portal_session_secret_arn: required_var(&var, SecretPurpose::PortalSession.env_var())?,
            buyer_link_secret_arn: required_var(&var, SecretPurpose::BuyerLink.env_var())?,
            cursor_secret_arn: required_var(&var, SecretPurpose::Cursor.env_var())?,
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
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, String> {
        let store = Store::new(dynamodb, &config.table_name);
        let keys = |arn: &str, purpose| SecretKeys::from_secrets_manager(secrets.clone(), arn, purpose);
        Ok(Self {
            buyers: BuyerGate::new(
                store.clone(),
                keys(&config.portal_session_secret_arn, SecretPurpose::PortalSession),
                Some(keys(&config.buyer_link_secret_arn, SecretPurpose::BuyerLink)),
            ),
            cursors: CursorSigner::new(keys(&config.cursor_secret_arn, SecretPurpose::Cursor)),
            publisher: EventPublisher::new(sqs, &config.confirmation_queue_url),
            store,
        })
    }
}
