//! The `archive` function: reads the orders table's stream (filtered in the template to inserted items that carry
//! an `archive_key`, and issued billing documents with a `ubl_key`) and copies the issued Peppol documents — Order
//! Responses and Despatch Advices, each written with its order in the transaction that issued it, and the UBL of
//! invoices and credit notes, rendered from the stored document — to the documents bucket: one tar bundle per
//! tenant and batch, each document named in it by its archive or UBL key (docs/decisions/0014-document-bundles.md).
//! `main.rs` only wires it; the local runner and the tests call [`handle`] with real DynamoDB stream events.

mod bundle;
mod handler;

use orders_aws::archive::DocumentArchive;
use orders_aws::{required_var, ConfigError, Settings};

pub use handler::handle;

/// Settings of the archive function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ArchiveConfig {
    /// `DOCUMENTS_BUCKET`.
    pub documents_bucket: String,
}

impl Settings for ArchiveConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self { documents_bucket: required_var(&var, "DOCUMENTS_BUCKET")? })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Archive {
    documents: DocumentArchive,
}

impl Archive {
    /// Builds the handler state from settings and the S3 client.
    pub fn new(config: &ArchiveConfig, s3: orders_aws::aws_sdk_s3::Client) -> Self {
        Self { documents: DocumentArchive::new(s3, &config.documents_bucket) }
    }
}
