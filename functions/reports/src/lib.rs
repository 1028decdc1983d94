//! The `reports` function: the seller's HTTP API of reports. `POST /v1/reports` runs one report for a date range
//! now (the same code and S3 layout as the daily run, under `range=<from>_<to>/` for more than one day) and answers
//! with presigned links to its CSV, XLSX and Parquet files and its page; `GET /v1/reports/{id}` signs the links
//! again while that run is the report's current one. Operator keys only. `main.rs` only wires it; the local
//! runner and the tests call [`handle`] with real requests.

mod handler;

use orders_aws::{required_var, ConfigError, Settings};
use orders_http::Gatekeeper;

pub use handler::handle;

/// Settings of the reports API (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ReportsConfig {
    /// The reporting settings (`TABLE_NAME`, `EXPORTS_BUCKET`).
    pub reporting: orders_app::reports::ReportingConfig,
    /// `DOWNLOAD_URL_SECONDS`: how long a download link works.
    pub download_url_seconds: u64,
    /// `CONSOLE_SESSION_SECRET_ARN`: the keys of console sessions.
    pub console_session_secret_arn: String,
}

impl Settings for ReportsConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let seconds = required_var(&var, "DOWNLOAD_URL_SECONDS")?;
        // SigV4 presigned URLs live at most 7 days.
        let download_url_seconds = seconds
            .parse::<u64>()
            .ok()
            .filter(|s| (60..=7 * 24 * 3600).contains(s))
            .ok_or(ConfigError("DOWNLOAD_URL_SECONDS"))?;
        Ok(Self {
            reporting: orders_app::reports::ReportingConfig::from_vars(&var)?,
            download_url_seconds,
            console_session_secret_arn: required_var(&var, orders_aws::SecretPurpose::ConsoleSession.env_var())?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Reports {
    reporting: orders_app::reports::Reporting,
    gate: Gatekeeper,
    download_url_seconds: u64,
}

impl Reports {
    /// Builds the handler state.
    pub fn new(
        config: &ReportsConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, String> {
        let reporting = orders_app::reports::Reporting::new(&config.reporting, dynamodb, s3);
        let sessions = orders_aws::SecretKeys::from_secrets_manager(
            secrets.clone(),
            &config.console_session_secret_arn,
            orders_aws::SecretPurpose::ConsoleSession,
        );
        Ok(Self {
            gate: Gatekeeper::new(reporting.store().clone(), sessions),
            reporting,
            download_url_seconds: config.download_url_seconds,
        })
    }
}
