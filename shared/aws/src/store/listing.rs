//! Listing orders for the back office, newest first, through the GSIs and never a scan: GSI1
//! (`T#{tenant}#S#{status}` / `{received_at}#{order_id}`), one partition per status asked for, or GSI2
//! (`T#{tenant}#C#{customer}` / same sort key) when one customer is asked for. The receipt window narrows the key
//! condition; type, status (on GSI2) and the free-text search are filter expressions. Partitions are merged by
//! sort key; an item is handed out only once every partition still being read has been read past it, so pages are
//! exact even when filters thin them out. The position between pages is one sort key: everything at or above it
//! has been handed out or did not match.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use orders_domain::catalogue::ReorderNeed;
use orders_domain::ids::{CustomerId, OrderId, Sku, TenantId};
use orders_domain::listing::{name_search_key, OrderFilter, Search};
use orders_domain::order::Order;

use super::{
    dynamo_error, from_item, get_n, get_s, s, sortable_timestamp, Item, OrderItem, PageKey, Store, StoreError,
};
use crate::keys;

/// How many queries one page may take before it answers with what it has (and a cursor to go on).
const MAX_QUERIES_PER_PAGE: usize = 40;

/// Items evaluated per query when a filter expression may drop most of them.
const FILTERED_QUERY_LIMIT: i32 = 100;

/// One page of orders, newest first, and the position after it (`None` at the end).
#[derive(Debug, Clone)]
pub struct OrderPage {
    /// Orders of the page.
    pub orders: Vec<Order>,
    /// Where the next page starts: the sort key below which the listing goes on.
    pub next: Option<String>,
}

/// One index partition being read newest first.
struct Partition {
    index: &'static str,
    key: String,
    /// Matching items read but not handed out yet, newest first.
    buffer: Vec<(String, Item)>,
    /// Where the next query continues.
    start: Option<Item>,
    /// Sort key of the last item evaluated (read, matching or not).
    frontier: Option<String>,
    done: bool,
}

/// The key condition bounds and filter expression of a listing.
struct Plan {
    lower: String,
    upper: String,
    filter: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

fn plan(filter: &OrderFilter, before: Option<&str>, on_customer_index: bool) -> Plan {
    let mut conditions = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    if on_customer_index && !filter.all_statuses() {
        names.insert("#status".to_owned(), "status".to_owned());
        let placeholders: Vec<String> = filter
            .statuses
            .iter()
            .enumerate()
            .map(|(i, status)| {
                values.insert(format!(":status{i}"), s(status.as_str()));
                format!(":status{i}")
            })
            .collect();
        conditions.push(format!("#status IN ({})", placeholders.join(", ")));
    }
    if let Some(order_type) = filter.order_type {
        names.insert("#type".to_owned(), "type".to_owned());
        let name = serde_json::to_value(order_type).ok().and_then(|v| v.as_str().map(str::to_owned));
        values.insert(":type".to_owned(), s(name.unwrap_or_default()));
        conditions.push("#type = :type".to_owned());
    }
    if let Some(Search::Text(text)) = &filter.search {
        values.insert(":q".to_owned(), s(text.clone()));
        values.insert(":name".to_owned(), s(name_search_key(text)));
        conditions.push("(order_number = :q OR begins_with(buyer_search, :name) OR contains(skus, :q))".to_owned());
    }
    let lower = filter.received_from.map(sortable_timestamp).unwrap_or_else(|| "0".to_owned());
    let to = filter.received_to.map(|t| format!("{}#~", sortable_timestamp(t))).unwrap_or_else(|| "~".to_owned());
    let upper = match before {
        Some(before) if before < to.as_str() => before.to_owned(),
        _ => to,
    };
    Plan { lower, upper, filter: (!conditions.is_empty()).then(|| conditions.join(" AND ")), names, values }
}

impl Store {
    /// One page of the tenant's orders that match `filter`, newest first, strictly below `before` (a position
    /// from an earlier page). An order-id search is one read.
    pub async fn list_orders(
        &self,
        tenant: &TenantId,
        filter: &OrderFilter,
        limit: usize,
        before: Option<&str>,
    ) -> Result<OrderPage, StoreError> {
        if let Some(Search::OrderId(id)) = &filter.search {
            let found = self.get_order_record(tenant, id).await?.map(|record| record.order);
            let orders = found.into_iter().filter(|order| filter.matches(order) && before.is_none()).collect();
            return Ok(OrderPage { orders, next: None });
        }
        let on_customer_index = filter.customer.is_some();
        let mut partitions: Vec<Partition> = match &filter.customer {
            Some(customer) => vec![partition("GSI2", keys::customer_gsi_pk(tenant, customer))],
            None => filter
                .statuses
                .iter()
                .map(|status| partition("GSI1", keys::status_gsi_pk(tenant, status.as_str())))
                .collect(),
        };
        let plan = plan(filter, before, on_customer_index);
        if plan.lower > plan.upper {
            return Ok(OrderPage { orders: Vec::new(), next: None });
        }
        let query_limit = if plan.filter.is_some() {
            FILTERED_QUERY_LIMIT.max(i32::try_from(limit).unwrap_or(200))
        } else {
            i32::try_from(limit).unwrap_or(200)
        };

        let first = futures::future::try_join_all(
            partitions.iter().map(|p| self.read_partition(p, &plan, query_limit, before)),
        )
        .await?;
        for (partition, read) in partitions.iter_mut().zip(first) {
            partition.take(read);
        }
        let mut queries = partitions.len();
        loop {
            // Every partition still being read has been evaluated down to its frontier; items at or above the
            // highest frontier are safe to hand out.
            let threshold = partitions.iter().filter(|p| !p.done).filter_map(|p| p.frontier.clone()).max();
            let safe = partitions
                .iter()
                .flat_map(|p| p.buffer.iter())
                .filter(|(key, _)| threshold.as_ref().is_none_or(|t| key >= t))
                .count();
            let blocking = partitions.iter_mut().filter(|p| !p.done).max_by(|a, b| a.frontier.cmp(&b.frontier));
            match blocking {
                Some(partition) if safe < limit && queries < MAX_QUERIES_PER_PAGE => {
                    let read = self.read_partition(partition, &plan, query_limit, before).await?;
                    partition.take(read);
                    queries += 1;
                }
                _ => return finish(partitions, threshold, limit),
            }
        }
    }

    async fn read_partition(
        &self,
        partition: &Partition,
        plan: &Plan,
        limit: i32,
        before: Option<&str>,
    ) -> Result<(Vec<(String, Item)>, Option<Item>), StoreError> {
        let sort_key = format!("{}SK", partition.index);
        let mut names = plan.names.clone();
        names.insert("#pk".into(), format!("{}PK", partition.index));
        names.insert("#sk".into(), sort_key.clone());
        let mut values = plan.values.clone();
        values.insert(":pk".into(), s(partition.key.clone()));
        values.insert(":lower".into(), s(plan.lower.clone()));
        values.insert(":upper".into(), s(plan.upper.clone()));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(partition.index)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lower AND :upper")
            .set_filter_expression(plan.filter.clone())
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(partition.start.clone())
            .send()
            .await
            .map_err(|e| dynamo_error(format!("list orders ({})", partition.key), e))?;
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| {
                let key = get_s(&item, &sort_key)?.to_owned();
                // The upper bound is inclusive; a position means strictly below it.
                (Some(key.as_str()) != before).then_some((key, item))
            })
            .collect();
        Ok((items, output.last_evaluated_key))
    }
}

fn partition(index: &'static str, key: String) -> Partition {
    Partition { index, key, buffer: Vec::new(), start: None, frontier: None, done: false }
}

impl Partition {
    fn take(&mut self, (items, last_evaluated): (Vec<(String, Item)>, Option<Item>)) {
        self.buffer.extend(items);
        let sort_key = format!("{}SK", self.index);
        self.frontier = last_evaluated.as_ref().and_then(|key| get_s(key, &sort_key)).map(str::to_owned);
        self.done = last_evaluated.is_none() || self.frontier.is_none();
        self.start = last_evaluated;
    }
}

/// Hands out the safe items, newest first, and says where the next page starts.
fn finish(partitions: Vec<Partition>, threshold: Option<String>, limit: usize) -> Result<OrderPage, StoreError> {
    let more_to_read = partitions.iter().any(|p| !p.done);
    let mut candidates: Vec<(String, Item)> = partitions.into_iter().flat_map(|p| p.buffer).collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0));
    let safe = candidates.iter().filter(|(key, _)| threshold.as_ref().is_none_or(|t| key >= t)).count();
    let handed = safe.min(limit);
    let left_over = candidates.len() > handed;
    candidates.truncate(handed);
    let next = match candidates.last() {
        Some((last, _)) if handed == limit && (left_over || more_to_read) => Some(last.clone()),
        // A short page: everything at or above the threshold was handed out.
        _ if more_to_read => threshold,
        _ => None,
    };
    let orders = candidates
        .into_iter()
        .map(|(_, item)| from_item::<OrderItem>("order", item).map(|o| Order::from(o.order)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OrderPage { orders, next })
}

/// A SKU whose available stock fell below its minimum, after a reservation or a stock count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderSuggestion {
    /// Product.
    pub sku: Sku,
    /// Available quantity left when it was suggested.
    pub available: rust_decimal::Decimal,
    /// How much brings it to its target level.
    pub suggested_quantity: rust_decimal::Decimal,
    /// The order whose reservation triggered it; empty when a stock count did.
    pub order_id: String,
    /// When (sortable UTC timestamp).
    pub suggested_at: String,
}

fn reorder_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#REORDER")
}

/// The suggestion item of `need` (one per SKU: a later one replaces it), triggered by `order` or by a stock count.
pub(crate) fn reorder_item(tenant: &TenantId, need: &ReorderNeed, order: Option<&OrderId>, now: &str) -> Item {
    let mut item = super::key(reorder_pk(tenant), format!("SKU#{}", need.sku));
    item.insert("entity".into(), s("reorder_suggestion"));
    item.insert("sku".into(), s(need.sku.as_str()));
    item.insert("available".into(), super::n(need.available));
    item.insert("suggested_quantity".into(), super::n(need.suggested_quantity));
    if let Some(order) = order {
        item.insert("order_id".into(), s(order.as_str()));
    }
    item.insert("suggested_at".into(), s(now));
    item
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
            .map(|item| from_item::<OrderItem>("order", item).map(|o| Order::from(o.order)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((orders, next))
    }

    /// The tenant's reorder suggestions, by SKU.
    pub async fn reorder_suggestions(&self, tenant: &TenantId) -> Result<Vec<ReorderSuggestion>, StoreError> {
        let items = self.partition(reorder_pk(tenant), None, "list reorder suggestions").await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(ReorderSuggestion {
                    sku: get_s(item, "sku").and_then(|s| Sku::parse(s).ok())?,
                    available: get_n(item, "available").unwrap_or_default(),
                    suggested_quantity: get_n(item, "suggested_quantity").unwrap_or_default(),
                    order_id: get_s(item, "order_id").unwrap_or_default().to_owned(),
                    suggested_at: get_s(item, "suggested_at").unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }
}

/// How many orders a tenant has in one status, counted up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCount {
    /// Orders counted.
    pub count: u64,
    /// Whether counting stopped at the cap (there are at least `count`).
    pub capped: bool,
}

impl Store {
    /// Counts the tenant's orders in `status` on its GSI1 partition (`Select=COUNT`, keys only), stopping once `cap`
    /// is reached so a long history costs a bounded read.
    pub async fn count_orders_in_status(
        &self,
        tenant: &TenantId,
        status: &str,
        cap: u64,
    ) -> Result<StatusCount, StoreError> {
        let mut count = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk")
                .expression_attribute_values(":pk", s(keys::status_gsi_pk(tenant, status)))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| dynamo_error(format!("count orders ({status})"), e))?;
            count += u64::try_from(output.count).unwrap_or_default();
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(StatusCount { count, capped: false });
            }
            if count >= cap {
                return Ok(StatusCount { count, capped: true });
            }
        }
    }
}

impl Store {
    /// After a stock count: suggests reordering `sku` when `need` says so, else clears its suggestion (stock is back
    /// at or above the minimum). One write either way; both are idempotent.
    pub async fn record_reorder_need(
        &self,
        tenant: &TenantId,
        sku: &Sku,
        need: Option<&ReorderNeed>,
        now: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        match need {
            Some(need) => {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(reorder_item(tenant, need, None, &sortable_timestamp(now))))
                    .send()
                    .await
                    .map_err(|e| dynamo_error(format!("suggest reordering {sku}"), e))?;
            }
            None => {
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(super::key(reorder_pk(tenant), format!("SKU#{sku}"))))
                    .send()
                    .await
                    .map_err(|e| dynamo_error(format!("clear the reorder suggestion of {sku}"), e))?;
            }
        }
        Ok(())
    }
}
