//! The stored forms of an order and of its history entries, with the index keys that an order's state calls for.

use serde::{Deserialize, Serialize};

use orders_domain::events::EventEnvelope;
use orders_domain::order::{HistoryEntry, Order};

use super::sortable_timestamp;
use crate::keys;

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
    #[serde(flatten)]
    pub(crate) order: Order,
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
            skus: order.lines.iter().map(|l| l.sku.to_string()).collect(),
            order: order.clone(),
        }
    }
}

/// The stored form of a history entry; `seq` orders entries written at the same instant.
pub(crate) fn history_item(order: &Order, entry: &HistoryEntry, seq: u32) -> HistoryItem {
    HistoryItem {
        PK: keys::order_pk(&order.tenant, &order.id),
        SK: keys::history_sk(&sortable_timestamp(entry.at), seq),
        entity: "history".into(),
        entry: entry.clone(),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct HistoryItem {
    pub(crate) PK: String,
    pub(crate) SK: String,
    pub(crate) entity: String,
    #[serde(flatten)]
    pub(crate) entry: HistoryEntry,
}

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::fixtures;
    use orders_domain::order::OrderType;
    use rust_decimal::Decimal;

    /// The top-level attributes of `item` and those of its first line, sorted.
    fn attribute_names(item: &crate::store::Item) -> (Vec<String>, Vec<String>) {
        let mut names: Vec<String> = item.keys().cloned().collect();
        names.sort();
        let mut line: Vec<String> = item
            .get("lines")
            .and_then(|lines| lines.as_l().ok())
            .and_then(|lines| lines.first())
            .and_then(|line| line.as_m().ok())
            .map(|line| line.keys().cloned().collect())
            .unwrap_or_default();
        line.sort();
        (names, line)
    }

    /// The stored order's attribute names are pinned here: renaming a field of the domain's `Order` changes the
    /// data in the table (old items would no longer read), so it must fail this test and be decided as a migration,
    /// never happen silently.
    #[test]
    fn the_stored_order_keeps_its_attribute_names() {
        let mut order = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(2, 0))]);
        order.requested_delivery_date = Some(time::macros::date!(2026 - 12 - 24));
        order.notes = Some("Ring twice".into());
        order.responded_at = Some(order.received_at);
        let event = EventEnvelope::new(
            orders_domain::events::EventType::OrderReceived,
            order.tenant.clone(),
            order.id.clone(),
            order.order_number.clone(),
            order.received_at,
        );
        let item = crate::store::to_item("order", &OrderItem::new(&order, 3, Some(&event))).expect("item");
        let (names, line) = attribute_names(&item);
        assert_eq!(names, PINNED_ORDER, "the stored order's attributes changed: {names:#?}");
        assert_eq!(line, PINNED_LINE, "the stored order line's attributes changed: {line:#?}");
    }

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
        "buyer",
        "buyer_search",
        "channel",
        "currency",
        "delivery_address",
        "entity",
        "id",
        "lines",
        "notes",
        "order_number",
        "pending_event",
        "received_at",
        "requested_delivery_date",
        "responded_at",
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
        "confirmed_quantity",
        "description",
        "invoiced_quantity",
        "line_net",
        "line_no",
        "price_source",
        "quantity",
        "shipped_quantity",
        "sku",
        "unit",
        "unit_price",
        "vat_category",
        "vat_rate",
    ];
}
