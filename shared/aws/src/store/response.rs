//! Writing an order response: stock reservations, the order's new state, history, email records, reorder
//! suggestions and a call-off's drawdown of its blanket order — in one transaction, or, beyond 100 actions, in
//! chunks whose stock updates are undone if a later chunk fails. Each chunk's marker records the stock updates it
//! made, so the chunks of an attempt that died part-way are undone exactly before the response is planned again
//! (docs/architecture.md "Guarantees").

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use rust_decimal::Decimal;
use time::OffsetDateTime;

use orders_domain::catalogue::ReorderNeed;
use orders_domain::confirmation::Reservation;
use orders_domain::documents::IssuedDocument;
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{OrderId, Sku, TenantId};
use orders_domain::order::{HistoryEntry, Order};

use super::email::NewEmail;
use super::{
    corrupt, dynamo_error, from_item, history_item, key, n, put_if_absent, put_plain, s, sortable_timestamp, to_item,
    OrderItem, Store, StoreError,
};
use crate::keys;

/// DynamoDB's limit of actions per transaction.
const MAX_ACTIONS: usize = 100;

/// How long after its last chunk an unfinished staff response is taken for dead (longer than any function runs:
/// a live attempt's chunks are never undone under it).
const ABANDONED_AFTER_SECONDS: i64 = 300;

/// How long chunk markers are kept once written (DynamoDB's TTL removes them; a response is finished or undone
/// long before).
const MARKER_TTL_SECONDS: i64 = 7 * 24 * 3600;

/// An order as stored, with what optimistic locking and event consumption need.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    /// The order.
    pub order: Order,
    /// Version for optimistic locking.
    pub version: u64,
    /// The event awaiting its consumer ("publish pending"), if any.
    pub pending_event: Option<EventEnvelope>,
}

/// Everything one order response writes.
#[derive(Debug)]
pub struct ResponseWrite<'a> {
    /// The order in its new state.
    pub order: &'a Order,
    /// The version it was read at; 0 for an order this write creates (it must not exist yet).
    pub expected_version: u64,
    /// The event this response consumes (its "publish pending" mark is cleared); `None` for a staff action,
    /// which only needs the order unchanged since it was read.
    pub consumed_event_id: Option<&'a str>,
    /// The next event to mark as pending on the order (none for a final answer).
    pub next_event: Option<&'a EventEnvelope>,
    /// History entries to append.
    pub history: Vec<HistoryEntry>,
    /// Stock changes: positive quantities move available to reserved, negative ones release.
    pub reservations: &'a [Reservation],
    /// Email records to create (claimed for sending by this response).
    pub emails: Vec<NewEmail>,
    /// SKUs now below their minimum, with the available quantity left and how much to reorder.
    pub reorders: Vec<ReorderNeed>,
    /// Events for other stages, each on its own item with its own "publish pending" mark (so they never compete
    /// with the order's own pending event): the invoicing request of a despatch.
    pub requests: Vec<StageRequest<'a>>,
    /// Other orders written in the same transaction: a call-off's blanket order, the new part of a split, the
    /// sources of a merge.
    pub related: Vec<RelatedWrite<'a>>,
    /// Peppol documents this write issues (the Order Response of a new answer), of this or a related order.
    pub documents: Vec<IssuedDocument>,
    /// An earlier attempt of this same response may have died part-way (a redelivered message, a staff request):
    /// chunks it left are looked for and undone before anything is written. A first attempt skips that read.
    pub earlier_attempts: bool,
    /// The order was planned from a copy an event carried, without reading its notes: the write also requires
    /// that the order has no seller note (its marker [`keys::NOTES_SK`] absent; see [`Store::add_note`]), and is
    /// refused as [`ResponseOutcome::OrderChanged`] otherwise.
    pub no_seller_notes: bool,
}

/// An event waiting for another stage, kept on an item of the order's partition (`sort_key`) with a GSI3 mark the
/// relay sweeps; the consuming stage deletes the mark.
#[derive(Debug)]
pub struct StageRequest<'a> {
    /// Sort key of the request item (`Q#INVOICE#D-1`); written once.
    pub sort_key: String,
    /// The event.
    pub event: &'a EventEnvelope,
}

/// The item of a stage request: `event` kept on `sort_key` of its order's partition with the GSI3 "publish
/// pending" mark the relay sweeps, until the consuming stage removes both.
pub(crate) fn stage_request_item(sort_key: &str, event: &EventEnvelope) -> Result<super::Item, StoreError> {
    let (tenant, order_id) = (&event.tenant, &event.order_id);
    let mut item = key(keys::order_pk(tenant, order_id), sort_key);
    item.insert("entity".into(), s("stage_request"));
    item.insert(
        "pending_event".into(),
        serde_dynamo::to_attribute_value(event).map_err(|e| corrupt("stage request", e))?,
    );
    item.insert("GSI3PK".into(), s(keys::publish_gsi_pk(order_id)));
    item.insert("GSI3SK".into(), s(format!("{}#{}#{}", sortable_timestamp(event.at), tenant, order_id)));
    Ok(item)
}

/// Another order written with a [`ResponseWrite`], with its own history and emails.
#[derive(Debug)]
pub struct RelatedWrite<'a> {
    /// The order in its new state.
    pub order: &'a Order,
    /// The version it was read at; 0 for an order this write creates.
    pub expected_version: u64,
    /// History entries to append to it.
    pub history: Vec<HistoryEntry>,
    /// Email records to create for it (claimed for sending).
    pub emails: Vec<NewEmail>,
}

impl<'a> RelatedWrite<'a> {
    /// An order written back unchanged but for `order`'s new state, with no history or emails of its own.
    pub fn plain(order: &'a Order, expected_version: u64) -> Self {
        Self { order, expected_version, history: Vec::new(), emails: Vec::new() }
    }
}

/// The put of an order at `expected_version + 1`, conditional on it still being at `expected_version` (or, for 0,
/// on it not existing).
pub(crate) fn versioned_put(
    table: &str,
    order: &Order,
    expected_version: u64,
    pending: Option<&EventEnvelope>,
) -> Result<aws_sdk_dynamodb::types::builders::PutBuilder, StoreError> {
    let item = to_item("order", &OrderItem::new(order, expected_version + 1, pending))?;
    let put = Put::builder().table_name(table).set_item(Some(item));
    Ok(if expected_version == 0 {
        put.condition_expression("attribute_not_exists(PK)")
    } else {
        put.condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(expected_version.to_string()))
    })
}

/// What happened to a [`ResponseWrite`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseOutcome {
    /// Written now.
    Applied,
    /// The event was consumed before (a redelivery): nothing written.
    AlreadyApplied,
    /// Available stock changed since it was read (another order reserved it): read again and re-plan.
    StockChanged,
    /// The order or its blanket order changed since they were read: read again.
    OrderChanged,
}

fn reservation_update(
    table: &str,
    tenant: &TenantId,
    reservation: &Reservation,
    sign: i8,
) -> Result<TransactWriteItem, StoreError> {
    // A negative change is a release: flip it so the expressions below always see a positive quantity.
    let sign = if reservation.quantity.is_sign_negative() { -sign } else { sign };
    let quantity = n(reservation.quantity.abs());
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key(
            keys::sku_pk(tenant, &reservation.sku),
            keys::lot_stock_sk(&reservation.warehouse, reservation.lot.as_deref()),
        )))
        .expression_attribute_values(":q", quantity);
    update = if sign > 0 {
        update
            .update_expression("SET reserved = reserved + :q, available = available - :q")
            .condition_expression("available >= :q")
    } else {
        update
            .update_expression("SET reserved = reserved - :q, available = available + :q")
            .condition_expression("reserved >= :q")
    };
    let update = update.build().map_err(|e| corrupt("stock update", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

fn chunk_marker(operation: &str, chunk: usize) -> String {
    format!("{}{chunk:03}", chunk_marker_prefix(operation))
}

/// The transaction that undoes one chunk: its marker (`sort_key`) deleted, if still there, and its stock
/// updates reversed.
fn undo_chunk_items(
    table: &str,
    order: &Order,
    sort_key: &str,
    reservations: &[Reservation],
) -> Result<Vec<(Slot, TransactWriteItem)>, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(keys::order_pk(&order.tenant, &order.id), sort_key.to_owned())))
        .condition_expression("attribute_exists(PK)")
        .build()
        .map_err(|e| corrupt("marker delete", e))?;
    let mut items = vec![(Slot::Marker, TransactWriteItem::builder().delete(delete).build())];
    for reservation in reservations {
        items.push((Slot::Stock, reservation_update(table, &order.tenant, reservation, -1)?));
    }
    Ok(items)
}

/// The sort keys of one response's chunk markers start with this.
fn chunk_marker_prefix(operation: &str) -> String {
    format!("R#{operation}#")
}

/// The marker of chunk `index` of `operation`: it records the chunk's stock updates (to undo them exactly) and
/// when it was written.
fn chunk_marker_item(
    order: &Order,
    operation: &str,
    index: usize,
    chunk: &[Reservation],
) -> Result<super::Item, StoreError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut item = key(keys::order_pk(&order.tenant, &order.id), chunk_marker(operation, index));
    item.insert("entity".into(), s("reservation_chunk"));
    item.insert("reservations".into(), s(serde_json::to_string(chunk).map_err(|e| corrupt("reservation chunk", e))?));
    item.insert("written_at".into(), AttributeValue::N(now.to_string()));
    item.insert("expires_at".into(), AttributeValue::N((now + MARKER_TTL_SECONDS).to_string()));
    Ok(item)
}

/// Which action kinds a transaction holds, by index, to read cancellation reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Order,
    Number,
    Related,
    Stock,
    Marker,
    /// An `Idempotency-Key`'s record.
    Idempotency,
    Other,
}

pub(crate) enum Attempt {
    Done,
    Failed(Vec<(Slot, Option<String>)>),
}

/// The order record of the `ORDER` item of `order_id`.
pub(super) fn order_record(order_id: &OrderId, item: super::Item) -> Result<OrderRecord, StoreError> {
    let stored: OrderItem = from_item(&format!("order {order_id}"), item)?;
    Ok(OrderRecord { order: Order::from(stored.order), version: stored.version, pending_event: stored.pending_event })
}

impl Store {
    /// Reads an order with its version and pending event.
    pub async fn get_order_record(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<OrderRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(tenant, order_id), keys::ORDER_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read order {order_id}"), e))?;
        output.item.map(|item| order_record(order_id, item)).transpose()
    }

    pub(crate) async fn transact(
        &self,
        action: &str,
        items: Vec<(Slot, TransactWriteItem)>,
    ) -> Result<Attempt, StoreError> {
        let slots: Vec<Slot> = items.iter().map(|(slot, _)| *slot).collect();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items.into_iter().map(|(_, item)| item).collect()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Attempt::Done),
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Ok(Attempt::Failed(
                    slots
                        .into_iter()
                        .zip(cancelled.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)))
                        .collect(),
                )),
                _ => Err(dynamo_error(action, error)),
            },
        }
    }

    /// Writes an order response (see [`ResponseWrite`]); conflicts are outcomes, not errors.
    pub async fn apply_response(&self, write: &ResponseWrite<'_>) -> Result<ResponseOutcome, StoreError> {
        let order = write.order;
        let tenant = &order.tenant;
        let table = self.table.as_str();
        let action = format!("record the response to order {}", order.id);

        let mut final_items: Vec<(Slot, TransactWriteItem)> = Vec::new();
        let mut put = versioned_put(table, order, write.expected_version, write.next_event)?;
        if let Some(event_id) = write.consumed_event_id {
            put = put
                .condition_expression("version = :v AND pending_event.event_id = :e")
                .expression_attribute_values(":e", s(event_id));
        }
        let put = put.build().map_err(|e| corrupt("order put", e))?;
        // Chunk markers are keyed by what this write does: the event it consumes, or the version it replaces.
        let operation = write.consumed_event_id.map_or_else(|| format!("v{}", write.expected_version), str::to_owned);
        final_items.push((Slot::Order, TransactWriteItem::builder().put(put).build()));
        if write.no_seller_notes {
            let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key(keys::order_pk(tenant, &order.id), keys::NOTES_SK)))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|e| corrupt("seller notes check", e))?;
            final_items.push((Slot::Related, TransactWriteItem::builder().condition_check(check).build()));
        }
        for (seq, entry) in write.history.iter().enumerate() {
            let item = to_item("history entry", &history_item(order, entry, u32::try_from(seq).unwrap_or(0)))?;
            final_items.push((Slot::Other, put_plain(table, item)?));
        }
        for email in &write.emails {
            final_items.push((Slot::Other, put_if_absent(table, email.item(order)?)?));
        }
        let now = sortable_timestamp(OffsetDateTime::now_utc());
        for need in &write.reorders {
            let item = super::listing::reorder_item(tenant, need, Some(&order.id), &now);
            final_items.push((Slot::Other, put_plain(table, item)?));
        }
        for request in &write.requests {
            final_items
                .push((Slot::Other, put_if_absent(table, stage_request_item(&request.sort_key, request.event)?)?));
        }
        for document in &write.documents {
            let issued_at = order.responded_at.unwrap_or_else(OffsetDateTime::now_utc);
            final_items.push((Slot::Other, super::documents::document_put(table, tenant, document, issued_at)?));
        }
        for related in &write.related {
            let put = versioned_put(table, related.order, related.expected_version, None)?
                .build()
                .map_err(|e| corrupt("related order put", e))?;
            final_items.push((Slot::Related, TransactWriteItem::builder().put(put).build()));
            for (seq, entry) in related.history.iter().enumerate() {
                let item =
                    to_item("history entry", &history_item(related.order, entry, u32::try_from(seq).unwrap_or(0)))?;
                final_items.push((Slot::Other, put_plain(table, item)?));
            }
            for email in &related.emails {
                final_items.push((Slot::Other, put_if_absent(table, email.item(related.order)?)?));
            }
        }

        // Stock updates fill the final transaction; what does not fit goes first, in chunks with markers.
        let room = MAX_ACTIONS.saturating_sub(final_items.len());
        if room == 0 {
            return Err(corrupt("order response", "more than 100 non-stock actions"));
        }
        let split = write.reservations.len().saturating_sub(room);
        let (early, late) = write.reservations.split_at(split);
        // An attempt that died between its chunks and its final transaction left stock reserved that no order
        // records: undo exactly what its markers say, then plan again from the true counters.
        if write.earlier_attempts || !early.is_empty() {
            if let Some(outcome) = self.undo_abandoned_chunks(write, &operation).await? {
                return Ok(outcome);
            }
        }
        for reservation in late {
            final_items.push((Slot::Stock, reservation_update(table, tenant, reservation, 1)?));
        }
        let chunks: Vec<&[Reservation]> = early.chunks(MAX_ACTIONS - 1).collect();
        let mut applied_chunks: Vec<usize> = Vec::new();
        for (index, chunk) in chunks.iter().enumerate() {
            let mut items =
                vec![(Slot::Marker, put_if_absent(table, chunk_marker_item(order, &operation, index, chunk)?)?)];
            for reservation in *chunk {
                items.push((Slot::Stock, reservation_update(table, tenant, reservation, 1)?));
            }
            match self.transact(&action, items).await? {
                Attempt::Done => applied_chunks.push(index),
                Attempt::Failed(reasons) => {
                    let marker_exists = reasons
                        .iter()
                        .any(|(slot, code)| *slot == Slot::Marker && code.as_deref() == Some("ConditionalCheckFailed"));
                    self.undo_chunks(order, &operation, &chunks, &applied_chunks).await?;
                    // A marker written meanwhile: another attempt of the same response is running.
                    return Ok(if marker_exists {
                        ResponseOutcome::OrderChanged
                    } else {
                        ResponseOutcome::StockChanged
                    });
                }
            }
        }

        match self.transact(&action, final_items).await? {
            Attempt::Done => Ok(ResponseOutcome::Applied),
            Attempt::Failed(reasons) => {
                let failed = |slot: Slot| {
                    reasons.iter().any(|(s, code)| *s == slot && code.as_deref() == Some("ConditionalCheckFailed"))
                };
                let outcome = if failed(Slot::Order) {
                    let current = self.get_order_record(tenant, &order.id).await?;
                    let consumed = write.consumed_event_id.is_some_and(|event_id| {
                        current.as_ref().is_none_or(|r| r.pending_event.as_ref().is_none_or(|e| e.event_id != event_id))
                    });
                    if consumed {
                        ResponseOutcome::AlreadyApplied
                    } else {
                        ResponseOutcome::OrderChanged
                    }
                } else if failed(Slot::Related) {
                    ResponseOutcome::OrderChanged
                } else if failed(Slot::Stock) {
                    ResponseOutcome::StockChanged
                } else {
                    // a conflicting concurrent transaction: treat as a stock change and re-plan
                    ResponseOutcome::StockChanged
                };
                if outcome != ResponseOutcome::AlreadyApplied {
                    self.undo_chunks(order, &operation, &chunks, &applied_chunks).await?;
                }
                Ok(outcome)
            }
        }
    }

    /// Undoes the chunks an earlier attempt of `write` (`operation`) wrote and never finished, exactly as their
    /// markers record them; `None` when there are none. Chunks of a response that did finish (the order moved on)
    /// are left alone, and so are a staff response's chunks younger than [`ABANDONED_AFTER_SECONDS`] (its attempt
    /// may still be running). A redelivered message's earlier attempt is dead: SQS hands a message to one consumer
    /// at a time, and only after the last one's time ran out.
    async fn undo_abandoned_chunks(
        &self,
        write: &ResponseWrite<'_>,
        operation: &str,
    ) -> Result<Option<ResponseOutcome>, StoreError> {
        let order = write.order;
        let pk = keys::order_pk(&order.tenant, &order.id);
        let markers = self.partition(pk, Some(&chunk_marker_prefix(operation)), "read reservation chunks").await?;
        if markers.is_empty() {
            return Ok(None);
        }
        let current = self.get_order_record(&order.tenant, &order.id).await?;
        let unfinished = current.as_ref().is_some_and(|record| {
            record.version == write.expected_version
                && write.consumed_event_id.is_none_or(|event_id| {
                    record.pending_event.as_ref().is_some_and(|pending| pending.event_id == event_id)
                })
        });
        if !unfinished {
            return Ok(Some(ResponseOutcome::OrderChanged));
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let young = markers
            .iter()
            .any(|m| super::get_n(m, "written_at").is_none_or(|at| at > Decimal::from(now - ABANDONED_AFTER_SECONDS)));
        if write.consumed_event_id.is_none() && young {
            return Ok(Some(ResponseOutcome::OrderChanged));
        }
        for marker in &markers {
            let sort_key = super::get_s(marker, "SK").unwrap_or_default();
            let reservations: Vec<Reservation> = super::get_s(marker, "reservations")
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt("reservation chunk", e))?
                .unwrap_or_default();
            let items = undo_chunk_items(&self.table, order, sort_key, &reservations)?;
            if let Attempt::Failed(reasons) = self.transact("undo an unfinished reservation chunk", items).await? {
                // Undone meanwhile by another attempt: nothing of it is left to undo.
                tracing::warn!(order_id = %order.id, sort_key, ?reasons, "an unfinished chunk was not undone here");
                return Ok(Some(ResponseOutcome::OrderChanged));
            }
            tracing::warn!(order_id = %order.id, sort_key, stock_updates = reservations.len(), "undid the stock of an attempt that died part-way");
        }
        Ok(Some(ResponseOutcome::StockChanged))
    }

    /// Releases the stock of chunks applied by this attempt and removes their markers.
    async fn undo_chunks(
        &self,
        order: &Order,
        operation: &str,
        chunks: &[&[Reservation]],
        applied: &[usize],
    ) -> Result<(), StoreError> {
        for index in applied {
            let items = undo_chunk_items(&self.table, order, &chunk_marker(operation, *index), chunks[*index])?;
            if let Attempt::Failed(reasons) = self.transact("release reserved stock", items).await? {
                tracing::error!(order_id = %order.id, ?reasons, "could not release a reservation chunk");
            }
        }
        Ok(())
    }

    /// Releases reservations (cancellation, or a re-confirmation after a change).
    pub async fn release_reservations(
        &self,
        tenant: &TenantId,
        reservations: &[Reservation],
    ) -> Result<(), StoreError> {
        for chunk in reservations.chunks(MAX_ACTIONS) {
            let items = chunk
                .iter()
                .map(|r| reservation_update(&self.table, tenant, r, -1).map(|item| (Slot::Stock, item)))
                .collect::<Result<Vec<_>, _>>()?;
            if let Attempt::Failed(reasons) = self.transact("release reserved stock", items).await? {
                return Err(StoreError::Dynamo {
                    action: "release reserved stock".into(),
                    message: format!("{reasons:?}"),
                });
            }
        }
        Ok(())
    }

    /// Stock of one SKU in one warehouse: (on hand, reserved, available).
    pub async fn stock_level(
        &self,
        tenant: &TenantId,
        sku: &Sku,
        warehouse: &orders_domain::ids::WarehouseId,
        lot: Option<&str>,
    ) -> Result<Option<(Decimal, Decimal, Decimal)>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::sku_pk(tenant, sku), keys::lot_stock_sk(warehouse, lot))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read stock of {sku}"), e))?
            .item;
        Ok(item.map(|item| {
            let get = |name: &str| super::get_n(&item, name).unwrap_or_default();
            (get("on_hand"), get("reserved"), get("available"))
        }))
    }
}
