//! Reading an order back from its partition, with its history, seller notes, buyer messages, despatches, billing
//! documents and buyer requests.

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::{HistoryEntry, Order};

use super::documents::DOCUMENT_PREFIX;
use super::{despatch, from_item, get_s, notes, portal, HistoryItem, InvoiceLink, OrderItem, Store, StoreError};
use crate::keys::{self, SK};

impl Store {
    /// An order with its history, oldest entry first; `None` if the tenant has no such order.
    pub async fn get_order_with_history(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<HistoryEntry>)>, StoreError> {
        Ok(self.get_order_detail(tenant, order_id).await?.map(|detail| (detail.order, detail.history)))
    }

    /// An order with its history and seller notes (one partition query).
    pub async fn get_order_detail(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<OrderDetail>, StoreError> {
        let items = self.partition(keys::order_pk(tenant, order_id), None, &format!("read order {order_id}")).await?;
        let mut order = None;
        let mut history = Vec::new();
        let mut notes = Vec::new();
        let mut despatches = Vec::new();
        let mut invoices = Vec::new();
        let mut requests = Vec::new();
        let mut buyer_messages = Vec::new();
        let mut order_response = false;
        let mut despatch_advices = Vec::new();
        let order_responses = format!("{DOCUMENT_PREFIX}order-response-");
        for item in items {
            let sk = get_s(&item, SK).unwrap_or_default().to_owned();
            if sk == keys::ORDER_SK {
                let stored: OrderItem = from_item(&format!("order {order_id}"), item)?;
                order = Some((Order::from(stored.order), stored.version));
            } else if sk.starts_with(keys::HISTORY_PREFIX) {
                let stored: HistoryItem = from_item(&format!("history of {order_id}"), item)?;
                history.push(HistoryEntry::from(stored.entry));
            } else if sk.starts_with(notes::NOTE_PREFIX) {
                notes.push(from_item(&format!("note of {order_id}"), item)?);
            } else if sk.starts_with(notes::MESSAGE_PREFIX) {
                buyer_messages.push(from_item(&format!("buyer message of {order_id}"), item)?);
            } else if sk.starts_with(despatch::DESPATCH_PREFIX) {
                let stored: despatch::DespatchItem = from_item(&format!("despatch of {order_id}"), item)?;
                if stored.has_advice() {
                    despatch_advices.push(stored.despatch.despatch_number.clone());
                }
                despatches.push(stored.despatch);
            } else if sk.starts_with(&order_responses) {
                order_response = true;
            } else if sk.starts_with("I#") {
                invoices.push(from_item(&format!("invoice link of {order_id}"), item)?);
            } else if sk.starts_with(portal::REQUEST_PREFIX) {
                requests.push(portal::request_of(item)?);
            }
        }
        let (notes, legacy) = notes::split_notes(notes);
        buyer_messages.extend(legacy);
        buyer_messages.sort_by_key(|m: &orders_domain::portal::BuyerMessage| m.at);
        Ok(order.map(|(order, version)| OrderDetail {
            order,
            version,
            history,
            notes,
            buyer_messages,
            despatches,
            despatch_advices,
            order_response,
            invoices,
            requests,
        }))
    }
}

/// An order with its version, history log and seller notes.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    /// The order.
    pub order: Order,
    /// Its version (the `ETag`).
    pub version: u64,
    /// History, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Seller notes, oldest first.
    pub notes: Vec<orders_domain::order::SellerNote>,
    /// What buyers wrote about it in the portal, oldest first.
    pub buyer_messages: Vec<orders_domain::portal::BuyerMessage>,
    /// Despatch advices, by number.
    pub despatches: Vec<orders_domain::despatch::Despatch>,
    /// The numbers of the despatches a Peppol Despatch Advice (T16) was issued for (a seller or buyer without a
    /// Peppol id gets none).
    pub despatch_advices: Vec<String>,
    /// Whether a Peppol Order Response (T76) was issued for it.
    pub order_response: bool,
    /// Its billing documents (invoices, credit and debit notes), by number.
    pub invoices: Vec<InvoiceLink>,
    /// The buyer's change and cancellation requests, oldest first.
    pub requests: Vec<orders_domain::portal::BuyerRequest>,
}
