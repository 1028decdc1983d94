//! A report run: the schedule queues every tenant's day; each queued day, or an on-demand run of one tenant,
//! writes that tenant's reports (`orders_app::reports::daily`). And the facts the sales reports are summed from:
//! the table's stream of order items, written as order-line facts (`orders_app::reports::facts`).

use aws_lambda_events::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use orders_domain::ids::TenantId;

use orders_app::reports::daily::{queue_every_tenant, run_day, run_queued};
use orders_app::reports::facts::{write_facts, OrderChange};
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

/// Writes the order-line facts of a batch of the table's stream (filtered in the template to order items). The batch
/// is written whole, or its first record is reported failed so that Lambda retries all of it from there
/// (docs/decisions/0011-order-line-facts.md).
pub async fn handle_stream(
    app: &Reporting,
    event: StreamEvent,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    let Some(first_sequence) = event.records.first().map(|r| r.change.sequence_number.clone()) else {
        return Ok(response);
    };
    let records = event.records.len();
    let written = match order_changes(event.records) {
        Ok(batch) => write_facts(app, &batch).await.map_err(|e| e.to_string()),
        Err(error) => Err(error),
    };
    match written {
        Ok(written) => tracing::info!(records, files = written.files, rows = written.rows, "facts written"),
        Err(error) => {
            tracing::error!(sequence_number = ?first_sequence, %error, "facts not written; the batch is retried from its first record");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = first_sequence;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// The order changes of stream records (other items are passed over); an order image that cannot be read fails
/// the batch (it is retried, then given up to the on-failure queue, where an operator sees it).
fn order_changes(records: Vec<EventRecord>) -> Result<Vec<OrderChange>, String> {
    let read = |image| orders_aws::store::order_of_stream_image(image).map_err(|e| e.to_string());
    let mut batch = Vec::new();
    for record in records {
        if record.event_name == "REMOVE" {
            continue;
        }
        let Some(after) = read(record.change.new_image)? else { continue };
        let before = if record.event_name == "INSERT" { None } else { read(record.change.old_image)? };
        let sequence = record.change.sequence_number.as_deref().unwrap_or_default();
        batch.push(OrderChange { record: format!("{sequence}-{}", record.event_id), before, after });
    }
    Ok(batch)
}

/// Any event the function is invoked with: the table's stream (`Records` from `aws:dynamodb`), the reporting
/// queue's messages (`Records` from `aws:sqs`), or the schedule's.
pub async fn handle_any(
    app: &Reporting,
    payload: serde_json::Value,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let source = payload.pointer("/Records/0/eventSource").and_then(serde_json::Value::as_str);
    if source == Some("aws:dynamodb") {
        let event: StreamEvent = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(handle_stream(app, event).await?)?)
    } else if payload.get("Records").is_some() {
        let event: SqsEvent = serde_json::from_value(payload)?;
        // Boxed: the two runs' futures are deep, and one of them is all an invocation needs.
        Ok(serde_json::to_value(Box::pin(handle_queued(app, event)).await?)?)
    } else {
        let event: EventBridgeEvent<ReportRun> = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(Box::pin(handle(app, event)).await?)?)
    }
}
