//! The `billing` function: the seller's HTTP API of billing documents. Lists invoices and debit notes
//! (`/v1/invoices`) and credit notes (`/v1/credit-notes`) with filters, reads one, serves its PDF and UBL,
//! issues credit notes (full or per line and quantity, restoring the order's invoiced quantities) and debit
//! notes against an invoice — numbered, archived and emailed exactly as the invoicing stage does it — and
//! prints the proforma of an order. Operator keys only. `main.rs` only wires it; the local runner and the
//! tests call [`handle`] with real requests.

mod documents;
mod issuing;
mod problem;
mod routes;

use orders_aws::{required_var, ConfigError, SecretKeys, SecretPurpose, Settings};
use orders_http::{CursorSigner, Gatekeeper};

pub use routes::handle;

/// Settings of the billing API (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct BillingConfig {
    /// The invoicing settings (`TABLE_NAME`, `DOCUMENTS_BUCKET`, `SENDER_EMAIL`).
    pub documents: orders_app::documents::DocumentsConfig,
    /// `CURSOR_SECRET_ARN`: the keys of pagination cursors.
    pub cursor_secret_arn: String,
    /// `CONSOLE_SESSION_SECRET_ARN`: the keys of console sessions.
    pub console_session_secret_arn: String,
    /// `PORTAL_SESSION_SECRET_ARN`: the keys of buyer portal sessions (buyers download their documents here).
    pub portal_session_secret_arn: String,
}

impl Settings for BillingConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            documents: orders_app::documents::DocumentsConfig::from_vars(&var)?,
            cursor_secret_arn: required_var(&var, SecretPurpose::Cursor.env_var())?,
            console_session_secret_arn: required_var(&var, SecretPurpose::ConsoleSession.env_var())?,
            portal_session_secret_arn: required_var(&var, SecretPurpose::PortalSession.env_var())?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Billing {
    documents: orders_app::documents::Documents,
    gate: Gatekeeper,
    /// Lets buyers in with their portal session, to download their own documents.
    buyers: orders_http::BuyerGate,
    cursors: CursorSigner,
}

impl Billing {
    /// Builds the handler state.
    pub fn new(
        config: &BillingConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, String> {
        let documents = orders_app::documents::Documents::new(&config.documents, dynamodb, ses, s3, secrets);
        let keys = |arn: &str, purpose| SecretKeys::from_secrets_manager(secrets.clone(), arn, purpose);
        Ok(Self {
            gate: Gatekeeper::new(
                documents.store().clone(),
                keys(&config.console_session_secret_arn, SecretPurpose::ConsoleSession),
            ),
            buyers: orders_http::BuyerGate::new(
                documents.store().clone(),
                keys(&config.portal_session_secret_arn, SecretPurpose::PortalSession),
                None,
            ),
            documents,
            cursors: CursorSigner::new(keys(&config.cursor_secret_arn, SecretPurpose::Cursor)),
        })
    }
}
