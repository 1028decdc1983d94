//! The schedules of standing orders (docs/domain.md "Order types"): one item per standing order in its tenant's
//! `T#{tenant}#STANDING` partition, written in the order's own transaction, holding the number of the next
//! occurrence to place and its date. The daily job reads the partition, places what is due and moves `next` on
//! with a condition on the number it read (two runs never both advance it), or deletes the item when the schedule
//! has ended or the standing order was cancelled.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use time::Date;

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::Order;

use super::{corrupt, dynamo_error, get_n, get_s, key, put_plain, s, Item, Store, StoreError};

fn standing_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#STANDING")
}

fn standing_sk(order: &OrderId) -> String {
    format!("O#{order}")
}

fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A standing order's place in its schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingEntry {
    /// The standing order.
    pub order_id: OrderId,
    /// The number of the next occurrence to place (1, 2, …).
    pub next: u32,
    /// Its date (`YYYY-MM-DD`).
    pub next_date: String,
}

/// The schedule item of a new standing order (`None` for any other order or one whose schedule has no
/// occurrence), for the order's transaction.
pub(crate) fn standing_item(table: &str, order: &Order) -> Result<Option<TransactWriteItem>, StoreError> {
    let Some(schedule) = order.schedule else { return Ok(None) };
    let Some(first) =
        schedule.occurrence(orders_domain::standing::base_date(order.requested_delivery_date, order.received_at), 1)
    else {
        return Ok(None);
    };
    let mut item = key(standing_pk(&order.tenant), standing_sk(&order.id));
    item.insert("entity".into(), s("standing_schedule"));
    item.insert("order_id".into(), s(order.id.as_str()));
    item.insert("next".into(), AttributeValue::N("1".into()));
    item.insert("next_date".into(), s(iso(first)));
    put_plain(table, item).map(Some)
}

/// A conditional write's answer: done (`true`), its condition failed (`false`), or the table's error.
fn conditional<T, E, R>(
    result: Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>,
    action: String,
) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(dynamo_error(action, e)),
    }
}

impl Store {
    /// Every standing order of `tenant` with occurrences still to place.
    pub async fn standing_entries(&self, tenant: &TenantId) -> Result<Vec<StandingEntry>, StoreError> {
        let items = self.partition(standing_pk(tenant), None, "read standing orders").await?;
        items
            .iter()
            .map(|item: &Item| {
                let order_id = get_s(item, "order_id")
                    .and_then(|id| OrderId::parse_public(id).ok())
                    .ok_or_else(|| corrupt("standing schedule", "no order_id"))?;
                let next = get_n(item, "next")
                    .and_then(|n| u32::try_from(n.trunc().mantissa()).ok())
                    .ok_or_else(|| corrupt("standing schedule", "no next"))?;
                let next_date = get_s(item, "next_date").unwrap_or_default().to_owned();
                Ok(StandingEntry { order_id, next, next_date })
            })
            .collect()
    }

    /// Moves `entry` on to occurrence `next` on `date`, or ends it (`None`: deletes the item). `false` when another
    /// run moved it first (the entry's `next` is no longer what was read).
    pub async fn advance_standing(
        &self,
        tenant: &TenantId,
        entry: &StandingEntry,
        next: Option<(u32, Date)>,
    ) -> Result<bool, StoreError> {
        let key = key(standing_pk(tenant), standing_sk(&entry.order_id));
        let read = AttributeValue::N(entry.next.to_string());
        let action = format!("advance standing order {}", entry.order_id);
        match next {
            Some((n, date)) => {
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .update_expression("SET #next = :n, next_date = :d")
                    .condition_expression("#next = :read")
                    .expression_attribute_names("#next", "next")
                    .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
                    .expression_attribute_values(":d", s(iso(date)))
                    .expression_attribute_values(":read", read)
                    .send()
                    .await;
                conditional(result, action)
            }
            None => {
                let result = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .condition_expression("#next = :read")
                    .expression_attribute_names("#next", "next")
                    .expression_attribute_values(":read", read)
                    .send()
                    .await;
                conditional(result, action)
            }
        }
    }
}
