//! Seller notes and buyer messages on orders: `N#{at}#{n}` and `BM#{at}#{n}` items in the order's partition,
//! each written with a history entry; what a buyer adds counts against their limits for the order (`BQ#{customer}`).

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem, Update};

use orders_domain::ids::{CustomerId, OrderId, TenantId};
use orders_domain::order::{HistoryEntry, Order, SellerNote};
use orders_domain::portal::{BuyerContribution, BuyerMessage};

use super::{
    corrupt, dynamo_error, from_item, history_item, key, put_if_absent, put_plain, s, sortable_timestamp, to_item,
    Store, StoreError,
};
use crate::keys;

/// Sort key prefix of notes.
pub(crate) const NOTE_PREFIX: &str = "N#";
/// Sort key prefix of buyers' messages.
pub(crate) const MESSAGE_PREFIX: &str = "BM#";
/// Sort key prefix of a buyer's count of messages and requests on the order.
const QUOTA_PREFIX: &str = "BQ#";

/// What adding something to an order counts, in the same transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counting<'a> {
    /// A buyer's contribution against their limit for the order (one quota item `BQ#{customer}` per buyer and
    /// order).
    Buyer(&'a CustomerId, BuyerContribution),
    /// A seller's note, on the order's seller-notes marker.
    SellerNote,
}

/// What became of something a buyer or the seller added to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addition {
    /// It is stored, with its history entry.
    Added,
    /// The tenant has no such order.
    OrderGone,
    /// The buyer reached their limit for the order.
    LimitReached,
}

/// A new item of `order`'s partition: `value` under `{prefix}{at}#{unique}`, as `entity`.
fn dated_item(
    order: &Order,
    prefix: &str,
    at: time::OffsetDateTime,
    entity: &str,
    value: &impl serde::Serialize,
) -> Result<super::Item, StoreError> {
    let mut item = to_item(entity, value)?;
    let suffix = &orders_domain::ids::new_event_id()[4..];
    item.extend(key(keys::order_pk(&order.tenant, &order.id), format!("{prefix}{}#{suffix}", sortable_timestamp(at))));
    item.insert("entity".into(), s(entity));
    Ok(item)
}

impl Store {
    /// Adds a note (and its history entry) to an existing order; `false` if the tenant has no such order.
    /// The order's seller-notes marker ([`keys::NOTES_SK`]) counts it, so that a stage that planned from the order
    /// an event carried, without reading its notes, finds its write refused and reads them (see
    /// [`super::ResponseWrite::no_seller_notes`]).
    pub async fn add_note(&self, order: &Order, note: &SellerNote, history: &HistoryEntry) -> Result<bool, StoreError> {
        let item = dated_item(order, NOTE_PREFIX, note.at, "note", note)?;
        let added = self.add_to_order_counted(order, item, history, 1, "add a note", Counting::SellerNote).await?;
        Ok(added == Addition::Added)
    }

    /// Writes `item` (new, in the order's partition) and its history entry (sequence `seq`) if the order exists,
    /// counting what a buyer adds against their limit for the order (one quota item `BQ#{customer}` per buyer and
    /// order, in the same transaction) and a seller's note on the order item (`seller_notes`).
    pub(crate) async fn add_to_order_counted(
        &self,
        order: &Order,
        item: super::Item,
        history: &HistoryEntry,
        seq: u32,
        action: &str,
        counting: Counting<'_>,
    ) -> Result<Addition, StoreError> {
        let (quota, seller_note) = match counting {
            Counting::Buyer(customer, contribution) => (Some((customer, contribution)), false),
            Counting::SellerNote => (None, true),
        };
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(&order.tenant, &order.id), keys::ORDER_SK)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(|e| corrupt("order condition", e))?;
        let history = to_item("history entry", &history_item(order, history, seq))?;
        let mut transaction = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(check).build());
        if seller_note {
            let marker = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::order_pk(&order.tenant, &order.id), keys::NOTES_SK)))
                .update_expression("SET entity = :entity ADD #count :one")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":entity", s("seller_notes"))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .build()
                .map_err(|e| corrupt("seller notes marker", e))?;
            transaction = transaction.transact_items(TransactWriteItem::builder().update(marker).build());
        }
        if let Some((customer, contribution)) = quota {
            let field = match contribution {
                BuyerContribution::Message => "messages",
                BuyerContribution::Request => "requests",
            };
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::order_pk(&order.tenant, &order.id), format!("{QUOTA_PREFIX}{customer}"))))
                .update_expression("SET entity = :entity ADD #count :one")
                .condition_expression("attribute_not_exists(#count) OR #count < :limit")
                .expression_attribute_names("#count", field)
                .expression_attribute_values(":entity", s("buyer_quota"))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":limit", AttributeValue::N(contribution.limit().to_string()))
                .build()
                .map_err(|e| corrupt("buyer quota update", e))?;
            transaction = transaction.transact_items(TransactWriteItem::builder().update(update).build());
        }
        let result = transaction
            .transact_items(put_if_absent(&self.table, item)?)
            .transact_items(put_plain(&self.table, history)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Addition::Added),
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    let failed = |i: usize| {
                        cancelled.cancellation_reasons().get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed")
                    };
                    if failed(0) {
                        Ok(Addition::OrderGone)
                    } else if quota.is_some() && failed(1) {
                        Ok(Addition::LimitReached)
                    } else {
                        Err(dynamo_error(format!("{action} to {}", order.id), error))
                    }
                }
                _ => Err(dynamo_error(format!("{action} to {}", order.id), error)),
            },
        }
    }

    /// Adds a buyer's message (and its history entry) to an existing order, within the buyer's limit.
    pub async fn add_buyer_message(
        &self,
        order: &Order,
        message: &BuyerMessage,
        history: &HistoryEntry,
    ) -> Result<Addition, StoreError> {
        let item = dated_item(order, MESSAGE_PREFIX, message.at, "buyer_message", message)?;
        let counting = Counting::Buyer(&message.customer_id, BuyerContribution::Message);
        self.add_to_order_counted(order, item, history, 1, "add a buyer message", counting).await
    }

    /// An order's seller notes, oldest first (never a buyer's words: see [`split_notes`]).
    pub async fn order_notes(&self, tenant: &TenantId, order_id: &OrderId) -> Result<Vec<SellerNote>, StoreError> {
        let items = self
            .partition(keys::order_pk(tenant, order_id), Some(NOTE_PREFIX), &format!("read notes of {order_id}"))
            .await?;
        let notes = items.into_iter().map(|item| from_item("note", item)).collect::<Result<Vec<SellerNote>, _>>()?;
        Ok(split_notes(notes).0)
    }
}

/// The seller's notes and the buyers' messages among `notes`: before buyer messages had items of their own, the
/// portal stored them as notes by `buyer:{customer}`.
pub(crate) fn split_notes(notes: Vec<SellerNote>) -> (Vec<SellerNote>, Vec<BuyerMessage>) {
    let mut seller = Vec::new();
    let mut buyers = Vec::new();
    for note in notes {
        match note.author.strip_prefix("buyer:").and_then(|c| CustomerId::parse(c).ok()) {
            Some(customer_id) => buyers.push(BuyerMessage { at: note.at, customer_id, text: note.text }),
            None => seller.push(note),
        }
    }
    (seller, buyers)
}
