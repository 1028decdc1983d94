//! Low-level access to the table that the other modules build on: single reads and writes, batched reads,
//! partition and index queries with their page cursor, and the building blocks and retry back-off of transactions.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::{corrupt, dynamo_error, key, s, Item, Store, StoreError};
use crate::keys;

/// Cursor position in a paginated query: the string attributes of DynamoDB's `LastEvaluatedKey`.
pub type PageKey = std::collections::BTreeMap<String, String>;

pub(crate) fn page_key_from(item: Option<&Item>) -> Option<PageKey> {
    item.map(|item| item.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.clone(), v.clone()))).collect())
}

pub(crate) fn page_key_into(key: PageKey) -> Item {
    key.into_iter().map(|(k, v)| (k, s(v))).collect()
}

impl Store {
    pub(crate) async fn get(&self, what: &str, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read {what}"), e))?;
        Ok(output.item)
    }

    pub(super) async fn put(&self, what: &str, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("write {what}"), e))?;
        Ok(())
    }

    /// Puts `item` unless an item with its key exists; `false` then (nothing is written). `action` names the write
    /// in an error.
    pub(super) async fn put_new(&self, action: String, item: Item) -> Result<bool, StoreError> {
        self.put_if(action, item, "attribute_not_exists(PK)", Vec::new()).await
    }

    /// Puts `item` if `condition` (with `values`) holds for the item it replaces; `false` then (nothing is written).
    /// `action` names the write in an error.
    pub(super) async fn put_if(
        &self,
        action: String,
        item: Item,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut request =
            self.client.put_item().table_name(&self.table).set_item(Some(item)).condition_expression(condition);
        for (name, value) in values {
            request = request.expression_attribute_values(name, value);
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(error) => Err(dynamo_error(action, error)),
        }
    }

    /// The item of key `wanted` (its `PK` and `SK`) among `items` of a batch read, taken out of them.
    pub(super) fn take_item(items: &mut Vec<Item>, wanted: &Item) -> Option<Item> {
        let same = |item: &Item, name: &str| item.get(name).is_some_and(|value| wanted.get(name) == Some(value));
        let at = items.iter().position(|item| same(item, keys::PK) && same(item, keys::SK))?;
        Some(items.swap_remove(at))
    }

    pub(super) async fn batch_get(&self, keys_wanted: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let chunks: Vec<Vec<Item>> = keys_wanted.chunks(100).map(<[Item]>::to_vec).collect();
        let results =
            futures::future::try_join_all(chunks.into_iter().map(|chunk| self.batch_get_chunk(chunk))).await?;
        Ok(results.into_iter().flatten().collect())
    }

    async fn batch_get_chunk(&self, mut pending: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut attempt = 0u32;
        while !pending.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(|e| corrupt("batch get request", e))?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| dynamo_error("read items by key", e))?;
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            if let Some(mut unprocessed) = output.unprocessed_keys {
                if let Some(rest) = unprocessed.remove(&self.table) {
                    pending = rest.keys;
                }
            }
            if !pending.is_empty() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Contention { action: "read items by key".into(), attempts: attempt });
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Ok(found)
    }

    /// Every item of one partition (optionally only sort keys starting with `sk_prefix`), all pages, strongly
    /// consistent.
    pub(crate) async fn partition(
        &self,
        pk: String,
        sk_prefix: Option<&str>,
        action: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", s(pk.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start);
            query = match sk_prefix {
                Some(prefix) => query
                    .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                    .expression_attribute_values(":prefix", s(prefix)),
                None => query.key_condition_expression("PK = :pk"),
            };
            let output = query.send().await.map_err(|e| dynamo_error(action, e))?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// One page of a GSI partition (`{index}PK = partition`), in sort-key order or reversed.
    pub(crate) async fn index_page(
        &self,
        index: &str,
        partition: String,
        newest_first: bool,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<(Vec<Item>, Option<PageKey>), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(format!("{index}PK = :pk"))
            .expression_attribute_values(":pk", s(partition))
            .scan_index_forward(!newest_first)
            .limit(limit)
            .set_exclusive_start_key(start.map(page_key_into))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("query {index}"), e))?;
        let next = page_key_from(output.last_evaluated_key.as_ref());
        Ok((output.items.unwrap_or_default(), next))
    }
}

pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 10u64.saturating_mul(1 << attempt.min(6));
    let jitter = u64::from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0) % 10,
    );
    Duration::from_millis(base + base * jitter / 10)
}

/// Whether a transaction was cancelled because it met another transaction on one of its items (retry it).
pub(crate) fn cancelled_by_conflict(
    error: &aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
) -> bool {
    matches!(error, aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled)
        if cancelled.cancellation_reasons().iter().any(|r| r.code() == Some("TransactionConflict")))
}

/// Whether a transaction was cancelled because one of its conditions did not hold (not for a conflict).
pub(crate) fn cancelled_by_condition(
    error: &aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
) -> bool {
    matches!(error, aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled)
        if cancelled.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed")))
}

pub(crate) fn put_if_absent(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .map_err(|e| corrupt("transaction put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub(crate) fn put_plain(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put =
        Put::builder().table_name(table).set_item(Some(item)).build().map_err(|e| corrupt("transaction put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}
