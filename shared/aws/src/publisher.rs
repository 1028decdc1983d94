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

    /// Sends one envelope as the message body, with the event type as a message attribute.
    pub async fn publish(&self, event: &EventEnvelope) -> Result<String, PublishError> {
        let fail = |message: String| PublishError {
            event_type: event.event_type.as_str(),
            event_id: event.event_id.clone(),
            queue: self.queue_url.clone(),
            message,
        };
        let body = serde_json::to_string(event).map_err(|e| fail(e.to_string()))?;
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
