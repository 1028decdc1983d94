//! Listing orders for the back office through GSI1 (`T#{tenant}#S#{status}` / `{received_at}#{order_id}`),
//! newest first across any set of statuses: one query per status partition, merged, with a cursor that remembers
//! where each partition stands. No table scans.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;

use orders_domain::ids::{CustomerId, Sku, TenantId};
use orders_domain::order::{Order, OrderStatus};

use super::{dynamo_error, from_item, get_n, get_s, s, OrderItem, PageKey, Store, StoreError};
use crate::keys;

/// Where a listing stands: per status, the last sort key handed out (`None`: not started).
pub type ListPosition = BTreeMap<String, String>;

/// Marks a status partition as read to its end in a [`ListPosition`].
const EXHAUSTED: &str = "~";

/// One page of orders, newest first, and the position after it (`None` at the end).
#[derive(Debug, Clone)]
pub struct OrderPage {
    /// Orders of the page.
    pub orders: Vec<Order>,
    /// Where the next page starts.
    pub next: Option<ListPosition>,
}

impl Store {
    /// Orders of `tenant` in any of `statuses`, newest first, `limit` per page.
    pub async fn list_orders(
        &self,
        tenant: &TenantId,
        statuses: &[OrderStatus],
        limit: usize,
        position: Option<ListPosition>,
    ) -> Result<OrderPage, StoreError> {
        let position = position.unwrap_or_default();
        let queries = statuses
            .iter()
            .filter(|status| position.get(status.as_str()).map(String::as_str) != Some(EXHAUSTED))
            .map(|status| {
                let after = position.get(status.as_str()).cloned();
                async move {
                    let mut query = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .index_name("GSI1")
                        .scan_index_forward(false)
                        .limit(i32::try_from(limit).unwrap_or(200))
                        .expression_attribute_values(":pk", s(keys::status_gsi_pk(tenant, status.as_str())));
                    query = match &after {
                        Some(after) => query
                            .key_condition_expression("GSI1PK = :pk AND GSI1SK < :after")
                            .expression_attribute_values(":after", s(after.clone())),
                        None => query.key_condition_expression("GSI1PK = :pk"),
                    };
                    let output =
                        query.send().await.map_err(|e| dynamo_error(format!("list {} orders", status.as_str()), e))?;
                    let complete = output.last_evaluated_key.is_none();
                    Ok::<_, StoreError>((*status, output.items.unwrap_or_default(), complete))
                }
            });
        let results = futures::future::try_join_all(queries).await?;

        let mut candidates: Vec<(String, OrderStatus, std::collections::HashMap<String, AttributeValue>)> = Vec::new();
        let mut returned: BTreeMap<&'static str, (usize, bool)> = BTreeMap::new();
        for (status, items, done) in results {
            returned.insert(status.as_str(), (items.len(), done));
            for item in items {
                let sort_key = get_s(&item, "GSI1SK").unwrap_or_default().to_owned();
                candidates.push((sort_key, status, item));
            }
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0));
        candidates.truncate(limit);

        let mut next = position;
        let mut taken: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut orders = Vec::with_capacity(candidates.len());
        for (sort_key, status, item) in candidates {
            next.insert(status.as_str().to_owned(), sort_key);
            *taken.entry(status.as_str()).or_default() += 1;
            let stored: OrderItem = from_item("order", item)?;
            orders.push(stored.order);
        }
        // A partition whose query reached its end and whose items were all handed out is done.
        for (status, (count, done)) in returned {
            if done && taken.get(status).copied().unwrap_or(0) == count {
                next.insert(status.to_owned(), EXHAUSTED.to_owned());
            }
        }
        let finished = statuses.iter().all(|status| next.get(status.as_str()).map(String::as_str) == Some(EXHAUSTED));
        Ok(OrderPage { orders, next: if finished { None } else { Some(next) } })
    }
}

/// A SKU whose available stock fell below its minimum after a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderSuggestion {
    /// Product.
    pub sku: Sku,
    /// Available quantity left when it was suggested.
    pub available: rust_decimal::Decimal,
    /// The order whose reservation triggered it.
    pub order_id: String,
    /// When (sortable UTC timestamp).
    pub suggested_at: String,
}

impl Store {
    /// A customer's orders, newest first (GSI2: `T#{tenant}#C#{customer}` / `{received_at}#{order_id}`).
    pub async fn customer_orders(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<(Vec<Order>, Option<PageKey>), StoreError> {
        let (items, next) =
            self.index_page("GSI2", keys::customer_gsi_pk(tenant, customer), true, limit, start).await?;
        let orders = items
            .into_iter()
            .map(|item| from_item::<OrderItem>("order", item).map(|o| o.order))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((orders, next))
    }

    /// The tenant's reorder suggestions, by SKU.
    pub async fn reorder_suggestions(&self, tenant: &TenantId) -> Result<Vec<ReorderSuggestion>, StoreError> {
        let items = self.partition(format!("T#{tenant}#REORDER"), None, "list reorder suggestions").await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(ReorderSuggestion {
                    sku: get_s(item, "sku").and_then(|s| Sku::parse(s).ok())?,
                    available: get_n(item, "available").unwrap_or_default(),
                    order_id: get_s(item, "order_id").unwrap_or_default().to_owned(),
                    suggested_at: get_s(item, "suggested_at").unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }
}
