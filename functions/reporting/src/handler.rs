//! A report run: which tenants and day, then each report's files and manifest.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use orders_domain::ids::TenantId;
use orders_domain::reports::{Period, ReportName};

use orders_app::reports::{run_reports, ReportError, Reporting};

/// What a run covers: the event's `detail`. A scheduled run has none: every tenant, yesterday (UTC).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReportRun {
    /// One tenant only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The day (`YYYY-MM-DD`); default the day before the event's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// What a run wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// The day reported.
    pub date: String,
    /// S3 keys of the manifests written, one per tenant and report.
    pub manifests: Vec<String>,
    /// S3 keys of the pages written, one per tenant.
    pub index_pages: Vec<String>,
}

/// Runs the reports the event asks for.
pub async fn handle(app: &Reporting, event: EventBridgeEvent<ReportRun>) -> Result<RunSummary, lambda_runtime::Error> {
    let run = event.detail;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = match &run.date {
        Some(text) => Date::parse(text, &format).map_err(|_| ReportError::Request(format!("date {text:?}")))?,
        None => {
            let at = event.time.map(|t| t.timestamp()).unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp());
            let today =
                OffsetDateTime::from_unix_timestamp(at).map_err(|e| ReportError::Request(e.to_string()))?.date();
            today.previous_day().ok_or_else(|| ReportError::Request("no day before".into()))?
        }
    };
    let tenants = match &run.tenant {
        Some(tenant) => vec![TenantId::parse(tenant).map_err(|e| ReportError::Request(e.to_string()))?],
        None => app.store().list_tenants().await.map_err(ReportError::from)?,
    };
    let mut summary = RunSummary { date: date.to_string(), manifests: Vec::new(), index_pages: Vec::new() };
    // One tenant's failure does not stop the others' reports: each tenant's run is whole or not there at all
    // (its manifest is replaced last), so the failed ones are named and the invocation fails — the errors alarm
    // fires and EventBridge's retry runs the day again, rewriting every tenant's run atomically.
    let mut failed = Vec::new();
    for tenant in tenants {
        match run_reports(app, &tenant, &Period::day(date), &ReportName::ALL).await {
            Ok(run) => {
                summary.manifests.extend(run.reports.into_iter().map(|r| r.manifest));
                summary.index_pages.push(run.index);
            }
            Err(error) => {
                tracing::error!(tenant = %tenant, date = %summary.date, %error, "reports of a tenant failed");
                failed.push(tenant.to_string());
            }
        }
    }
    tracing::info!(date = %summary.date, reports = summary.manifests.len(), failed = failed.len(), "reports written");
    if !failed.is_empty() {
        return Err(format!("the reports of {} of {} failed: {}", summary.date, failed.len(), failed.join(", ")).into());
    }
    Ok(summary)
}
