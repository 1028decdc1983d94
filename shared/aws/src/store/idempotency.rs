//! Idempotency keys: how long they are remembered, finding the order that an earlier request with the same key or
//! order number stored, and claiming a key for a request that is not a single order.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;
use time::OffsetDateTime;

use orders_domain::ids::{OrderId, TenantId};

use super::{corrupt, dynamo_error, get_n, get_s, key, s, CreateOutcome, DuplicateOf, Item, Store, StoreError};
use crate::keys::{self, PK, SK};

/// How long idempotency keys are remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

impl Store {
    /// Finds an earlier request with this `Idempotency-Key` or webshop order number (the key wins when both
    /// match), so a repeat is answered before any pricing work.
    pub async fn find_duplicate(
        &self,
        tenant: &TenantId,
        check: &DuplicateCheck<'_>,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        let found = self.batch_get(check.keys(tenant)).await?;
        check.among(tenant, &found)
    }

    /// Claims an `Idempotency-Key` for a request that is not a single order (a batch). Returns whether an
    /// earlier claim with the same key had the same fingerprint (`Ok(true)` also for a fresh claim).
    pub async fn claim_idempotency_key(
        &self,
        tenant: &TenantId,
        idempotency_key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut item = key(keys::idempotency_pk(tenant, idempotency_key), keys::IDEMPOTENCY_SK);
        item.insert("entity".into(), s("idempotency"));
        item.insert("fingerprint".into(), s(fingerprint));
        item.insert("expires_at".into(), AttributeValue::N((now + IDEMPOTENCY_TTL).unix_timestamp().to_string()));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR fingerprint = :fp OR expires_at < :now")
            .expression_attribute_values(":fp", s(fingerprint))
            .expression_attribute_values(":now", AttributeValue::N(now.unix_timestamp().to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo_error("claim idempotency key", e)),
        }
    }
}

/// What an earlier request's uniqueness record (`of`) says about a new request with `fingerprint`: the order it
/// stored, and whether it was the same request. An `Idempotency-Key` claimed by a request that stored no single
/// order (a batch) is taken by another request.
pub(super) fn duplicate_of(of: DuplicateOf, item: &Item, fingerprint: &str) -> Result<CreateOutcome, StoreError> {
    match get_s(item, "order_id") {
        Some(id) => Ok(CreateOutcome::Duplicate {
            of,
            order_id: OrderId::parse(id).map_err(|_| corrupt("uniqueness record", "order_id is no order id"))?,
            same_request: get_s(item, "fingerprint") == Some(fingerprint),
        }),
        None if matches!(of, DuplicateOf::IdempotencyKey) => Ok(CreateOutcome::IdempotencyKeyTaken),
        None => Err(corrupt("uniqueness record", "no order_id")),
    }
}

/// What identifies a repeat of an order request in its channel: the client's `Idempotency-Key` and/or the order
/// number (`None` when the number is not known yet, as for staff orders), and the request's fingerprint.
#[derive(Debug, Clone, Copy)]
pub struct DuplicateCheck<'a> {
    /// The channel the order number is unique in (`webshop`, `phone`, …).
    pub channel: &'a str,
    /// The order number, when the request carries one.
    pub order_number: Option<&'a str>,
    /// The client's `Idempotency-Key`, if sent.
    pub idempotency_key: Option<&'a str>,
    /// Canonical hash of the request.
    pub fingerprint: &'a str,
}

impl DuplicateCheck<'_> {
    /// The uniqueness records to read (none when there is neither a key nor a number).
    pub(super) fn keys(&self, tenant: &TenantId) -> Vec<Item> {
        let mut wanted = Vec::new();
        if let Some(idem) = self.idempotency_key {
            wanted.push(key(keys::idempotency_pk(tenant, idem), keys::IDEMPOTENCY_SK));
        }
        if let Some(number) = self.order_number {
            wanted.push(key(keys::order_number_pk(tenant, self.channel, number), keys::ORDER_NUMBER_SK));
        }
        wanted
    }

    /// The earlier request among `items` (read by [`Self::keys`], possibly with other items): the
    /// `Idempotency-Key` wins over the order number; an expired key record does not count.
    pub(super) fn among(&self, tenant: &TenantId, items: &[Item]) -> Result<Option<CreateOutcome>, StoreError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let live = |item: &&Item| get_n(item, "expires_at").is_none_or(|at| at > Decimal::from(now));
        let is =
            |item: &Item, wanted: &Item| get_s(item, PK) == get_s(wanted, PK) && get_s(item, SK) == get_s(wanted, SK);
        let mut by_idem = None;
        let mut by_number = None;
        for wanted in self.keys(tenant) {
            let found = items.iter().find(|item| is(item, &wanted));
            if get_s(&wanted, SK) == Some(keys::IDEMPOTENCY_SK) {
                by_idem = found.filter(live);
            } else {
                by_number = found;
            }
        }
        let (of, item) = match (by_idem, by_number) {
            (Some(item), _) => (DuplicateOf::IdempotencyKey, item),
            (None, Some(item)) => (DuplicateOf::OrderNumber, item),
            (None, None) => return Ok(None),
        };
        duplicate_of(of, item, self.fingerprint).map(Some)
    }
}
