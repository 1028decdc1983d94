//! The stored forms of an order and of its history entries, with the index keys that an order's state calls for.
//! The attributes of the order and of an entry are the store's own types ([`stored`]), not the domain's, so the
//! table's data changes only by decision (docs/decisions/0001-single-table.md).

use serde::{Deserialize, Serialize};

use orders_domain::events::EventEnvelope;
use orders_domain::order::{HistoryEntry, Order};

use super::sortable_timestamp;
use crate::keys;

mod stored;
mod stored_line;

#[cfg(test)]
mod compat_tests;
#[cfg(test)]
mod samples;

use stored::{StoredHistoryEntry, StoredOrder};

/// An order item (`T#{t}#O#{order}` / `ORDER`, docs/architecture.md "Data"): the keys of the table and its indexes,
/// the optimistic-locking `version`, the outbox mark, the list's search helpers and, flattened beside them, the
/// order's own attributes.
#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct OrderItem {
    pub(crate) PK: String,
    pub(crate) SK: String,
    pub(crate) entity: String,
    pub(crate) version: u64,
    pub(crate) GSI1PK: String,
    pub(crate) GSI1SK: String,
    pub(crate) GSI2PK: String,
    pub(crate) GSI2SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) GSI3PK: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) GSI3SK: Option<String>,
    pub(crate) GSI4PK: String,
    pub(crate) GSI4SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending_event: Option<EventEnvelope>,
    /// The buyer's name as the list searches it ([`orders_domain::listing::name_search_key`]).
    #[serde(default)]
    pub(crate) buyer_search: String,
    /// The SKUs of the lines, for the list's SKU search.
    #[serde(default)]
    pub(crate) skus: Vec<String>,
    /// The order's attributes; [`Order::from`] reads the order out of them.
    #[serde(flatten)]
    pub(crate) order: StoredOrder,
}

impl OrderItem {
    /// The stored form of `order` at `version`, with the index keys its state calls for and, while `pending`
    /// is set, the "publish pending" mark (GSI3).
    pub(crate) fn new(order: &Order, version: u64, pending: Option<&EventEnvelope>) -> Self {
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
            order: StoredOrder::from(order),
        }
    }
}

/// The stored form of a history entry; `seq` orders entries written at the same instant.
pub(crate) fn history_item(order: &Order, entry: &HistoryEntry, seq: u32) -> HistoryItem {
    HistoryItem {
        PK: keys::order_pk(&order.tenant, &order.id),
        SK: keys::history_sk(&sortable_timestamp(entry.at), seq),
        entity: "history".into(),
        entry: StoredHistoryEntry::from(entry),
    }
}

/// A history item (`T#{t}#O#{order}` / `H#{at}#{seq:04}`, docs/architecture.md "Data"): its keys, `entity` and,
/// flattened beside them, the entry's own attributes.
#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct HistoryItem {
    pub(crate) PK: String,
    pub(crate) SK: String,
    pub(crate) entity: String,
    /// The entry's attributes; [`HistoryEntry::from`] reads the entry out of them.
    #[serde(flatten)]
    pub(crate) entry: StoredHistoryEntry,
}

/// The order in an image of the table's stream (a Lambda event's `NewImage`/`OldImage`): `None` when the item is
/// not an order item, an error when it is one that cannot be read.
pub fn order_of_stream_image(image: serde_dynamo::Item) -> Result<Option<Order>, super::StoreError> {
    let is_order = |name: &str, want: &str| matches!(image.get(name), Some(serde_dynamo::AttributeValue::S(value)) if value == want);
    if !is_order(keys::SK, keys::ORDER_SK) || !is_order("entity", "order") {
        return Ok(None);
    }
    let item: OrderItem = serde_dynamo::from_item(image).map_err(|e| super::corrupt("order stream image", e))?;
    Ok(Some(Order::from(item.order)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use orders_domain::order::OrderType;

    /// The attribute names of the map at `path` in `item` (a name steps into a map, a number into a list), sorted.
    fn names_at(item: &crate::store::Item, path: &[&str]) -> Vec<String> {
        let mut map = Some(item);
        let mut value: Option<&AttributeValue> = None;
        for step in path {
            value = match (map, value, step.parse::<usize>()) {
                (Some(map), _, Err(_)) => map.get(*step),
                (_, Some(AttributeValue::L(list)), Ok(index)) => list.get(index),
                _ => None,
            };
            map = value.and_then(|v| v.as_m().ok());
        }
        let mut names: Vec<String> = map.map(|map| map.keys().cloned().collect()).unwrap_or_default();
        names.sort();
        names
    }

    /// The stored order's attribute names are pinned here, down to its nested parts: renaming a field of a stored
    /// type changes the data in the table (old items would no longer read), so it must fail this test and be decided
    /// as a migration, never happen silently.
    #[test]
    fn the_stored_order_keeps_its_attribute_names() {
        let mut order = samples::full_order(OrderType::CrossDocking);
        // Kept since the order-line facts carry cost; orders stored before have no such attribute and read as
        // unknown (`a_line_cost_is_a_decimal_string_and_absent_when_unknown`).
        order.lines[0].unit_cost = Some(rust_decimal::Decimal::new(12_345, 4));
        let event = samples::pending(&order);
        let item = crate::store::to_item("order", &OrderItem::new(&order, 3, Some(&event))).expect("item");
        for (path, pinned) in PINNED {
            let names = names_at(&item, path);
            assert_eq!(names, *pinned, "the stored order's attributes at {path:?} changed: {names:#?}");
        }
    }

    /// A line's cost price is stored as a decimal string; a line without one (a free-text line, a product with no
    /// cost price, every line stored before it was kept) has no attribute and reads back as unknown.
    #[test]
    fn a_line_cost_is_a_decimal_string_and_absent_when_unknown() {
        let mut order = samples::full_order(OrderType::Purchase);
        order.lines[0].unit_cost = Some(rust_decimal::Decimal::new(20_940, 2));
        let item = crate::store::to_item("order", &OrderItem::new(&order, 1, None)).expect("item");
        let lines = item.get("lines").and_then(|l| l.as_l().ok()).expect("lines");
        let cost = |i: usize| lines[i].as_m().ok().and_then(|m| m.get("unit_cost")).cloned();
        assert_eq!(cost(0), Some(AttributeValue::S("209.40".into())));
        assert_eq!(cost(1), None);
        let back = Order::from(crate::store::from_item::<OrderItem>("order", item).expect("reads").order);
        assert_eq!(back.lines[0].unit_cost, Some(rust_decimal::Decimal::new(20_940, 2)));
        assert_eq!(back.lines[1].unit_cost, None);
    }

    /// The history item's attribute names, pinned likewise.
    #[test]
    fn the_stored_history_entry_keeps_its_attribute_names() {
        let order = samples::bare_order(OrderType::Purchase);
        let entry = &samples::history_entries()[1];
        let item = crate::store::to_item("history entry", &history_item(&order, entry, 2)).expect("item");
        assert_eq!(names_at(&item, &[]), ["PK", "SK", "action", "actor", "at", "detail", "entity"]);
    }

    const PINNED: &[(&[&str], &[&str])] = &[
        (&[], PINNED_ORDER),
        (&["lines", "0"], PINNED_LINE),
        (&["lines", "0", "discount"], &["percent"]),
        (&["lines", "1", "discount"], &["amount"]),
        (&["lines", "0", "stock_warning"], &["available_quantity", "detail"]),
        (&["buyer"], &["address", "customer_id", "email", "language", "name", "peppol_id", "vat_id"]),
        (&["buyer", "address"], PINNED_ADDRESS),
        (&["buyer", "peppol_id"], &["id", "scheme"]),
        (&["delivery_address"], PINNED_ADDRESS),
        (&["final_consignee"], &["address"]),
        (&["final_consignee", "address"], PINNED_ADDRESS),
        (&["totals"], &["allowances", "charges", "gross", "net", "vat"]),
        (&["vat_breakdown", "0"], &["category", "rate", "taxable", "vat"]),
        (&["adjustments", "0"], &["amount", "kind", "reason", "vat_category", "vat_rate"]),
        (&["reservations", "0"], &["lot", "quantity", "sku", "warehouse"]),
        (&["references"], &["merged_from", "merged_into", "quote", "split_from", "split_into"]),
        (&["references", "quote"], &["quote_id", "version"]),
        (&["schedule"], &["every", "until"]),
    ];
    const PINNED_ORDER: &[&str] = &[
        "GSI1PK",
        "GSI1SK",
        "GSI2PK",
        "GSI2SK",
        "GSI3PK",
        "GSI3SK",
        "GSI4PK",
        "GSI4SK",
        "PK",
        "SK",
        "adjustments",
        "blanket_order_id",
        "buyer",
        "buyer_search",
        "channel",
        "currency",
        "delivery_address",
        "entity",
        "final_consignee",
        "id",
        "lines",
        "notes",
        "order_number",
        "pending_event",
        "received_at",
        "references",
        "requested_delivery_date",
        "reservations",
        "responded_at",
        "response_reason",
        "schedule",
        "skus",
        "status",
        "tenant",
        "totals",
        "type",
        "vat_breakdown",
        "version",
    ];
    const PINNED_LINE: &[&str] = &[
        "allowance",
        "called_off_quantity",
        "confirmed_quantity",
        "description",
        "discount",
        "invoiced_quantity",
        "line_net",
        "line_no",
        "line_status",
        "note",
        "price_source",
        "quantity",
        "requested_delivery_date",
        "shipped_quantity",
        "sku",
        "stock_warning",
        "unit",
        "unit_cost",
        "unit_price",
        "vat_category",
        "vat_rate",
    ];
    const PINNED_ADDRESS: &[&str] = &["additional_street", "city", "country", "name", "postal_code", "street"];
}
