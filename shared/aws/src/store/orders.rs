//! Storing a new order: what intake writes for it, and the one transaction that stores it with its uniqueness
//! records, per-minute rate counter, inline buyer and accepted quote.

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};

use orders_domain::catalogue::Customer;
use orders_domain::events::EventEnvelope;
use orders_domain::ids::OrderId;
use orders_domain::order::{HistoryEntry, Order};

use super::customers::{peppol_entry_put, upsert_customer};
use super::{
    backoff, corrupt, dynamo_error, history_item, key, put_if_absent, put_plain, quotes, s, sortable_timestamp,
    to_item, Item, OrderItem, Store, StoreError, IDEMPOTENCY_TTL,
};
use crate::keys;

/// Everything intake writes for a new order, in one transaction.
#[derive(Debug)]
pub struct NewOrder<'a> {
    /// The priced order.
    pub order: &'a Order,
    /// Its first history entry.
    pub history: &'a HistoryEntry,
    /// Canonical hash of the request, for idempotent replays.
    pub fingerprint: &'a str,
    /// The client's `Idempotency-Key`, if sent.
    pub idempotency_key: Option<&'a str>,
    /// An inline buyer to upsert into the customer register.
    pub inline_customer: Option<&'a Customer>,
    /// The event to publish; stored as the order's "publish pending" mark.
    pub event: &'a EventEnvelope,
    /// The quote version this order accepts (status `accepted`), written only if it is still `sent`.
    pub quote: Option<&'a orders_domain::quote::Quote>,
    /// The tenant's limit of new orders per minute, counted in this transaction (`None`: not counted).
    pub orders_per_minute: Option<u32>,
    /// The business document the order was placed from (a Peppol Order), kept with it and archived.
    pub received_document: Option<&'a orders_domain::documents::IssuedDocument>,
}

/// What stopped a new order from being stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateOf {
    /// The `Idempotency-Key` was used before.
    IdempotencyKey,
    /// The webshop order number was used before.
    OrderNumber,
}

/// Result of [`Store::create_order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// Stored now.
    Created,
    /// An earlier request already stored an order.
    Duplicate {
        /// Which uniqueness record matched.
        of: DuplicateOf,
        /// The order that request created.
        order_id: OrderId,
        /// Whether the earlier request had the same fingerprint.
        same_request: bool,
    },
    /// The `Idempotency-Key` was claimed by an earlier request that stored no single order (a batch): the key is
    /// taken, by another request.
    IdempotencyKeyTaken,
    /// The quote version it accepts is no longer `sent` (declined, reopened or accepted by another request).
    QuoteNotOpen,
    /// The tenant placed its limit of orders this minute; nothing was stored. Try again after this many seconds.
    RateLimited {
        /// Seconds to the next minute.
        retry_after: u64,
    },
}

/// Into how many items a tenant's count of new orders per minute is spread, so concurrent orders seldom write the
/// same item (each counts up to its share of the limit; an order's slot follows from its id).
pub const RATE_SHARDS: u32 = 10;

impl Store {
    /// Stores a new order in one transaction: the order (with its "publish pending" mark), its first history
    /// entry, the order-number record, the idempotency record and the inline buyer. Concurrent or repeated
    /// requests for the same order number or key find the earlier order instead.
    pub async fn create_order(&self, new: &NewOrder<'_>) -> Result<CreateOutcome, StoreError> {
        let order = new.order;
        let tenant = &order.tenant;
        let action = format!("store order {} ({})", order.id, order.order_number);
        let order_item = OrderItem::new(order, 1, Some(new.event));
        let history_item = history_item(order, new.history, 0);
        let order_number_pk = keys::order_number_pk(tenant, &order.channel, &order.order_number);
        let mut number_item = key(order_number_pk.clone(), keys::ORDER_NUMBER_SK);
        number_item.insert("entity".into(), s("order_number"));
        number_item.insert("order_id".into(), s(order.id.as_str()));
        number_item.insert("fingerprint".into(), s(new.fingerprint));

        let mut actions = vec![
            put_if_absent(&self.table, to_item("order", &order_item)?)?,
            put_plain(&self.table, to_item("history entry", &history_item)?)?,
            put_if_absent(&self.table, number_item)?,
        ];
        let mut idempotency_index = None;
        if let Some(idem) = new.idempotency_key {
            let expires = order.received_at + IDEMPOTENCY_TTL;
            let mut item = key(keys::idempotency_pk(tenant, idem), keys::IDEMPOTENCY_SK);
            item.insert("entity".into(), s("idempotency"));
            item.insert("order_id".into(), s(order.id.as_str()));
            item.insert("fingerprint".into(), s(new.fingerprint));
            item.insert("expires_at".into(), AttributeValue::N(expires.unix_timestamp().to_string()));
            idempotency_index = Some(actions.len());
            // An expired key may still be in the table (TTL deletes within days): it can be claimed again.
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR expires_at < :now")
                .expression_attribute_values(":now", AttributeValue::N(order.received_at.unix_timestamp().to_string()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(|e| corrupt("transaction put", e))?;
            actions.push(TransactWriteItem::builder().put(put).build());
        }
        if let Some(customer) = new.inline_customer {
            actions.push(upsert_customer(&self.table, tenant, customer, &order.received_at)?);
            actions.extend(peppol_entry_put(&self.table, tenant, customer)?);
        }
        if let Some(document) = new.received_document {
            actions.push(super::documents::document_put(&self.table, tenant, document, order.received_at)?);
        }
        if let Some(schedule) = super::standing::standing_item(&self.table, order)? {
            actions.push(schedule);
        }
        let mut rate_index = None;
        if let Some(limit) = new.orders_per_minute {
            let minute = order.received_at;
            // `YYYY-MM-DDTHH:MM` of the sort keys' timestamps: one window per minute.
            let stamp = sortable_timestamp(minute);
            let window = &stamp[..16];
            // Small limits on fewer counters, so every counter takes at least one order.
            let shards = limit.clamp(1, RATE_SHARDS);
            let shard =
                order.id.as_str().bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b))) % shards;
            let per_shard = limit.div_ceil(shards).max(1);
            let update = aws_sdk_dynamodb::types::Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(format!("T#{tenant}#RATE#{window}"), format!("S{shard}"))))
                .update_expression("SET entity = :entity, expires_at = :ttl ADD orders :one")
                .condition_expression("attribute_not_exists(orders) OR orders < :limit")
                .expression_attribute_values(":entity", s("order_rate"))
                .expression_attribute_values(":ttl", AttributeValue::N((minute.unix_timestamp() + 3600).to_string()))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":limit", AttributeValue::N(per_shard.to_string()))
                .build()
                .map_err(|e| corrupt("rate update", e))?;
            rate_index = Some(actions.len());
            actions.push(TransactWriteItem::builder().update(update).build());
        }
        let mut quote_index = None;
        if let Some(quote) = new.quote {
            let (condition, [(name, attribute)]) = quotes::status_condition();
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(quotes::quote_item(quote)?))
                .condition_expression(condition)
                .expression_attribute_names(name, attribute)
                .expression_attribute_values(":expected_status", s(orders_domain::quote::QuoteStatus::Sent.as_str()))
                .build()
                .map_err(|e| corrupt("transaction put", e))?;
            quote_index = Some(actions.len());
            actions.push(TransactWriteItem::builder().put(put).build());
            actions.push(quotes::no_later_version(&self.table, quote)?);
        }

        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self.client.transact_write_items().set_transact_items(Some(actions.clone())).send().await;
            let error = match result {
                Ok(_) => return Ok(CreateOutcome::Created),
                Err(error) => error,
            };
            let reasons: Vec<(Option<String>, Option<Item>)> = match error.as_service_error() {
                Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e)) => e
                    .cancellation_reasons()
                    .iter()
                    .map(|r| (r.code().map(str::to_owned), r.item().cloned()))
                    .collect(),
                _ => return Err(dynamo_error(action, error)),
            };
            let failed =
                |index: usize| reasons.get(index).and_then(|r| r.0.as_deref()) == Some("ConditionalCheckFailed");
            let duplicate = if idempotency_index.is_some_and(failed) {
                Some((
                    DuplicateOf::IdempotencyKey,
                    idempotency_index.and_then(|i| reasons.get(i)).and_then(|r| r.1.clone()),
                ))
            } else if failed(2) {
                Some((DuplicateOf::OrderNumber, reasons.get(2).and_then(|r| r.1.clone())))
            } else {
                None
            };
            if duplicate.is_none() && quote_index.is_some_and(|i| failed(i) || failed(i + 1)) {
                return Ok(CreateOutcome::QuoteNotOpen);
            }
            if duplicate.is_none() && rate_index.is_some_and(failed) {
                let second = u64::from(order.received_at.second());
                return Ok(CreateOutcome::RateLimited { retry_after: 60 - second });
            }
            if let Some((of, item)) = duplicate {
                let item = match item {
                    Some(item) => item,
                    None => {
                        let (pk, sk) = match (of, new.idempotency_key) {
                            (DuplicateOf::IdempotencyKey, Some(idem)) => {
                                (keys::idempotency_pk(tenant, idem), keys::IDEMPOTENCY_SK)
                            }
                            _ => (order_number_pk.clone(), keys::ORDER_NUMBER_SK),
                        };
                        match self.get("uniqueness record", pk, sk).await? {
                            Some(item) => item,
                            None => continue,
                        }
                    }
                };
                return super::idempotency::duplicate_of(of, &item, new.fingerprint);
            }
            let conflicting = reasons.iter().any(|r| r.0.as_deref() == Some("TransactionConflict"));
            if !conflicting || attempt >= 8 {
                if conflicting {
                    return Err(StoreError::Contention { action, attempts: attempt });
                }
                return Err(dynamo_error(action, error));
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

/// The partition of the counter that numbers the orders staff enter (one series per tenant).
fn staff_order_counter_pk(tenant: &orders_domain::ids::TenantId) -> String {
    format!("T#{tenant}#SEQ-ORDERS")
}

impl Store {
    /// The next number of the tenant's series of orders staff enter (1, 2, …), from one atomic counter update.
    /// A number taken by an order that is then not stored stays unused (order numbers, unlike invoice numbers,
    /// may have gaps).
    pub async fn next_staff_order_number(&self, tenant: &orders_domain::ids::TenantId) -> Result<u64, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(staff_order_counter_pk(tenant), "SEQ")))
            .update_expression("SET entity = :entity ADD #last :one")
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":entity", s("counter"))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| dynamo_error("take the next order number", e))?;
        output
            .attributes
            .as_ref()
            .and_then(|item| super::get_n(item, "last"))
            .and_then(|last| u64::try_from(last.trunc().mantissa()).ok())
            .ok_or_else(|| corrupt("order counter", "no number"))
    }
}
