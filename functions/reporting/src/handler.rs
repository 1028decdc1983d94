//! A report run: which tenants and day, then each report's files and manifest.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use orders_aws::aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use orders_domain::ids::TenantId;
use orders_domain::reports::{sales_by, sales_by_csv, sales_by_day, sales_by_day_csv, SalesDimension};

use crate::Reporting;

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
    /// S3 failed.
    #[error("write {key}: {detail}")]
    Write {
        /// Object key.
        key: String,
        /// What S3 said.
        detail: String,
    },
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
        None => app.store.list_tenants().await.map_err(ReportError::from)?,
    };
    let mut summary = RunSummary { date: date.to_string(), manifests: Vec::new() };
    for tenant in tenants {
        summary.manifests.extend(tenant_reports(app, &tenant, date).await?);
    }
    tracing::info!(date = %summary.date, reports = summary.manifests.len(), "reports written");
    Ok(summary)
}

/// `tenant=<t>/report=<name>/date=<d>/`.
pub fn report_prefix(tenant: &TenantId, report: &str, date: Date) -> String {
    format!("tenant={tenant}/report={report}/date={date}/")
}

async fn put(app: &Reporting, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), ReportError> {
    app.s3
        .put_object()
        .bucket(&app.bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| ReportError::Write {
            key: key.to_owned(),
            detail: orders_aws::aws_sdk_s3::error::DisplayErrorContext(&e).to_string(),
        })
}

/// One tenant's reports of `date`: sales by day, customer, channel and product; their manifests' keys.
async fn tenant_reports(app: &Reporting, tenant: &TenantId, date: Date) -> Result<Vec<String>, ReportError> {
    let orders = app.store.orders_of_day(tenant, &date.to_string()).await?;
    let days = sales_by_day(&orders, date);
    let mut manifests =
        vec![write_report(app, tenant, date, "sales_by_day", sales_by_day_csv(&days), days.len()).await?];
    for dimension in [SalesDimension::Customer, SalesDimension::Channel, SalesDimension::Product] {
        let rows = sales_by(&orders, date, dimension);
        let csv = sales_by_csv(&rows, dimension);
        manifests.push(write_report(app, tenant, date, dimension.report_name(), csv, rows.len()).await?);
    }
    Ok(manifests)
}

/// Writes one report's CSV, then its manifest (last, so a reader that starts from the manifest never sees files
/// of a half-written run as complete); returns the manifest's key.
async fn write_report(
    app: &Reporting,
    tenant: &TenantId,
    date: Date,
    name: &str,
    csv: String,
    rows: usize,
) -> Result<String, ReportError> {
    let csv = csv.into_bytes();
    let prefix = report_prefix(tenant, name, date);
    let csv_name = format!("{name}.csv");
    let manifest = json!({
        "tenant": tenant.as_str(),
        "report": name,
        "date": date.to_string(),
        "generated_at": OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "files": [{
            "name": csv_name,
            "format": "csv",
            "rows": rows,
            "bytes": csv.len(),
            "sha256": hex::encode(Sha256::digest(&csv)),
        }],
    });
    put(app, &format!("{prefix}{csv_name}"), csv, "text/csv; charset=utf-8").await?;
    let manifest_key = format!("{prefix}manifest.json");
    put(app, &manifest_key, manifest.to_string().into_bytes(), "application/json").await?;
    Ok(manifest_key)
}
