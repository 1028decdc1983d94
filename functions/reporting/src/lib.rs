//! The `reporting` function: run daily by an EventBridge schedule (and on demand), it writes each tenant's
//! reports of a day to the exports bucket under `tenant=<t>/report=<name>/date=<yyyy-mm-dd>/`: every report of
//! domain.md as CSV, XLSX and Parquet under the run's own folder, a `manifest.json` (files, row counts, SHA-256)
//! that switches readers to the new run at once, the Parquet copy the Glue tables read, and a page of charts.
//! `main.rs` only wires it; the local runner and the tests call [`handle`] with real EventBridge events.

mod handler;
pub mod index;
pub mod tables;
pub mod writer;

use orders_aws::{required_env, required_var, ConfigError, Store};

pub use handler::{handle, run_reports, ReportError, ReportRun, RunSummary, TenantRun};

/// Settings of the reporting function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ReportingConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `EXPORTS_BUCKET`.
    pub exports_bucket: String,
}

impl ReportingConfig {
    /// Reads the settings; a missing one fails with its name.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }

    /// Reads the settings from any source of variables.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self { table_name: get("TABLE_NAME")?, exports_bucket: get("EXPORTS_BUCKET")? })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Reporting {
    store: Store,
    s3: orders_aws::aws_sdk_s3::Client,
    bucket: String,
    /// Reads of the exports bucket (the same client and bucket).
    exports: orders_aws::archive::DocumentArchive,
    part_bytes: usize,
}

impl Reporting {
    /// The order store it reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A presigned GET link to `key` of the exports bucket that works for `seconds`, and when it stops working.
    pub async fn download_url(&self, key: &str, seconds: u64) -> Result<(String, time::OffsetDateTime), ReportError> {
        let expires_in = std::time::Duration::from_secs(seconds);
        let config = orders_aws::aws_sdk_s3::presigning::PresigningConfig::expires_in(expires_in)
            .map_err(|e| ReportError::Write { key: key.to_owned(), detail: e.to_string() })?;
        let request = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| ReportError::Write { key: key.to_owned(), detail: e.to_string() })?;
        let until = time::OffsetDateTime::now_utc() + expires_in;
        Ok((request.uri().to_owned(), until))
    }

    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ReportingConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        s3: orders_aws::aws_sdk_s3::Client,
    ) -> Self {
        Self {
            store: Store::new(dynamodb, &config.table_name),
            exports: orders_aws::archive::DocumentArchive::new(s3.clone(), config.exports_bucket.clone()),
            s3,
            bucket: config.exports_bucket.clone(),
            part_bytes: writer::PART_BYTES,
        }
    }

    /// The same with multipart parts of `bytes` (at least 5 MiB, S3's least but for the last part).
    pub fn with_part_bytes(mut self, bytes: usize) -> Self {
        self.part_bytes = bytes.max(5 * 1024 * 1024);
        self
    }
}
