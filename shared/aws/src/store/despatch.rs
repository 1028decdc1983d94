//! Recording a despatch advice: the despatch item (`D#{number}`), the tenant-wide despatch-number record, the
//! order with its shipped quantities and the "publish pending" mark of `order.despatched`, a history entry, and the
//! stock moves (on hand and reserved both fall) — one transaction.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use orders_domain::confirmation::Reservation;
use orders_domain::despatch::Despatch;
use orders_domain::documents::{archive_key, despatch_advice_name};
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::{HistoryEntry, Order};

use super::response::{versioned_put, Attempt, Slot};
use super::{corrupt, from_item, history_item, key, n, put_if_absent, s, to_item, Store, StoreError};
use crate::keys;

/// Sort key prefix of despatch items in an order's partition.
pub(crate) const DESPATCH_PREFIX: &str = "D#";

/// Everything one despatch writes.
#[derive(Debug)]
pub struct DespatchWrite<'a> {
    /// The order with raised shipped quantities and lowered reservations.
    pub order: &'a Order,
    /// The version it was read at.
    pub expected_version: u64,
    /// The despatch advice.
    pub despatch: &'a Despatch,
    /// Stock to take out: on hand and reserved both fall by each quantity.
    pub moves: &'a [Reservation],
    /// `order.despatched`, marked pending on the order.
    pub event: &'a EventEnvelope,
    /// History entry of the order.
    pub history: HistoryEntry,
    /// The Peppol Despatch Advice (T16) as issued, when both parties have Peppol addresses.
    pub document: Option<&'a str>,
}

/// What happened to a [`DespatchWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DespatchOutcome {
    /// Written.
    Recorded,
    /// The tenant already has a despatch with this number.
    NumberTaken,
    /// The order changed since it was read: read again.
    OrderChanged,
    /// The reserved stock is not there (someone changed it underneath): read again.
    StockChanged,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct DespatchItem {
    PK: String,
    SK: String,
    entity: String,
    /// The Peppol Despatch Advice (T16) as issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ubl: Option<String>,
    /// Where the archive function keeps the advice (set with `ubl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archive_key: Option<String>,
    #[serde(flatten)]
    pub(crate) despatch: Despatch,
}

impl DespatchItem {
    /// Whether the despatch's Peppol Despatch Advice was issued (and kept with it).
    pub(crate) fn has_advice(&self) -> bool {
        self.ubl.is_some()
    }
}

fn stock_move(table: &str, tenant: &TenantId, pick: &Reservation) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::sku_pk(tenant, &pick.sku), keys::lot_stock_sk(&pick.warehouse, pick.lot.as_deref()))))
        .update_expression("SET on_hand = on_hand - :q, reserved = reserved - :q")
        .condition_expression("reserved >= :q AND on_hand >= :q")
        .expression_attribute_values(":q", n(pick.quantity))
        .build()
        .map_err(|e| corrupt("stock move", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

impl Store {
    /// Records a despatch (see [`DespatchWrite`]); conflicts are outcomes, not errors.
    pub async fn record_despatch(&self, write: &DespatchWrite<'_>) -> Result<DespatchOutcome, StoreError> {
        let order = write.order;
        let tenant = &order.tenant;
        let table = self.table.as_str();
        let number = &write.despatch.despatch_number;
        if write.moves.len() + 4 > 100 {
            return Err(corrupt("despatch", "more than 96 stock moves in one despatch"));
        }
        let mut items = Vec::new();
        let put = versioned_put(table, order, write.expected_version, Some(write.event))?
            .build()
            .map_err(|e| corrupt("order put", e))?;
        items.push((Slot::Order, TransactWriteItem::builder().put(put).build()));
        let mut record = key(keys::despatch_number_pk(tenant, number), "DSP");
        record.insert("entity".into(), s("despatch_number"));
        record.insert("order_id".into(), s(order.id.as_str()));
        items.push((Slot::Number, put_if_absent(table, record)?));
        let despatch = DespatchItem {
            PK: keys::order_pk(tenant, &order.id),
            SK: format!("{DESPATCH_PREFIX}{number}"),
            entity: "despatch".into(),
            ubl: write.document.map(str::to_owned),
            archive_key: write
                .document
                .map(|_| archive_key(tenant, &order.id, &despatch_advice_name(&write.despatch.despatch_number))),
            despatch: write.despatch.clone(),
        };
        items.push((Slot::Other, put_if_absent(table, to_item("despatch", &despatch)?)?));
        items.push((
            Slot::Other,
            super::put_plain(table, to_item("history entry", &history_item(order, &write.history, 0))?)?,
        ));
        for pick in write.moves {
            items.push((Slot::Stock, stock_move(table, tenant, pick)?));
        }
        match self.transact(&format!("record despatch {number} of {}", order.id), items).await? {
            Attempt::Done => Ok(DespatchOutcome::Recorded),
            Attempt::Failed(reasons) => {
                let failed = |slot: Slot| {
                    reasons.iter().any(|(s, code)| *s == slot && code.as_deref() == Some("ConditionalCheckFailed"))
                };
                Ok(if failed(Slot::Number) {
                    DespatchOutcome::NumberTaken
                } else if failed(Slot::Order) {
                    DespatchOutcome::OrderChanged
                } else {
                    DespatchOutcome::StockChanged
                })
            }
        }
    }

    /// One despatch advice of an order with its Peppol document (if one was issued).
    pub async fn despatch_with_document(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        number: &str,
    ) -> Result<Option<(Despatch, Option<String>)>, StoreError> {
        let item =
            self.get("despatch", keys::order_pk(tenant, order_id), &format!("{DESPATCH_PREFIX}{number}")).await?;
        item.map(|item| from_item::<DespatchItem>("despatch", item).map(|d| (d.despatch, d.ubl))).transpose()
    }

    /// The despatch advices of an order, by number.
    pub async fn despatches(&self, tenant: &TenantId, order_id: &OrderId) -> Result<Vec<Despatch>, StoreError> {
        let items = self
            .partition(
                keys::order_pk(tenant, order_id),
                Some(DESPATCH_PREFIX),
                &format!("read despatches of {order_id}"),
            )
            .await?;
        items.into_iter().map(|item| from_item::<DespatchItem>("despatch", item).map(|d| d.despatch)).collect()
    }
}
