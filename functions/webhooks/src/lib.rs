//! The `webhooks` function (docs/decisions/0017-signed-webhooks.md): the table's stream of order items and issued
//! billing documents (filtered in the template) raises webhook events, each made into one delivery per endpoint that wants it and queued; the
//! webhooks queue's messages are the deliveries, each sent signed and recorded. The use case is
//! `orders_app::webhooks`; this crate adapts the events and sends with [`WebhookClient`] (public web roots, no
//! private addresses, no redirects). `main.rs` only wires it; the local runner and the tests call [`handle_stream`]
//! and [`handle_deliveries`] with real events.

use aws_lambda_events::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

use orders_app::webhooks::{fan_out, Changed, PostAnswer, Poster, TableChange, Views};
pub use orders_app::webhooks::{Webhooks, WebhooksConfig};
use orders_aws::webhook_client::{WebhookClient, WebhookClientSettings};

/// Sends deliveries through the guarded HTTPS client.
#[derive(Debug, Clone)]
pub struct ClientPoster(WebhookClient);

impl Poster for ClientPoster {
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<PostAnswer, (String, u64)> {
        let started = std::time::Instant::now();
        match self.0.post(url, headers, body).await {
            Ok(answer) => {
                Ok(PostAnswer { status: answer.status, excerpt: answer.excerpt, elapsed_ms: answer.elapsed_ms })
            }
            Err(error) => Err((error.to_string(), u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX))),
        }
    }
}

/// The function's state: the use case with the HTTPS client (plain http to loopback only where the stack allows
/// it: `WEBHOOK_ALLOW_LOOPBACK`, local development).
pub fn app(
    config: &WebhooksConfig,
    dynamodb: orders_aws::aws_sdk_dynamodb::Client,
    sqs: orders_aws::aws_sdk_sqs::Client,
    secrets: &orders_aws::aws_sdk_secretsmanager::Client,
) -> Webhooks<ClientPoster> {
    let settings = WebhookClientSettings { allow_loopback: config.allow_loopback, ..WebhookClientSettings::default() };
    Webhooks::new(config, dynamodb, sqs, secrets, ClientPoster(WebhookClient::new(settings)))
}

/// The changes of stream records that can raise events: orders and billing documents (other items and removals
/// are passed over).
fn table_changes(records: Vec<EventRecord>) -> Result<Vec<TableChange>, String> {
    let order = |image| orders_aws::store::order_of_stream_image(image).map_err(|e| e.to_string());
    let document = |image| orders_aws::store::document_of_stream_image(image).map_err(|e| e.to_string());
    let mut changes = Vec::new();
    for record in records {
        if record.event_name == "REMOVE" {
            continue;
        }
        let at_ms = record.change.approximate_creation_date_time.timestamp_millis();
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        let changed = if let Some(after) = order(record.change.new_image.clone())? {
            let before = if record.event_name == "INSERT" { None } else { order(record.change.old_image)? };
            Changed::Order { before: before.map(Box::new), after: Box::new(after) }
        } else if let Some(issued) = document(record.change.new_image)?.filter(|_| record.event_name == "INSERT") {
            Changed::Document(Box::new(issued))
        } else {
            continue;
        };
        changes.push(TableChange { record_id: record.event_id, at_ms, sequence, changed });
    }
    Ok(changes)
}

/// What deliveries carry: the views of the API.
const VIEWS: Views =
    Views { order: |order| orders_http::views::order_json(order, None), document: orders_http::views::document_json };

/// Makes and queues the deliveries of a batch of the table's stream; on failure the batch is retried from its first
/// record (deliveries already made are not made twice).
pub async fn handle_stream<P: Poster>(
    app: &Webhooks<P>,
    event: StreamEvent,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    let Some(first_sequence) = event.records.first().map(|r| r.change.sequence_number.clone()) else {
        return Ok(response);
    };
    let records = event.records.len();
    let queued = match table_changes(event.records) {
        Ok(changes) => fan_out(app, &changes, VIEWS).await.map_err(|e| e.to_string()),
        Err(error) => Err(error),
    };
    match queued {
        Ok(queued) => tracing::info!(records, queued, "webhook deliveries queued"),
        Err(error) => {
            tracing::error!(sequence_number = ?first_sequence, %error, "webhook deliveries not queued; the batch is retried");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = first_sequence;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// Attempts a batch of deliveries; failures are reported per message.
pub async fn handle_deliveries<P: Poster>(
    app: &Webhooks<P>,
    event: SqsEvent,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(orders_app::webhooks::handle_deliveries(app, event).await)
}

/// Any event the function is invoked with: the table's stream (`aws:dynamodb`) or the webhooks queue.
pub async fn handle_any<P: Poster>(
    app: &Webhooks<P>,
    payload: serde_json::Value,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let source = payload.pointer("/Records/0/eventSource").and_then(serde_json::Value::as_str);
    if source == Some("aws:dynamodb") {
        let event: StreamEvent = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(handle_stream(app, event).await?)?)
    } else {
        let event: SqsEvent = serde_json::from_value(payload)?;
        Ok(serde_json::to_value(Box::pin(handle_deliveries(app, event)).await?)?)
    }
}
