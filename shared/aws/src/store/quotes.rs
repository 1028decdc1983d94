//! Quotes: one item per version, `T#{tenant}#Q#{quote_id}` / `V#{version:05}`. A version is written once as a
//! draft and then only moved on from the status it was read in (conditional puts), so two clicks never both win.
//! Accepting a version is written in the transaction that stores its order (see [`super::NewOrder::quote`]).

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use serde::{Deserialize, Serialize};

use orders_domain::ids::{QuoteId, TenantId};
use orders_domain::quote::{Quote, QuoteStatus};

use super::{corrupt, dynamo_error, from_item, key, put_if_absent, s, to_item, Item, Store, StoreError};
use crate::keys;

/// Sort key prefix of quote versions.
const VERSION_PREFIX: &str = "V#";

/// Partition of a quote's versions.
pub fn quote_pk(tenant: &TenantId, quote: &QuoteId) -> String {
    format!("T#{tenant}#Q#{quote}")
}

fn version_sk(version: u32) -> String {
    format!("{VERSION_PREFIX}{version:05}")
}

#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct QuoteItem {
    PK: String,
    SK: String,
    entity: String,
    /// `T#{tenant}#QUOTES`: the tenant's quote versions (GSI1), newest first.
    #[serde(default)]
    GSI1PK: String,
    /// `{created_at}#{quote_id}#{version:05}`.
    #[serde(default)]
    GSI1SK: String,
    #[serde(flatten)]
    quote: Quote,
}

fn quotes_gsi_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#QUOTES")
}

/// The stored form of a quote version.
pub(crate) fn quote_item(quote: &Quote) -> Result<Item, StoreError> {
    to_item(
        "quote",
        &QuoteItem {
            PK: quote_pk(&quote.tenant, &quote.id),
            SK: version_sk(quote.version),
            entity: "quote".into(),
            GSI1PK: quotes_gsi_pk(&quote.tenant),
            GSI1SK: format!("{}#{}#{:05}", super::sortable_timestamp(quote.created_at), quote.id, quote.version),
            quote: quote.clone(),
        },
    )
}

/// A check that no version after `quote` exists yet (a reopened quote's earlier versions cannot be accepted).
pub(crate) fn no_later_version(table: &str, quote: &Quote) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(quote_pk(&quote.tenant, &quote.id), version_sk(quote.version + 1))))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(|e| corrupt("quote condition", e))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The condition that a quote version is still in `status`: its name and value placeholders.
pub(crate) fn status_condition() -> (&'static str, [(&'static str, &'static str); 1]) {
    ("#status = :expected_status", [("#status", "status")])
}

impl Store {
    /// Stores a new quote version; `false` if that version already exists.
    pub async fn create_quote_version(&self, quote: &Quote) -> Result<bool, StoreError> {
        self.put_new(format!("store quote {} version {}", quote.id, quote.version), quote_item(quote)?).await
    }

    /// Stores `next` (a new draft version) if `previous` — the version before it — is still in the status it was
    /// read in; `false` if either moved on meanwhile (another reopening, or the buyer decided).
    pub async fn reopen_quote(&self, previous: &Quote, next: &Quote) -> Result<bool, StoreError> {
        let (condition, [(name, attribute)]) = status_condition();
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(quote_pk(&previous.tenant, &previous.id), version_sk(previous.version))))
            .condition_expression(condition)
            .expression_attribute_names(name, attribute)
            .expression_attribute_values(":expected_status", s(previous.status.as_str()))
            .build()
            .map_err(|e| corrupt("quote condition", e))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(check).build())
            .transact_items(put_if_absent(&self.table, quote_item(next)?)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(super::cancelled_by_condition) => Ok(false),
            Err(error) => Err(dynamo_error(format!("reopen quote {} as version {}", next.id, next.version), error)),
        }
    }

    /// Replaces a quote version that is still in `expected`; `false` if it moved on meanwhile.
    pub async fn update_quote_version(&self, quote: &Quote, expected: QuoteStatus) -> Result<bool, StoreError> {
        let (condition, [(name, attribute)]) = status_condition();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(quote_item(quote)?))
            .condition_expression(condition)
            .expression_attribute_names(name, attribute)
            .expression_attribute_values(":expected_status", s(expected.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo_error(format!("update quote {} version {}", quote.id, quote.version), e)),
        }
    }

    /// Every version of a quote, oldest first (empty if the tenant has no such quote).
    pub async fn quote_versions(&self, tenant: &TenantId, quote: &QuoteId) -> Result<Vec<Quote>, StoreError> {
        let items =
            self.partition(quote_pk(tenant, quote), Some(VERSION_PREFIX), &format!("read quote {quote}")).await?;
        items.into_iter().map(|item| from_item::<QuoteItem>("quote", item).map(|i| i.quote)).collect()
    }

    /// One page of the tenant's quote versions, the newest made first.
    pub async fn list_quotes(
        &self,
        tenant: &TenantId,
        limit: i32,
        start: Option<super::PageKey>,
    ) -> Result<(Vec<Quote>, Option<super::PageKey>), StoreError> {
        let (items, next) = self.index_page("GSI1", quotes_gsi_pk(tenant), true, limit, start).await?;
        let quotes = items
            .into_iter()
            .map(|item| from_item::<QuoteItem>("quote", item).map(|i| i.quote))
            .collect::<Result<_, _>>()?;
        Ok((quotes, next))
    }

    /// One version of a quote.
    pub async fn quote_version(
        &self,
        tenant: &TenantId,
        quote: &QuoteId,
        version: u32,
    ) -> Result<Option<Quote>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(quote_pk(tenant, quote)))
            .key(keys::SK, AttributeValue::S(version_sk(version)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read quote {quote} version {version}"), e))?;
        match found.item {
            Some(item) => Ok(Some(from_item::<QuoteItem>("quote", item)?.quote)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_as_numbers() {
        assert!(version_sk(9) < version_sk(10));
        assert_eq!(version_sk(2), "V#00002");
    }
}
