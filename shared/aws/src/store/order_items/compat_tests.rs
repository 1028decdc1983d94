//! The stored forms write the bytes the old items did and read them back: a copy of the item structs as they were
//! when they flattened the domain's `Order` and `HistoryEntry` is the reference.

use serde::{Deserialize, Serialize};

use orders_domain::events::EventEnvelope;
use orders_domain::order::{HistoryEntry, Order};

use super::samples::{every_order_type, history_entries, pending, samples};
use super::stored::{StoredHistoryEntry, StoredOrder};
use super::{history_item, HistoryItem, OrderItem};
use crate::keys;
use crate::store::{from_item, sortable_timestamp, to_item, Item};

/// The order item as it was before the stored forms: the domain's `Order` flattened into it.
#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct LegacyOrderItem {
    PK: String,
    SK: String,
    entity: String,
    version: u64,
    GSI1PK: String,
    GSI1SK: String,
    GSI2PK: String,
    GSI2SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    GSI3PK: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    GSI3SK: Option<String>,
    GSI4PK: String,
    GSI4SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_event: Option<EventEnvelope>,
    #[serde(default)]
    buyer_search: String,
    #[serde(default)]
    skus: Vec<String>,
    #[serde(flatten)]
    order: Order,
}

impl LegacyOrderItem {
    /// The old `OrderItem::new`, verbatim.
    fn new(order: &Order, version: u64, pending: Option<&EventEnvelope>) -> Self {
        let tenant = &order.tenant;
        let received = sortable_timestamp(order.received_at);
        Self {
            PK: keys::order_pk(tenant, &order.id),
            SK: keys::ORDER_SK.into(),
            entity: "order".into(),
            version,
            GSI1PK: keys::status_gsi_pk(tenant, order.status.as_str()),
            GSI1SK: format!("{received}#{}", order.id),
            GSI2PK: keys::customer_gsi_pk(tenant, &order.buyer.customer_id),
            GSI2SK: format!("{received}#{}", order.id),
            GSI3PK: pending.map(|_| keys::publish_gsi_pk(&order.id)),
            GSI3SK: pending.map(|event| format!("{}#{}#{}", sortable_timestamp(event.at), tenant, order.id)),
            GSI4PK: keys::day_gsi_pk(tenant, &received[..10]),
            GSI4SK: order.id.to_string(),
            pending_event: pending.cloned(),
            buyer_search: orders_domain::listing::name_search_key(&order.buyer.name),
            skus: order.lines.iter().filter_map(|l| l.sku.as_ref().map(ToString::to_string)).collect(),
            order: order.clone(),
        }
    }
}

/// The history item as it was before the stored forms.
#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct LegacyHistoryItem {
    PK: String,
    SK: String,
    entity: String,
    #[serde(flatten)]
    entry: HistoryEntry,
}

/// The old `history_item`, verbatim.
fn legacy_history_item(order: &Order, entry: &HistoryEntry, seq: u32) -> LegacyHistoryItem {
    LegacyHistoryItem {
        PK: keys::order_pk(&order.tenant, &order.id),
        SK: keys::history_sk(&sortable_timestamp(entry.at), seq),
        entity: "history".into(),
        entry: entry.clone(),
    }
}

/// Every sample of every order type, with and without a pending event: (label, order, pending event).
fn every_sample() -> Vec<(String, Order, Option<EventEnvelope>)> {
    let mut all = Vec::new();
    for order_type in every_order_type() {
        for (name, order) in samples(order_type) {
            let event = pending(&order);
            all.push((format!("{order_type:?}, {name}"), order.clone(), None));
            all.push((format!("{order_type:?}, {name}, pending"), order, Some(event)));
        }
    }
    all
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serialises to JSON")
}

fn dynamo<T: Serialize>(value: &T) -> Item {
    to_item("item", value).expect("serialises to an item")
}

#[test]
fn old_and_new_order_items_are_the_same_bytes() {
    let all = every_sample();
    assert!(all.len() > 7 * 20, "{} samples", all.len());
    for (label, order, event) in &all {
        let old = LegacyOrderItem::new(order, 7, event.as_ref());
        let new = OrderItem::new(order, 7, event.as_ref());
        assert_eq!(json(&new), json(&old), "{label}: JSON");
        assert_eq!(dynamo(&new), dynamo(&old), "{label}: DynamoDB item");
    }
}

#[test]
fn items_written_by_either_code_read_with_the_other() {
    for (label, order, event) in every_sample() {
        let old_item = dynamo(&LegacyOrderItem::new(&order, 7, event.as_ref()));
        let read: OrderItem = from_item("order", old_item).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!((read.version, read.pending_event.as_ref()), (7, event.as_ref()), "{label}");
        assert_eq!(Order::from(read.order), order, "{label}: the new code reads an old item");

        let new_item = dynamo(&OrderItem::new(&order, 7, event.as_ref()));
        let read: LegacyOrderItem = from_item("order", new_item).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(read.order, order, "{label}: the old code reads a new item");
    }
}

#[test]
fn the_stored_order_round_trips_through_the_domain() {
    for (label, order, event) in every_sample() {
        let stored = StoredOrder::from(&order);
        let domain = Order::from(stored.clone());
        assert_eq!(domain, order, "{label}: stored → domain");
        assert_eq!(StoredOrder::from(&domain), stored, "{label}: stored → domain → stored");

        let item = OrderItem::new(&order, 1, event.as_ref());
        let read: OrderItem = from_item("order", dynamo(&item)).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(read.order, item.order, "{label}: through a DynamoDB item");
        assert_eq!(json(&read), json(&item), "{label}: the whole item through a DynamoDB item");
    }
}

#[test]
fn old_and_new_history_items_are_the_same_bytes_and_read_with_either_code() {
    let order = super::samples::bare_order(orders_domain::order::OrderType::Purchase);
    for (seq, entry) in history_entries().iter().enumerate() {
        let seq = u32::try_from(seq).expect("few entries");
        let old = legacy_history_item(&order, entry, seq);
        let new = history_item(&order, entry, seq);
        assert_eq!(json(&new), json(&old), "{entry:?}");
        assert_eq!(dynamo(&new), dynamo(&old), "{entry:?}");

        let read: HistoryItem = from_item("history", dynamo(&old)).expect("new reads old");
        assert_eq!(HistoryEntry::from(read.entry), *entry);
        let read: LegacyHistoryItem = from_item("history", dynamo(&new)).expect("old reads new");
        assert_eq!(read.entry, *entry);

        let stored = StoredHistoryEntry::from(entry);
        assert_eq!(StoredHistoryEntry::from(&HistoryEntry::from(stored.clone())), stored);
    }
}

/// A stored order with every optional part, as the code before the stored forms wrote it (`golden_order.json`, the
/// old item's order attributes for `full_order(CrossDocking)`): it reads and writes back to the same attributes.
#[test]
fn a_stored_order_of_before_reads_and_writes_back_the_same() {
    let golden: serde_json::Value = serde_json::from_str(include_str!("golden_order.json")).expect("golden JSON");
    let stored: StoredOrder = serde_json::from_value(golden.clone()).expect("reads");
    assert_eq!(json(&stored), golden);
    let order = super::samples::full_order(orders_domain::order::OrderType::CrossDocking);
    assert_eq!(Order::from(stored), order);
    assert_eq!(json(&StoredOrder::from(&order)), golden);
}

#[test]
fn an_order_reads_back_from_a_stream_image_and_other_items_are_passed_over() {
    for (label, order, event) in every_sample() {
        let image = serde_dynamo::Item::from(dynamo(&OrderItem::new(&order, 3, event.as_ref())));
        let read = super::order_of_stream_image(image).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(read.as_ref(), Some(&order), "{label}");
    }
    let (_, order, _) = every_sample().remove(0);
    let history = history_entries().remove(0);
    let image = serde_dynamo::Item::from(dynamo(&history_item(&order, &history, 1)));
    assert_eq!(super::order_of_stream_image(image).expect("not an order"), None);
    let mut broken = dynamo(&OrderItem::new(&order, 3, None));
    broken.remove("lines");
    assert!(
        super::order_of_stream_image(serde_dynamo::Item::from(broken)).is_err(),
        "an order item that does not read"
    );
}
