//! The `billing` function: the seller's HTTP API of billing documents. Lists invoices and debit notes
//! (`/v1/invoices`) and credit notes (`/v1/credit-notes`) with filters, reads one, serves its PDF and UBL,
//! issues credit notes (full or per line and quantity, restoring the order's invoiced quantities) and debit
//! notes against an invoice — numbered, archived and emailed exactly as the invoicing stage does it — and
//! prints the proforma of an order. Operator keys only. `main.rs` only wires it; the local runner and the
//! tests call [`handle`] with real requests.

mod handler;

use orders_aws::{required_env, required_var, ConfigError};
use orders_http::{CursorSigner, Gatekeeper};

pub use handler::handle;

/// Settings of the billing API (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct BillingConfig {
    /// The invoicing settings (`TABLE_NAME`, `DOCUMENTS_BUCKET`, `SENDER_EMAIL`).
    pub documents: invoicing::InvoicingConfig,
    /// `CURSOR_SIGNING_SECRET`.
    pub cursor_signing_secret: String,
    /// `SESSION_SIGNING_SECRET`: seals console sessions.
    pub session_signing_secret: String,
}

impl BillingConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            documents: invoicing::InvoicingConfig::from_vars(&var)?,
            cursor_signing_secret: required_var(&var, "CURSOR_SIGNING_SECRET")?,
            session_signing_secret: required_var(&var, "SESSION_SIGNING_SECRET")?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Billing {
    documents: invoicing::Invoicing,
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
    ) -> Result<Self, String> {
        let documents = invoicing::Invoicing::new(&config.documents, dynamodb, ses, s3);
        Ok(Self {
            gate: Gatekeeper::new(documents.store().clone(), &config.session_signing_secret)?,
            buyers: orders_http::BuyerGate::new(documents.store().clone(), &config.session_signing_secret)?,
            documents,
            cursors: CursorSigner::new(&config.cursor_signing_secret)?,
        })
    }
}
