//! A report run: the schedule queues every tenant's day; each queued day, or an on-demand run of one tenant,
//! writes that tenant's reports (`orders_app::reports::daily`).

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use orders_domain::ids::TenantId;

use orders_app::reports::daily::{queue_every_tenant, run_day, run_queued};
use orders_app::reports::{ReportError, Reporting};

/// What a run covers: the event's `detail`. A scheduled run has none: every tenant, yesterday (UTC).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReportRun {
    /// One tenant only, run at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The day (`YYYY-MM-DD`); default the day before the event's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// The day reported.
    pub date: String,
    /// The tenants whose day was queued (a run of every tenant).
    pub queued: Vec<String>,
    /// S3 keys of the manifests written, one per report (a run of one tenant).
    pub manifests: Vec<String>,
    /// S3 keys of the pages written (a run of one tenant).
    pub index_pages: Vec<String>,
}

/// Runs what the schedule or an operator's event asks for: one tenant at once, or every tenant through the queue.
pub async fn handle(app: &Reporting, event: EventBridgeEvent<ReportRun>) -> Result<RunSummary, lambda_runtime::Error> {
    let run = event.detail;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date: Date = match &run.date {
        Some(text) => Date::parse(text, &format).map_err(|_| ReportError::Request(format!("date {text:?}")))?,
        None => {
            let at = event.time.map(|t| t.timestamp()).unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp());
            let today =
                OffsetDateTime::from_unix_timestamp(at).map_err(|e| ReportError::Request(e.to_string()))?.date();
            today.previous_day().ok_or_else(|| ReportError::Request("no day before".into()))?
        }
    };
    let mut summary = RunSummary { date: date.to_string(), ..RunSummary::default() };
    match &run.tenant {
        Some(tenant) => {
            let tenant = TenantId::parse(tenant).map_err(|e| ReportError::Request(e.to_string()))?;
            let written = run_day(app, &tenant, date).await?;
            summary.manifests = written.reports.into_iter().map(|r| r.manifest).collect();
            summary.index_pages.push(written.index);
        }
        None => {
            summary.queued = queue_every_tenant(app, date).await?.iter().map(ToString::to_string).collect();
        }
    }
    Ok(summary)
}

/// Runs the tenant days the schedule queued (failures reported per message).
pub async fn handle_queued(app: &Reporting, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(run_queued(app, &event).await)
}

/// Either event the function is invoked with: the reporting queue's messages (`Records`), or the schedule's.
pub async fn handle_any(
    app: &Reporting,
    payload: serde_json::Value,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    if payload.get("Records").is_some() {
        let event: SqsEvent = serde_json::from_value(payload)?;
        // Boxed: the two runs' futures are deep, and one of them is all an invocation needs.
        Ok(serde_json::to_value(Box::pin(handle_queued(app, event)).await?)?)
    } else {
        let event: EventBridgeEvent<ReportRun> = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(Box::pin(handle(app, event)).await?)?)
    }
}
