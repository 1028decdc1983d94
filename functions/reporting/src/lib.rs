//! The `reporting` function: run daily by an EventBridge schedule (and on demand), it writes each tenant's
//! reports of a day to the exports bucket under `tenant=<t>/report=<name>/date=<yyyy-mm-dd>/`, each with a
//! `manifest.json` (files, row counts, SHA-256) written last. So far: sales by day, customer, channel and product
//! as CSV. `main.rs` only wires
//! it; the local runner and the tests call [`handle`] with real EventBridge events.

mod handler;

use orders_aws::{required_env, required_var, ConfigError, Store};

pub use handler::{handle, ReportError, ReportRun, RunSummary};

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
}

impl Reporting {
    /// Builds the handler state from settings and clients.
    pub fn new(
        config: &ReportingConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        s3: orders_aws::aws_sdk_s3::Client,
    ) -> Self {
        Self { store: Store::new(dynamodb, &config.table_name), s3, bucket: config.exports_bucket.clone() }
    }
}
