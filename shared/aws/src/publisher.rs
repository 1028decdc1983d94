//! Publishes event envelopes to a stage's SQS queue.

use aws_sdk_sqs::error::DisplayErrorContext;
use orders_domain::events::EventEnvelope;

/// Sending an event failed; the event's "publish pending" mark stays, so the relay sends it later.
#[derive(Debug, thiserror::Error)]
#[error("publish {event_type} {event_id} to {queue}: {message}")]
pub struct PublishError {
    /// Event type.
    pub event_type: &'static str,
    /// Event id.
    pub event_id: String,
    /// Queue URL.
    pub queue: String,
    /// What went wrong.
    pub message: String,
}

/// The biggest message body that carries state (SQS bills a message by 64 KB; a bigger one goes thin).
pub const MAX_CARRIED_BYTES: usize = 60 * 1024;

/// Sends envelopes to one queue.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl EventPublisher {
    /// A publisher for `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self { client, queue_url: queue_url.into() }
    }

    /// The queue this publisher sends to.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Sends one envelope as the message body, with the event type as a message attribute. An envelope whose
    /// carried state ([`EventEnvelope::carried`]) would make it bigger than [`MAX_CARRIED_BYTES`] is sent thin.
    pub async fn publish(&self, event: &EventEnvelope) -> Result<String, PublishError> {
        let fail = |message: String| PublishError {
            event_type: event.event_type.as_str(),
            event_id: event.event_id.clone(),
            queue: self.queue_url.clone(),
            message,
        };
        let mut body = serde_json::to_string(event).map_err(|e| fail(e.to_string()))?;
        if event.carried.is_some() && body.len() > MAX_CARRIED_BYTES {
            body = serde_json::to_string(&event.thin()).map_err(|e| fail(e.to_string()))?;
        }
        let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(event.event_type.as_str())
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let output = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_attributes("type", attribute)
            .send()
            .await
            .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
        Ok(output.message_id.unwrap_or_default())
    }
}

/// Sending work items failed (some or all of them).
#[derive(Debug, thiserror::Error)]
#[error("send to {queue}: {message}")]
pub struct QueueError {
    /// Queue URL.
    pub queue: String,
    /// What went wrong.
    pub message: String,
}

/// Sends work items (JSON bodies) to one queue, ten per request.
#[derive(Debug, Clone)]
pub struct WorkQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl WorkQueue {
    /// A sender to `queue_url`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self { client, queue_url: queue_url.into() }
    }

    /// Sends one body, delivered no sooner than `delay` from now (SQS delays at most 15 minutes; a longer delay
    /// is cut to that, and the consumer sends the message on again until its time has come).
    pub async fn send_later(&self, body: &str, delay: std::time::Duration) -> Result<(), QueueError> {
        let seconds = i32::try_from(delay.as_secs().min(900)).unwrap_or(900);
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(seconds)
            .send()
            .await
            .map_err(|e| QueueError { queue: self.queue_url.clone(), message: DisplayErrorContext(&e).to_string() })?;
        Ok(())
    }

    /// Sends every body, in batches of ten; fails if SQS took any of them not (the caller sends them all again:
    /// the items must be idempotent).
    pub async fn send_all(&self, bodies: &[String]) -> Result<(), QueueError> {
        let fail = |message: String| QueueError { queue: self.queue_url.clone(), message };
        for chunk in bodies.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(n, body)| {
                    aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                        .id(format!("m{n}"))
                        .message_body(body)
                        .build()
                        .map_err(|e| fail(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| fail(DisplayErrorContext(&e).to_string()))?;
            if let Some(failed) = output.failed.first() {
                return Err(fail(format!("{} of {} refused: {}", output.failed.len(), chunk.len(), failed.code)));
            }
        }
        Ok(())
    }
}
