//! The `invoicing` function: consumes `order.ready_to_invoice` from the invoicing queue and issues the invoice of
//! that despatch (or of the whole delivered order) under the next gapless number of the tenant's series, in the
//! transaction that consumes the request; then archives the UBL and the PDF to the documents bucket (conditional
//! puts: never overwritten) and emails both to the buyer, once. A redelivery finds the request consumed and only
//! completes what a crashed attempt left undone. `main.rs` only wires it; the local runner and the tests call
//! [`handle`] with real `SqsEvent`s.

mod documents;
mod handler;

use orders_aws::archive::DocumentArchive;
use orders_aws::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_env, required_var, ConfigError, Store};
use time::OffsetDateTime;

pub use documents::{complete, DocumentError};
pub use handler::handle;

/// Settings of the invoicing function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct InvoicingConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `DOCUMENTS_BUCKET`.
    pub documents_bucket: String,
    /// `SENDER_EMAIL` and the optional `ORDERS_FAULT_SES`.
    pub mail: MailSettings,
    /// `PDF_FALLBACK_FONT` (optional): a TrueType font for text DejaVu Sans lacks (CJK), read when a document
    /// needs it.
    pub pdf_fallback_font: Option<String>,
}

impl InvoicingConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            documents_bucket: get("DOCUMENTS_BUCKET")?,
            mail: MailSettings::from_vars(&var)?,
            pdf_fallback_font: var("PDF_FALLBACK_FONT").filter(|p| !p.is_empty()),
        })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Invoicing {
    store: Store,
    archive: DocumentArchive,
    outbox: EmailOutbox,
    clock: fn() -> OffsetDateTime,
    fallback_font: Option<std::path::PathBuf>,
}

impl Invoicing {
    /// The table.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The documents bucket.
    pub fn archive(&self) -> &DocumentArchive {
        &self.archive
    }

    /// Loads the fallback font (once per container) when `invoice` has text the embedded fonts lack. A missing or
    /// unreadable font is logged: such text then shows as boxes, and stays searchable.
    pub async fn prepare_fonts(&self, invoice: &orders_domain::invoice::Invoice) {
        if orders_pdf::has_fallback_font() || !orders_pdf::needs_fallback_font(invoice) {
            return;
        }
        let Some(path) = &self.fallback_font else {
            tracing::warn!(number = %invoice.number, "the document needs a fallback font (CJK) and none is configured");
            return;
        };
        match tokio::fs::read(path).await {
            Ok(bytes) => {
                if orders_pdf::install_fallback_font(bytes) {
                    tracing::info!(path = %path.display(), "fallback font loaded");
                }
            }
            Err(error) => tracing::warn!(path = %path.display(), %error, "fallback font not readable"),
        }
    }

    /// The email outbox.
    pub fn outbox(&self) -> &EmailOutbox {
        &self.outbox
    }

    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &InvoicingConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        Self {
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            archive: DocumentArchive::new(s3, &config.documents_bucket),
            store,
            clock: OffsetDateTime::now_utc,
            fallback_font: config.pdf_fallback_font.as_ref().map(std::path::PathBuf::from),
        }
    }
}
