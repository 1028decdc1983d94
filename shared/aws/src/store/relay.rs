//! The "publish pending" index (GSI3): events whose consumer has not yet cleared them.

use time::OffsetDateTime;

use orders_domain::events::EventEnvelope;

use super::{dynamo_error, from_item, get_s, s, sortable_timestamp, OrderItem, Store, StoreError};
use crate::keys;

impl Store {
    /// Events marked pending before `cutoff`, oldest first per shard, at most `limit` in all.
    pub async fn pending_events(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<EventEnvelope>, StoreError> {
        let mut events = Vec::new();
        let cutoff = sortable_timestamp(cutoff);
        for shard in 0..keys::PUBLISH_SHARDS {
            let mut start = None;
            loop {
                let output = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name("GSI3")
                    .key_condition_expression("GSI3PK = :pk AND GSI3SK < :cutoff")
                    .expression_attribute_values(":pk", s(format!("PUB#{shard}")))
                    .expression_attribute_values(":cutoff", s(cutoff.clone()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| dynamo_error("query pending events", e))?;
                for key in output.items.unwrap_or_default() {
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
                    if let Some(item) = item {
                        let stored: OrderItem = from_item(pk, item)?;
                        if let Some(event) = stored.pending_event {
                            events.push(event);
                        }
                    }
                    if events.len() >= limit {
                        return Ok(events);
                    }
                }
                start = output.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        Ok(events)
    }
}
