//! Idempotency keys: how long they are remembered, finding the order that an earlier request with the same key or
//! order number stored, and claiming a key for a request that is not a single order.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;
use time::OffsetDateTime;

use orders_domain::ids::{OrderId, TenantId};

use super::{corrupt, dynamo_error, get_n, get_s, key, s, CreateOutcome, DuplicateOf, Item, Store, StoreError};
use crate::keys::{self, SK};

/// How long idempotency keys are remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

impl Store {
    /// Finds an earlier request with this `Idempotency-Key` or webshop order number (the key wins when both
    /// match), so a repeat is answered before any pricing work.
    pub async fn find_duplicate(
        &self,
        tenant: &TenantId,
        channel: &str,
        order_number: &str,
        idempotency_key: Option<&str>,
        fingerprint: &str,
    ) -> Result<Option<CreateOutcome>, StoreError> {
        let mut wanted = Vec::new();
        if let Some(idem) = idempotency_key {
            wanted.push(key(keys::idempotency_pk(tenant, idem), keys::IDEMPOTENCY_SK));
        }
        wanted.push(key(keys::order_number_pk(tenant, channel, order_number), keys::ORDER_NUMBER_SK));
        let found = self.batch_get(wanted).await?;
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let live = |item: &&Item| get_n(item, "expires_at").is_none_or(|at| at > Decimal::from(now));
        let by_idem = found.iter().filter(live).find(|item| get_s(item, SK) == Some(keys::IDEMPOTENCY_SK));
        let by_number = found.iter().find(|item| get_s(item, SK) == Some(keys::ORDER_NUMBER_SK));
        let (of, item) = match (by_idem, by_number) {
            (Some(item), _) => (DuplicateOf::IdempotencyKey, item),
            (None, Some(item)) => (DuplicateOf::OrderNumber, item),
            (None, None) => return Ok(None),
        };
        duplicate_of(of, item, fingerprint).map(Some)
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
