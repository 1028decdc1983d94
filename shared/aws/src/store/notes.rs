//! Seller notes on orders: `N#{at}#{n}` items in the order's partition, written with a history entry.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::{HistoryEntry, Order, SellerNote};

use super::{
    corrupt, dynamo_error, from_item, history_item, key, put_if_absent, put_plain, s, sortable_timestamp, to_item,
    Store, StoreError,
};
use crate::keys;

/// Sort key prefix of notes.
const NOTE_PREFIX: &str = "N#";

impl Store {
    /// Adds a note (and its history entry) to an existing order; `false` if the tenant has no such order.
    pub async fn add_note(&self, order: &Order, note: &SellerNote, history: &HistoryEntry) -> Result<bool, StoreError> {
        let mut item = to_item("note", note)?;
        let suffix = &orders_domain::ids::new_event_id()[4..];
        item.extend(key(
            keys::order_pk(&order.tenant, &order.id),
            format!("{NOTE_PREFIX}{}#{suffix}", sortable_timestamp(note.at)),
        ));
        item.insert("entity".into(), s("note"));
        self.add_to_order(order, item, history, 1, "add a note").await
    }

    /// Writes `item` (new, in the order's partition) and its history entry (sequence `seq`) if the order exists;
    /// `false` if the tenant has no such order.
    pub(crate) async fn add_to_order(
        &self,
        order: &Order,
        item: super::Item,
        history: &HistoryEntry,
        seq: u32,
        action: &str,
    ) -> Result<bool, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(&order.tenant, &order.id), keys::ORDER_SK)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(|e| corrupt("order condition", e))?;
        let history = to_item("history entry", &history_item(order, history, seq))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(check).build())
            .transact_items(put_if_absent(&self.table, item)?)
            .transact_items(put_plain(&self.table, history)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled))
                    if cancelled.cancellation_reasons().first().and_then(|r| r.code())
                        == Some("ConditionalCheckFailed") =>
                {
                    Ok(false)
                }
                _ => Err(dynamo_error(format!("{action} to {}", order.id), error)),
            },
        }
    }

    /// An order's seller notes, oldest first.
    pub async fn order_notes(&self, tenant: &TenantId, order_id: &OrderId) -> Result<Vec<SellerNote>, StoreError> {
        let items = self
            .partition(keys::order_pk(tenant, order_id), Some(NOTE_PREFIX), &format!("read notes of {order_id}"))
            .await?;
        items.into_iter().map(|item| from_item("note", item)).collect()
    }
}
