//! The sparse GSI3 index of things left to do: events whose consumer has not yet cleared them (`PUB#{shard}`) and
//! email records not yet sent (`MAIL#{shard}`), each sorted by when it was marked.

use time::OffsetDateTime;

use orders_domain::events::EventEnvelope;

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::prelude::ToPrimitive;

use super::{dynamo_error, get_s, s, sortable_timestamp, Item, Store, StoreError};
use crate::keys;

impl Store {
    /// Keys of the marks in the partitions `{prefix}{shard}` set before `cutoff`, oldest first per shard, at most
    /// `limit` in all.
    pub(crate) async fn due_marks(
        &self,
        prefix: &str,
        cutoff: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let cutoff = sortable_timestamp(cutoff);
        let mut marks = Vec::new();
        for shard in 0..keys::PUBLISH_SHARDS {
            let mut start = None;
            loop {
                let output = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name("GSI3")
                    .key_condition_expression("GSI3PK = :pk AND GSI3SK < :cutoff")
                    .expression_attribute_values(":pk", s(format!("{prefix}{shard}")))
                    .expression_attribute_values(":cutoff", s(cutoff.clone()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| dynamo_error(format!("query {prefix} marks"), e))?;
                for key in output.items.unwrap_or_default() {
                    marks.push(key);
                    if marks.len() >= limit {
                        return Ok(marks);
                    }
                }
                start = output.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        Ok(marks)
    }

    /// Events marked pending before `cutoff`, oldest first per shard, at most `limit` in all, with how often the
    /// relay sent each already.
    pub async fn pending_events(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        let mut events = Vec::new();
        for key in self.due_marks("PUB#", cutoff, limit).await? {
            let (Some(pk), Some(sk)) = (get_s(&key, "PK"), get_s(&key, "SK")) else { continue };
            let item = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| dynamo_error(format!("read {pk}"), e))?
                .item;
            // An order's own pending event, or a stage request's.
            let Some(item) = item else { continue };
            if let Some(value) = item.get("pending_event") {
                let event: EventEnvelope =
                    serde_dynamo::from_attribute_value(value.clone()).map_err(|e| super::corrupt(pk, e))?;
                let relayed = super::get_n(&item, "relay_attempts").and_then(|n| n.to_u32()).unwrap_or(0);
                events.push(PendingEvent { event, pk: pk.to_owned(), sk: sk.to_owned(), relayed });
            }
        }
        Ok(events)
    }

    /// Moves `pending`'s mark so that it is due again at `due` (as the relay reads marks older than `grace`), and
    /// counts one more relay attempt; `false` when the event is no longer pending (its consumer cleared it, or a
    /// newer event replaced it).
    pub async fn postpone_event(
        &self,
        pending: &PendingEvent,
        due: OffsetDateTime,
        grace: std::time::Duration,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let since = sortable_timestamp(due - grace);
        let sort_key = format!("{since}#{}#{}", pending.event.tenant, pending.event.order_id);
        self.update_pending(
            pending,
            "SET GSI3SK = :sk, relay_attempts = :n, relayed_at = :now",
            &[
                (":sk", s(sort_key)),
                (":n", super::n((pending.relayed + 1).into())),
                (":now", s(sortable_timestamp(now))),
            ],
        )
        .await
    }

    /// Takes `pending`'s mark out of the relay's index (the event stays on its item, with `relay_gave_up_at`), so
    /// the relay stops sending it; `false` when it is no longer pending.
    pub async fn give_up_event(&self, pending: &PendingEvent, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.update_pending(
            pending,
            "REMOVE GSI3PK, GSI3SK SET relay_gave_up_at = :now",
            &[(":now", s(sortable_timestamp(now)))],
        )
        .await
    }

    async fn update_pending(
        &self,
        pending: &PendingEvent,
        update: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<bool, StoreError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(pending.pk.as_str()))
            .key("SK", s(pending.sk.as_str()))
            .condition_expression("pending_event.event_id = :e")
            .update_expression(update)
            .expression_attribute_values(":e", s(pending.event.event_id.as_str()));
        for (name, value) in values {
            request = request.expression_attribute_values(*name, value.clone());
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(error) => Err(dynamo_error(format!("update the relay mark of {}", pending.pk), error)),
        }
    }
}

/// An event left pending, where it is kept, and how often the relay sent it already.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    /// The event.
    pub event: EventEnvelope,
    /// The partition key of the item that keeps it.
    pub pk: String,
    /// Its sort key.
    pub sk: String,
    /// How often the relay sent it (`relay_attempts`).
    pub relayed: u32,
}
