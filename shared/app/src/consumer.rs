//! The SQS consumer every stage shares: each message's body is an [`EventEnvelope`] of a type the stage accepts;
//! a message that is not (or whose processing fails) is reported as a batch item failure, so only it returns to
//! the queue (and reaches the DLQ after `maxReceiveCount`), never the whole batch.

use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use orders_aws::store::OrderRecord;
use orders_domain::events::{Carried, EventEnvelope, EventType};
use time::OffsetDateTime;

/// How old an event may be for what it carries ([`Carried`]) to be planned from: an older one (a backlog) reads the
/// order instead.
pub(crate) const CARRIED_AGE: time::Duration = time::Duration::seconds(60);

/// What `envelope` carries, when it is an `event_type` event recent enough at `now` to plan from.
pub(crate) fn fresh_carried(envelope: &EventEnvelope, event_type: EventType, now: OffsetDateTime) -> Option<&Carried> {
    if envelope.event_type != event_type || now - envelope.at >= CARRIED_AGE {
        return None;
    }
    envelope.carried.as_deref()
}

/// The order's record as `carried` stands for it: the order as the producer's write stored it, with `envelope`
/// (thin) pending.
pub(crate) fn carried_record(envelope: &EventEnvelope, carried: &Carried) -> OrderRecord {
    OrderRecord { order: carried.order.clone(), version: carried.version, pending_event: Some(envelope.thin()) }
}

/// A message that is not an envelope the stage accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed message: {0}")]
pub struct Malformed(pub String);

/// The envelope in `message`, if it is one of `accepted` (`stage` names the consumer in the error).
pub fn envelope_of(message: &SqsMessage, stage: &str, accepted: &[EventType]) -> Result<EventEnvelope, Malformed> {
    let body = message.body.as_deref().ok_or_else(|| Malformed("no body".into()))?;
    let envelope: EventEnvelope = serde_json::from_str(body).map_err(|e| Malformed(e.to_string()))?;
    if accepted.contains(&envelope.event_type) {
        Ok(envelope)
    } else {
        Err(Malformed(format!("{} is not for the {stage} stage", envelope.event_type.as_str())))
    }
}

/// A batch being worked through: the envelopes still to process, by message id, and the ids that failed.
#[derive(Debug, Default)]
pub struct Batch {
    /// (message id, envelope) of every accepted message, in the batch's order.
    pub envelopes: Vec<(String, EventEnvelope)>,
    failed: Vec<String>,
    /// Messages SQS delivered before (an earlier attempt failed, or died part-way).
    redelivered: std::collections::HashSet<String>,
}

impl Batch {
    /// Reads every message of `event`; those that are not accepted envelopes fail at once.
    pub fn read(event: &SqsEvent, stage: &str, accepted: &[EventType]) -> Self {
        let mut batch = Self::default();
        for message in &event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let receive_count = message.attributes.get("ApproximateReceiveCount").and_then(|n| n.parse::<u32>().ok());
            if receive_count.is_none_or(|count| count > 1) {
                batch.redelivered.insert(id.clone());
            }
            match envelope_of(message, stage, accepted) {
                Ok(envelope) => batch.envelopes.push((id, envelope)),
                Err(error) => {
                    tracing::warn!(message_id = %id, stage, %error, "message refused");
                    batch.failed.push(id);
                }
            }
        }
        batch
    }

    /// Whether SQS delivered the message `id` before (or does not say: then it may have).
    pub fn redelivered(&self, id: &str) -> bool {
        self.redelivered.contains(id)
    }

    /// Marks the message `id` failed (it returns to the queue).
    pub fn fail(&mut self, id: String) {
        self.failed.push(id);
    }

    /// The ids of the messages that failed so far.
    pub fn failed(&self) -> &[String] {
        &self.failed
    }

    /// The answer to SQS: the failed messages, each as a batch item failure.
    pub fn response(self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for id in self.failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
        response
    }
}

/// Consumes a batch: each accepted envelope, in turn, goes through `process`; a message that is not accepted or
/// whose processing fails is reported on its own.
pub async fn consume<E, F, Fut>(
    event: &SqsEvent,
    stage: &str,
    accepted: &[EventType],
    mut process: F,
) -> SqsBatchResponse
where
    E: Display,
    F: FnMut(EventEnvelope) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let mut batch = Batch::read(event, stage, accepted);
    for (id, envelope) in std::mem::take(&mut batch.envelopes) {
        let (tenant, order_id, event_id) =
            (envelope.tenant.clone(), envelope.order_id.clone(), envelope.event_id.clone());
        if let Err(error) = process(envelope).await {
            not_processed(&id, stage, &tenant, &order_id, &event_id, &error);
            batch.fail(id);
        }
    }
    batch.response()
}

/// Logs a message whose processing failed (one function for every stage's instantiation of [`consume`]).
#[inline(never)]
fn not_processed(
    id: &str,
    stage: &str,
    tenant: &orders_domain::ids::TenantId,
    order_id: &orders_domain::ids::OrderId,
    event_id: &str,
    error: &dyn Display,
) {
    tracing::warn!(message_id = %id, stage, %tenant, %order_id, %event_id, %error, "message not processed");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, body: Option<&str>) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some(id.to_owned());
        message.body = body.map(str::to_owned);
        message
    }

    fn envelope_json(event_type: EventType) -> String {
        let envelope = EventEnvelope::new(
            event_type,
            orders_domain::ids::TenantId::parse("t-1").expect("tenant"),
            orders_domain::ids::OrderId::parse("ord_01".to_owned()).expect("order id"),
            "A-1".into(),
            time::OffsetDateTime::UNIX_EPOCH,
        );
        serde_json::to_string(&envelope).expect("json")
    }

    #[test]
    fn a_message_counts_as_redelivered_unless_sqs_says_it_is_the_first_receive() {
        let mut event = SqsEvent::default();
        let body = envelope_json(EventType::OrderReceived);
        let mut first = message("first", Some(&body));
        first.attributes.insert("ApproximateReceiveCount".into(), "1".into());
        let mut second = message("second", Some(&body));
        second.attributes.insert("ApproximateReceiveCount".into(), "2".into());
        let unsaid = message("unsaid", Some(&body));
        event.records = vec![first, second, unsaid];
        let batch = Batch::read(&event, "confirmation", &[EventType::OrderReceived]);
        assert!(!batch.redelivered("first"));
        assert!(batch.redelivered("second"));
        assert!(batch.redelivered("unsaid"), "without a count it may have been");
    }

    #[tokio::test]
    async fn reports_only_the_messages_that_failed() {
        let mut event = SqsEvent::default();
        event.records = vec![
            message("ok", Some(&envelope_json(EventType::OrderDespatched))),
            message("wrong-type", Some(&envelope_json(EventType::OrderReceived))),
            message("no-body", None),
            message("fails", Some(&envelope_json(EventType::OrderDespatched))),
        ];
        let mut calls = 0;
        let response = consume(&event, "shipment", &[EventType::OrderDespatched], |_envelope| {
            calls += 1;
            let fail = calls == 2;
            async move {
                if fail {
                    Err("store failed")
                } else {
                    Ok(())
                }
            }
        })
        .await;
        let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["wrong-type", "no-body", "fails"]);
        assert_eq!(calls, 2);
    }
}
