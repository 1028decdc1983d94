//! An order's record together with the items its emails quote (the seller's buyer-visible notes, its
//! despatches), read in one query of the order's partition instead of one read each (docs/architecture.md
//! "Cost and speed budgets").

use orders_domain::despatch::Despatch;
use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::SellerNote;

use super::despatch::{DespatchItem, DESPATCH_PREFIX};
use super::notes::{split_notes, NOTE_PREFIX};
use super::response::order_record;
use super::{from_item, get_s, Store, StoreError};
use crate::keys::{self, SK};

/// An order as stored, with its seller notes and despatches.
#[derive(Debug, Clone)]
pub struct OrderWithParts {
    /// The order with its version and pending event.
    pub record: super::OrderRecord,
    /// The order's parts as they were when it was read.
    pub parts: OrderParts,
}

/// The items of an order's partition that its emails quote.
#[derive(Debug, Clone, Default)]
pub struct OrderParts {
    /// The seller's notes, oldest first (never a buyer's words).
    pub notes: Vec<SellerNote>,
    /// The despatch advices, by number.
    pub despatches: Vec<Despatch>,
}

impl Store {
    /// Reads an order with its notes and despatches: one strongly consistent query of its partition.
    pub async fn order_with_parts(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<OrderWithParts>, StoreError> {
        let items = self.partition(keys::order_pk(tenant, order_id), None, &format!("read order {order_id}")).await?;
        let mut record = None;
        let mut notes = Vec::new();
        let mut despatches = Vec::new();
        for item in items {
            let sk = get_s(&item, SK).unwrap_or_default();
            if sk == keys::ORDER_SK {
                record = Some(order_record(order_id, item)?);
            } else if sk.starts_with(NOTE_PREFIX) {
                notes.push(from_item::<SellerNote>("note", item)?);
            } else if sk.starts_with(DESPATCH_PREFIX) {
                despatches.push(from_item::<DespatchItem>("despatch", item)?.despatch);
            }
        }
        let notes = split_notes(notes).0;
        Ok(record.map(|record| OrderWithParts { record, parts: OrderParts { notes, despatches } }))
    }
}
