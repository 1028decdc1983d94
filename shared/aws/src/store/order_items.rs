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
