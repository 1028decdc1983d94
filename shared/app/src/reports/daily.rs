//! The daily run, fanned out: the schedule queues one message per tenant and day on the reporting queue, and each
//! message runs that tenant's reports on its own. A tenant whose run fails is retried by SQS and ends in the
//! reporting DLQ (whose alarm an operator sees) without holding back any other tenant; a rerun of a tenant's day
//! replaces its files whole (the manifest switches last), so a redelivered message is harmless.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use time::Date;

use orders_domain::ids::TenantId;
use orders_domain::reports::{Period, ReportName};

use super::{run_reports, ReportError, Reporting, TenantRun};
use crate::consumer::Batch;

/// One tenant's day: the body of a reporting queue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDay {
    /// The tenant.
    pub tenant: TenantId,
    /// The day (`YYYY-MM-DD`).
    pub date: String,
}

/// `YYYY-MM-DD`.
const DAY: &[time::format_description::FormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

impl TenantDay {
    /// The day as a date.
    pub fn day(&self) -> Result<Date, ReportError> {
        Date::parse(&self.date, DAY).map_err(|_| ReportError::Request(format!("date {:?}", self.date)))
    }
}

/// Queues `date` for every tenant; the tenants queued.
pub async fn queue_every_tenant(app: &Reporting, date: Date) -> Result<Vec<TenantId>, ReportError> {
    let queue = app.queue.as_ref().ok_or_else(|| ReportError::Request("no REPORTING_QUEUE_URL to queue on".into()))?;
    let tenants = app.store().list_tenants().await?;
    let bodies = tenants
        .iter()
        .map(|tenant| serde_json::to_string(&TenantDay { tenant: tenant.clone(), date: date.to_string() }))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ReportError::Request(e.to_string()))?;
    queue.send_all(&bodies).await?;
    tracing::info!(date = %date, tenants = tenants.len(), "reports queued");
    Ok(tenants)
}

/// Runs every report of one tenant's day.
pub async fn run_day(app: &Reporting, tenant: &TenantId, date: Date) -> Result<TenantRun, ReportError> {
    run_reports(app, tenant, &Period::day(date), &ReportName::ALL).await
}

/// Runs the queued tenant days of a batch; each failure is reported on its own (SQS retries it, then the DLQ).
pub async fn run_queued(app: &Reporting, event: &SqsEvent) -> SqsBatchResponse {
    let mut batch = Batch::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let day =
            message.body.as_deref().ok_or_else(|| ReportError::Request("no body".into())).and_then(|body| {
                serde_json::from_str::<TenantDay>(body).map_err(|e| ReportError::Request(e.to_string()))
            });
        let outcome = match day {
            Ok(day) => match day.day() {
                Ok(date) => run_day(app, &day.tenant, date).await.map(|run| (day, run)),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        match outcome {
            Ok((day, run)) => {
                tracing::info!(tenant = %day.tenant, date = %day.date, reports = run.reports.len(), "reports written")
            }
            Err(error) => {
                tracing::error!(message_id = %id, %error, "reports of a tenant failed");
                batch.fail(id);
            }
        }
    }
    batch.response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_day_reads_back_as_it_was_written() {
        let day = TenantDay { tenant: TenantId::parse("acme").expect("tenant"), date: "2026-12-03".into() };
        let body = serde_json::to_string(&day).expect("json");
        assert_eq!(body, r#"{"tenant":"acme","date":"2026-12-03"}"#);
        let back: TenantDay = serde_json::from_str(&body).expect("parse");
        assert_eq!(back.day().expect("date").to_string(), "2026-12-03");
        assert!(TenantDay { date: "2026-13-01".into(), ..back }.day().is_err());
    }
}
