//! Delivers DynamoDB stream records to a function's handler the way the Lambda event source mapping does: read the
//! table's stream shard by shard in order, drop records no `FilterCriteria` pattern matches, hand the rest over in
//! batches as an `aws_lambda_events` DynamoDB `Event`, and resume from the first record the handler reports in
//! `batchItemFailures` (or the whole batch, if the handler fails). After `MaximumRetryAttempts` retries the batch
//! is given up: its shard and sequence numbers go to the on-failure queue and the shard moves on.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::DynamoDbEventResponse;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde_json::{json, Value};

use crate::sqs_runner::Delivery;

/// A function's DynamoDB stream handler, as Lambda would call it.
pub type StreamHandler =
    Arc<dyn Fn(Event) -> Pin<Box<dyn Future<Output = Result<DynamoDbEventResponse, String>> + Send>> + Send + Sync>;

/// Where one shard stands.
#[derive(Debug, Clone, Default)]
struct ShardPosition {
    /// The last record handled (or dropped by the filter); `None`: nothing yet.
    checkpoint: Option<String>,
    /// Failed attempts at the batch starting after the checkpoint.
    failures: u32,
}

/// Reads one table's stream for one handler.
#[derive(Clone)]
pub struct StreamConsumer {
    function: String,
    streams: aws_sdk_dynamodbstreams::Client,
    sqs: aws_sdk_sqs::Client,
    stream_arn: String,
    region: String,
    handler: StreamHandler,
    batch_size: i32,
    trim_horizon: bool,
    maximum_retry_attempts: Option<u32>,
    on_failure_queue_url: Option<String>,
    filters: Vec<Value>,
    shards: HashMap<String, ShardPosition>,
}

impl std::fmt::Debug for StreamConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamConsumer")
            .field("function", &self.function)
            .field("stream_arn", &self.stream_arn)
            .finish_non_exhaustive()
    }
}

/// How a consumer is set up (from the template's event source).
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// The template's logical id of the function it delivers to.
    pub function: String,
    /// Records per batch.
    pub batch_size: i32,
    /// Start at the oldest record (else at the records written from now on).
    pub trim_horizon: bool,
    /// Retries before a batch is given up.
    pub maximum_retry_attempts: Option<u32>,
    /// Queue URL told about a batch given up.
    pub on_failure_queue_url: Option<String>,
    /// `FilterCriteria` patterns.
    pub filters: Vec<Value>,
}

impl StreamConsumer {
    /// A consumer of the stream `stream_arn`.
    pub async fn new(
        streams: aws_sdk_dynamodbstreams::Client,
        sqs: aws_sdk_sqs::Client,
        stream_arn: &str,
        region: &str,
        handler: StreamHandler,
        settings: StreamSettings,
    ) -> Result<Self, String> {
        let mut consumer = Self {
            function: settings.function,
            streams,
            sqs,
            stream_arn: stream_arn.to_owned(),
            region: region.to_owned(),
            handler,
            batch_size: settings.batch_size.clamp(1, 1000),
            trim_horizon: settings.trim_horizon,
            maximum_retry_attempts: settings.maximum_retry_attempts,
            on_failure_queue_url: settings.on_failure_queue_url,
            filters: settings.filters,
            shards: HashMap::new(),
        };
        if !consumer.trim_horizon {
            // LATEST: every shard's current end is where this consumer starts.
            for shard in consumer.shard_ids().await? {
                let last = consumer.records_after(&shard, None, 1000, true).await?.last().cloned();
                let checkpoint = last.and_then(|r| r.dynamodb.and_then(|d| d.sequence_number));
                consumer.shards.insert(shard, ShardPosition { checkpoint, failures: 0 });
            }
        }
        Ok(consumer)
    }

    async fn shard_ids(&self) -> Result<Vec<String>, String> {
        let described = self.streams.describe_stream().stream_arn(&self.stream_arn).send().await.map_err(|e| {
            format!("describe {}: {}", self.stream_arn, aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e))
        })?;
        Ok(described
            .stream_description
            .and_then(|d| d.shards)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| s.shard_id)
            .collect())
    }

    /// Records of `shard` after `checkpoint` (from the start without one); with `all`, every page.
    async fn records_after(
        &self,
        shard: &str,
        checkpoint: Option<&str>,
        limit: i32,
        all: bool,
    ) -> Result<Vec<Record>, String> {
        let request = self.streams.get_shard_iterator().stream_arn(&self.stream_arn).shard_id(shard);
        let request = match checkpoint {
            Some(sequence) => {
                request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
            }
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let context = |e: &dyn std::fmt::Display| format!("read shard {shard} of {}: {e}", self.stream_arn);
        let mut iterator = request
            .send()
            .await
            .map_err(|e| context(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?
            .shard_iterator;
        let mut records = Vec::new();
        while let Some(current) = iterator {
            let page = self
                .streams
                .get_records()
                .shard_iterator(current)
                .limit(limit)
                .send()
                .await
                .map_err(|e| context(&aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e)))?;
            let got = page.records.unwrap_or_default();
            let empty = got.is_empty();
            records.extend(got);
            if !all || empty {
                break;
            }
            iterator = page.next_shard_iterator;
        }
        Ok(records)
    }

    /// The template's logical id of the function it delivers to.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// Delivers at most one batch per shard; what it did.
    pub async fn deliver_once(&mut self) -> Result<Delivery, String> {
        let mut total = Delivery::default();
        for shard in self.shard_ids().await? {
            let position = self.shards.entry(shard.clone()).or_default().clone();
            let records = self.records_after(&shard, position.checkpoint.as_deref(), 1000, false).await?;
            // Filtered-out records are passed over, as the event source mapping does.
            let mut passed = None;
            let mut batch = Vec::new();
            for record in records {
                let sequence = record.dynamodb.as_ref().and_then(|d| d.sequence_number.clone());
                let event_record = self.event_record(record)?;
                if self.matches(&event_record) {
                    batch.push(event_record);
                    if batch.len() >= usize::try_from(self.batch_size).unwrap_or(1) {
                        break;
                    }
                } else if batch.is_empty() {
                    passed = sequence;
                }
            }
            if batch.is_empty() {
                if let Some(sequence) = passed {
                    self.shards.insert(shard, ShardPosition { checkpoint: Some(sequence), failures: 0 });
                }
                continue;
            }
            total.received += batch.len();
            let sequences: Vec<Option<String>> = batch.iter().map(|r| r.change.sequence_number.clone()).collect();
            let event: Event = serde_json::from_value(json!({ "Records": batch }))
                .map_err(|e| format!("stream event of {}: {e}", self.stream_arn))?;
            let failed_at = match (self.handler)(event).await {
                Ok(response) => response
                    .batch_item_failures
                    .first()
                    .map(|f| sequences.iter().position(|s| *s == f.item_identifier).unwrap_or(0)),
                Err(error) => {
                    tracing::warn!(stream = %self.stream_arn, %error, "handler failed the whole batch");
                    Some(0)
                }
            };
            let last_good = |upto: usize| {
                if upto == 0 {
                    passed.clone().or(position.checkpoint.clone())
                } else {
                    sequences.get(upto - 1).cloned().flatten()
                }
            };
            match failed_at {
                None => {
                    total.succeeded += sequences.len();
                    self.shards.insert(shard, ShardPosition { checkpoint: last_good(sequences.len()), failures: 0 });
                }
                Some(at) => {
                    total.succeeded += at;
                    total.failed += sequences.len() - at;
                    let failures = if at == 0 { position.failures + 1 } else { 1 };
                    if self.maximum_retry_attempts.is_some_and(|max| failures > max) {
                        self.give_up(&shard, &sequences[at..]).await;
                        self.shards
                            .insert(shard, ShardPosition { checkpoint: last_good(sequences.len()), failures: 0 });
                    } else {
                        self.shards.insert(shard, ShardPosition { checkpoint: last_good(at), failures });
                    }
                }
            }
        }
        Ok(total)
    }

    /// Delivers until the returned task is aborted: at once while records come, else every half second (as the
    /// event source mapping polls a shard).
    pub fn spawn(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.deliver_once().await {
                    Ok(delivery) if delivery.received > 0 => continue,
                    Ok(_) => {}
                    Err(error) => tracing::warn!(stream = %self.stream_arn, %error, "stream delivery failed"),
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        })
    }

    /// Tells the on-failure queue about records given up (as Lambda does: where they are, not what they hold).
    async fn give_up(&self, shard: &str, sequences: &[Option<String>]) {
        let first = sequences.first().cloned().flatten().unwrap_or_default();
        let last = sequences.last().cloned().flatten().unwrap_or_default();
        tracing::error!(stream = %self.stream_arn, shard, first, last, "stream batch given up after its retries");
        let Some(queue_url) = &self.on_failure_queue_url else { return };
        let body = json!({
            "requestContext": { "condition": "RetryAttemptsExhausted" },
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": first,
                "endSequenceNumber": last,
                "batchSize": sequences.len(),
                "streamArn": self.stream_arn,
            },
        });
        if let Err(error) = self.sqs.send_message().queue_url(queue_url).message_body(body.to_string()).send().await {
            tracing::error!(%error, "on-failure record not sent");
        }
    }

    /// The Lambda event record of a stream record.
    fn event_record(&self, record: Record) -> Result<EventRecord, String> {
        let change = record.dynamodb.unwrap_or_else(|| aws_sdk_dynamodbstreams::types::StreamRecord::builder().build());
        let item = |image: Option<HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>>| {
            serde_json::to_value(serde_dynamo::Item::from(image.unwrap_or_default())).unwrap_or_default()
        };
        let created = change.approximate_creation_date_time.map_or(0, |t| t.secs());
        let value = json!({
            "eventID": record.event_id.unwrap_or_default(),
            "eventName": record.event_name.map(|n| n.as_str().to_owned()).unwrap_or_default(),
            "eventVersion": record.event_version.unwrap_or_else(|| "1.1".into()),
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "eventSourceARN": self.stream_arn,
            "dynamodb": {
                "ApproximateCreationDateTime": created,
                "Keys": item(change.keys),
                "NewImage": item(change.new_image),
                "OldImage": item(change.old_image),
                "SequenceNumber": change.sequence_number,
                "SizeBytes": change.size_bytes.unwrap_or_default(),
                "StreamViewType": change.stream_view_type.map(|v| v.as_str().to_owned()),
            },
        });
        serde_json::from_value(value).map_err(|e| format!("stream record of {}: {e}", self.stream_arn))
    }

    fn matches(&self, record: &EventRecord) -> bool {
        if self.filters.is_empty() {
            return true;
        }
        let value = serde_json::to_value(record).unwrap_or_default();
        self.filters.iter().any(|pattern| pattern_matches(pattern, &value))
    }
}

/// Whether `value` matches a Lambda event filter `pattern`: every key of the pattern must match; a list of
/// allowed values matches when one does (a plain value by equality, `{"exists": bool}`, `{"prefix": text}`).
pub fn pattern_matches(pattern: &Value, value: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(name, inner)| match inner {
            Value::Array(allowed) => allowed.iter().any(|rule| rule_matches(rule, value.get(name))),
            Value::Object(_) => value.get(name).is_some_and(|v| pattern_matches(inner, v)),
            other => value.get(name) == Some(other),
        }),
        other => other == value,
    }
}

fn rule_matches(rule: &Value, value: Option<&Value>) -> bool {
    match rule {
        Value::Object(rule) => {
            if let Some(exists) = rule.get("exists").and_then(Value::as_bool) {
                return value.is_some_and(|v| !v.is_null()) == exists;
            }
            if let Some(prefix) = rule.get("prefix").and_then(Value::as_str) {
                return value.and_then(Value::as_str).is_some_and(|v| v.starts_with(prefix));
            }
            false
        }
        plain => value == Some(plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns_match_like_lambda_event_filtering() {
        let pattern =
            json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"archive_key": {"S": [{"exists": true}]}}}});
        let document =
            json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"archive_key": {"S": "k"}, "ubl": {"S": "<x/>"}}}});
        let modified = json!({"eventName": "MODIFY", "dynamodb": {"NewImage": {"archive_key": {"S": "k"}}}});
        let order = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"SK": {"S": "ORDER"}}}});
        assert!(pattern_matches(&pattern, &document));
        assert!(!pattern_matches(&pattern, &modified));
        assert!(!pattern_matches(&pattern, &order));
        let absent = json!({"dynamodb": {"NewImage": {"archive_key": [{"exists": false}]}}});
        assert!(pattern_matches(&absent, &order));
        assert!(!pattern_matches(&absent, &document));
        let prefix = json!({"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "DOC#"}]}}}});
        assert!(pattern_matches(&prefix, &json!({"dynamodb": {"Keys": {"SK": {"S": "DOC#order-response-v000002"}}}})));
        assert!(!pattern_matches(&prefix, &json!({"dynamodb": {"Keys": {"SK": {"S": "D#1"}}}})));
    }
}
