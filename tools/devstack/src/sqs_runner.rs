//! Delivers SQS messages to a function's handler the way the Lambda event source mapping does: receive a batch,
//! hand it over as an `aws_lambda_events` `SqsEvent`, delete what succeeded, and leave every id the handler lists in
//! `batchItemFailures` (or the whole batch, if the handler fails) on the queue, so the queue's redrive policy moves
//! a message to its DLQ after `maxReceiveCount` receives.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use serde_json::json;

/// A function's SQS handler, as Lambda would call it.
pub type SqsHandler =
    Arc<dyn Fn(SqsEvent) -> Pin<Box<dyn Future<Output = Result<SqsBatchResponse, String>> + Send>> + Send + Sync>;

/// What one delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Messages handed to the handler.
    pub received: usize,
    /// Deleted after success.
    pub succeeded: usize,
    /// Left on the queue for another try.
    pub failed: usize,
}

impl std::ops::AddAssign for Delivery {
    fn add_assign(&mut self, other: Self) {
        self.received += other.received;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }
}

/// Polls one queue for one handler.
#[derive(Clone)]
pub struct QueueConsumer {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    region: String,
    handler: SqsHandler,
    batch_size: i32,
    retry_after_seconds: Option<i32>,
    kills: Option<Kills>,
}

/// Invocations killed on purpose: with `probability`, the handler is stopped at whatever it awaits within
/// `within` of its start, as a Lambda timeout or crash stops it between two side effects; its batch is then
/// redelivered as Lambda would.
#[derive(Debug, Clone, Copy)]
pub struct Kills {
    /// The share of invocations killed.
    pub probability: f64,
    /// How long a killed invocation runs at most.
    pub within: std::time::Duration,
}

/// Invocations killed so far in this process.
static KILLED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many invocations [`Kills`] stopped in this process so far.
pub fn killed() -> u64 {
    KILLED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A number in [0, 1) that differs per call (no random crate: the clock's nanoseconds, mixed).
fn chance() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ u64::from(nanos);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

impl std::fmt::Debug for QueueConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueConsumer").field("queue_url", &self.queue_url).finish_non_exhaustive()
    }
}

impl QueueConsumer {
    /// A consumer of `queue_url` delivering batches of up to 10 (the event source mapping default).
    pub async fn new(
        sqs: aws_sdk_sqs::Client,
        queue_url: &str,
        region: &str,
        handler: SqsHandler,
    ) -> Result<Self, String> {
        // The poller is Lambda's, not the function's: it waits as long as a busy emulator takes rather than give
        // up after the functions' 4 s (an answer it gave up on leaves the batch invisible for the visibility
        // timeout, as SQS would).
        let timeouts = aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(std::time::Duration::from_secs(30))
            .operation_timeout(std::time::Duration::from_secs(60))
            .build();
        let sqs = aws_sdk_sqs::Client::from_conf(sqs.config().to_builder().timeout_config(timeouts).build());
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| format!("read {queue_url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let queue_arn =
            attributes.attributes.and_then(|mut a| a.remove(&QueueAttributeName::QueueArn)).unwrap_or_default();
        Ok(Self {
            sqs,
            queue_url: queue_url.to_owned(),
            queue_arn,
            region: region.to_owned(),
            handler,
            batch_size: 10,
            retry_after_seconds: None,
            kills: None,
        })
    }

    /// The queue it reads.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Makes failed messages visible again after `seconds` instead of the queue's visibility timeout (the
    /// deployed stack waits the full timeout; locally that would make every retry take minutes).
    pub fn retry_after(mut self, seconds: i32) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// Kills invocations on purpose (see [`Kills`]).
    pub fn killing(mut self, kills: Option<Kills>) -> Self {
        self.kills = kills;
        self
    }

    /// Receives one batch (waiting up to `wait_seconds` for one) and delivers it.
    pub async fn deliver_once(&self, wait_seconds: i32) -> Result<Delivery, String> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("receive from {}: {}", self.queue_url, aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(Delivery::default());
        }
        let event = self.event(&messages)?;
        let invocation = (self.handler)(event);
        let outcome = match self.kills.filter(|kills| chance() < kills.probability) {
            None => invocation.await,
            Some(kills) => {
                let deadline = kills.within.mul_f64(chance());
                match tokio::time::timeout(deadline, invocation).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        KILLED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        Err(format!("invocation killed after {} ms", deadline.as_millis()))
                    }
                }
            }
        };
        let failed_ids: Vec<String> = match outcome {
            Ok(response) => response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Err(error) => {
                tracing::warn!(queue = %self.queue_url, %error, "handler failed the whole batch");
                messages.iter().filter_map(|m| m.message_id.clone()).collect()
            }
        };
        let mut deletes = Vec::new();
        for message in &messages {
            let id = message.message_id.clone().unwrap_or_default();
            let handle = message.receipt_handle.clone().unwrap_or_default();
            if failed_ids.contains(&id) {
                if let Some(seconds) = self.retry_after_seconds {
                    let _ = self
                        .sqs
                        .change_message_visibility()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .visibility_timeout(seconds)
                        .send()
                        .await;
                }
            } else {
                deletes.push(
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("m{}", deletes.len()))
                        .receipt_handle(handle)
                        .build()
                        .map_err(|e| e.to_string())?,
                );
            }
        }
        let succeeded = deletes.len();
        if !deletes.is_empty() {
            self.sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(deletes))
                .send()
                .await
                .map_err(|e| {
                    format!("delete from {}: {}", self.queue_url, aws_sdk_sqs::error::DisplayErrorContext(&e))
                })?;
        }
        Ok(Delivery { received: messages.len(), succeeded, failed: messages.len() - succeeded })
    }

    /// Delivers until the returned task is aborted, long-polling 1 s at a time.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.deliver_once(1).await {
                    tracing::warn!(queue = %self.queue_url, %error, "delivery failed");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        })
    }

    /// The Lambda SQS event for received messages (same JSON Lambda sends).
    fn event(&self, messages: &[aws_sdk_sqs::types::Message]) -> Result<SqsEvent, String> {
        let records: Vec<serde_json::Value> = messages
            .iter()
            .map(|m| {
                let attributes: serde_json::Map<String, serde_json::Value> = m
                    .attributes()
                    .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect())
                    .unwrap_or_default();
                let message_attributes: serde_json::Map<String, serde_json::Value> = m
                    .message_attributes()
                    .map(|a| {
                        a.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    json!({
                                        "stringValue": v.string_value(),
                                        "stringListValues": [],
                                        "binaryListValues": [],
                                        "dataType": v.data_type(),
                                    }),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": attributes,
                    "messageAttributes": message_attributes,
                    "md5OfBody": m.md5_of_body(),
                    "md5OfMessageAttributes": m.md5_of_message_attributes(),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": self.region,
                })
            })
            .collect();
        serde_json::from_value(json!({ "Records": records })).map_err(|e| format!("build SQS event: {e}"))
    }
}
