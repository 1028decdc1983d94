//! The sparse GSI3 index of things left to do: events whose consumer has not yet cleared them (`PUB#{shard}`) and
//! email records not yet sent (`MAIL#{shard}`), each sorted by when it was marked.

use time::OffsetDateTime;

use orders_domain::events::EventEnvelope;

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

    /// Events marked pending before `cutoff`, oldest first per shard, at most `limit` in all.
    pub async fn pending_events(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<EventEnvelope>, StoreError> {
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
            if let Some(value) = item.as_ref().and_then(|item| item.get("pending_event")) {
                let event: EventEnvelope =
                    serde_dynamo::from_attribute_value(value.clone()).map_err(|e| super::corrupt(pk, e))?;
                events.push(event);
            }
        }
        Ok(events)
    }
}
