//! A report run, the one the scheduled `reporting` function and the on-demand `reports` API share: builds the
//! tables of a tenant and period from the order store, writes each report to the exports bucket (CSV, XLSX and
//! Parquet under the run's own folder, then the `manifest.json` that switches readers to the new run at once) and
//! then the page of charts linking them (docs/domain.md "Reports").

pub mod daily;
pub mod facts;
pub mod index;
pub mod tables;
pub mod writer;

use serde::Serialize;
use time::OffsetDateTime;

use orders_aws::{required_var, ConfigError, ExportsBucket, ExportsError, Settings, Store};
use orders_domain::ids::TenantId;
use orders_domain::reports::{Period, ReportName};

use index::write_index;
use tables::build;
use writer::{new_run_id, write_report, WrittenReport};

/// Settings of a function that runs reports (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ReportingConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `EXPORTS_BUCKET`.
    pub exports_bucket: String,
    /// `REPORTING_QUEUE_URL`: where the daily run queues one message per tenant (the scheduled function's only).
    pub reporting_queue_url: Option<String>,
}

impl Settings for ReportingConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            exports_bucket: get("EXPORTS_BUCKET")?,
            reporting_queue_url: var("REPORTING_QUEUE_URL").filter(|url| !url.is_empty()),
        })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Reporting {
    store: Store,
    /// The exports bucket, where runs are written and read back.
    exports: ExportsBucket,
    /// Where the daily run queues each tenant's day (see [`daily`]).
    queue: Option<orders_aws::WorkQueue>,
}

impl Reporting {
    /// The order store it reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A presigned GET link to `key` of the exports bucket that works for `seconds`, and when it stops working.
    pub async fn download_url(&self, key: &str, seconds: u64) -> Result<(String, time::OffsetDateTime), ReportError> {
        let expires_in = std::time::Duration::from_secs(seconds);
        let url = self.exports.presigned_get(key, expires_in).await?;
        let until = time::OffsetDateTime::now_utc() + expires_in;
        Ok((url, until))
    }

    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ReportingConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        s3: orders_aws::aws_sdk_s3::Client,
    ) -> Self {
        Self {
            store: Store::new(dynamodb, &config.table_name),
            exports: ExportsBucket::new(s3, config.exports_bucket.clone()),
            queue: None,
        }
    }

    /// The same, queueing the daily run's tenants through `sqs` to the queue of `config` (if it names one).
    pub fn with_queue(mut self, config: &ReportingConfig, sqs: orders_aws::aws_sdk_sqs::Client) -> Self {
        self.queue = config.reporting_queue_url.as_ref().map(|url| orders_aws::WorkQueue::new(sqs, url.clone()));
        self
    }

    /// The same with multipart parts of `bytes` (at least 5 MiB, S3's least but for the last part).
    pub fn with_part_bytes(mut self, bytes: usize) -> Self {
        self.exports = self.exports.with_part_bytes(bytes);
        self
    }
}

/// A run failed (Lambda retries the scheduled invocation).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The event's detail is not usable.
    #[error("bad report request: {0}")]
    Request(String),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] orders_aws::StoreError),
    /// The reporting queue failed (the scheduled run is retried).
    #[error(transparent)]
    Queue(#[from] orders_aws::QueueError),
    /// A file could not be made from a table.
    #[error("export: {0}")]
    Export(String),
    /// A facts file (or the sums of a period's files) could not be read as facts.
    #[error("facts {key}: {detail}")]
    Facts {
        /// Object key (or the tenant's facts prefix, for the sums).
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// S3 failed.
    #[error("write {key}: {detail}")]
    Write {
        /// Object key.
        key: String,
        /// What S3 said.
        detail: String,
    },
}

/// The one place an exports-bucket failure becomes a [`ReportError`]: a [`ReportError::Write`] on its key.
impl From<ExportsError> for ReportError {
    fn from(error: ExportsError) -> Self {
        let (key, detail) = error.into_parts();
        Self::Write { key, detail }
    }
}

/// One tenant's run: the reports written and the page linking them.
#[derive(Debug, Clone, Serialize)]
pub struct TenantRun {
    /// The run's id.
    pub run: String,
    /// The reports, in [`ReportName::ALL`] order.
    pub reports: Vec<WrittenReport>,
    /// The page's key.
    pub index: String,
}

/// Runs `wanted` for `tenant` and `period`: builds the tables, writes each report (files, then manifest), then
/// the page.
pub async fn run_reports(
    app: &Reporting,
    tenant: &TenantId,
    period: &Period,
    wanted: &[ReportName],
) -> Result<TenantRun, ReportError> {
    let run = new_run_id(OffsetDateTime::now_utc());
    let contents = build(app, tenant, period, wanted).await?;
    let mut reports = Vec::new();
    for content in &contents {
        reports.push(write_report(app, tenant, period, &run, content).await?);
    }
    let index = write_index(app, tenant, period, &contents, &reports).await?;
    Ok(TenantRun { run, reports, index })
}
