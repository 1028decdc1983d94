//! The DynamoDB repository: every read and write of the single table goes through here.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use orders_domain::catalogue::{sort_for_reservation, Customer, CustomerPrice, Product, StockLevel};
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{CustomerId, OrderId, Sku, TenantId, WarehouseId};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::tenant::TenantSettings;

use crate::keys::{self, PK, SK};

pub(crate) type Item = HashMap<String, AttributeValue>;

mod despatch;
mod documents;
mod email;
mod invoices;
mod keys_and_sessions;
mod links;
mod listing;
mod notes;
mod portal;
mod quotes;
mod relay;
mod reports;
mod response;

pub use despatch::{DespatchOutcome, DespatchWrite};
pub use email::{EmailRecord, EmailStatus, NewEmail};
pub use invoices::{
    completion_request_key, document_key, invoice_pk, IdempotentDocument, InvoiceFilter, InvoiceLink, InvoicePage,
    IssueOutcome, IssueWrite, StoredInvoice,
};
pub use keys_and_sessions::{ApiKeyRecord, ConsoleSessionRecord, ListedApiKey};
pub use links::{BuyerAccessEvent, BuyerAccessLog, BuyerLinkRecord};
pub use listing::{OrderPage, ReorderSuggestion, StatusCount};
pub use notes::Addition;
pub use orders_domain::catalogue::CatalogueView;
pub use portal::ListedRequest;
pub use quotes::quote_pk;
pub use response::{OrderRecord, RelatedWrite, ResponseOutcome, ResponseWrite, StageRequest};

/// A DynamoDB call failed, or an item could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The call itself failed (network, throttling after retries, permissions, validation).
    #[error("DynamoDB: {action} failed: {message}")]
    Dynamo {
        /// What we were doing ("store order ord_…").
        action: String,
        /// The SDK's error with its context.
        message: String,
    },
    /// A stored item does not have the expected shape.
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// Which item.
        what: String,
        /// Why.
        detail: String,
    },
    /// Concurrent writers kept cancelling our transaction.
    #[error("{action}: gave up after {attempts} conflicting transactions")]
    Contention {
        /// What we were doing.
        action: String,
        /// How often we tried.
        attempts: u32,
    },
}

pub(crate) fn dynamo_error<E, R>(action: impl Into<String>, error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Dynamo { action: action.into(), message: DisplayErrorContext(&error).to_string() }
}

pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.into(), detail: detail.to_string() }
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: Decimal) -> AttributeValue {
    AttributeValue::N(value.normalize().to_string())
}

pub(crate) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub(crate) fn to_item<T: Serialize>(what: &str, value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| corrupt(what, e))
}

pub(crate) fn from_item<T: DeserializeOwned>(what: &str, item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| corrupt(what, e))
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(crate) fn get_n(item: &Item, name: &str) -> Option<Decimal> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| orders_domain::money::parse_decimal_text(v).ok())
}

/// Sortable UTC timestamp with microseconds, used inside sort keys.
pub fn sortable_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

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

/// How long idempotency keys are remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct OrderItem {
    pub(crate) PK: String,
    pub(crate) SK: String,
    pub(crate) entity: String,
    pub(crate) version: u64,
    pub(crate) GSI1PK: String,
    pub(crate) GSI1SK: String,
    pub(crate) GSI2PK: String,
    pub(crate) GSI2SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) GSI3PK: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) GSI3SK: Option<String>,
    pub(crate) GSI4PK: String,
    pub(crate) GSI4SK: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pending_event: Option<EventEnvelope>,
    /// The buyer's name as the list searches it ([`orders_domain::listing::name_search_key`]).
    #[serde(default)]
    pub(crate) buyer_search: String,
    /// The SKUs of the lines, for the list's SKU search.
    #[serde(default)]
    pub(crate) skus: Vec<String>,
    #[serde(flatten)]
    pub(crate) order: Order,
}

impl OrderItem {
    /// The stored form of `order` at `version`, with the index keys its state calls for and, while `pending`
    /// is set, the "publish pending" mark (GSI3).
    pub(crate) fn new(order: &Order, version: u64, pending: Option<&EventEnvelope>) -> Self {
        let tenant = &order.tenant;
        let received = sortable_timestamp(order.received_at);
        Self {
            PK: keys::order_pk(tenant, &order.id),
            SK: keys::ORDER_SK.into(),
            entity: "order".into(),
            version,
            GSI1PK: keys::status_gsi_pk(tenant, order.status.as_str()),
            GSI1SK: format!("{received}#{}", order.id),
            GSI2PK: keys::customer_gsi_pk(tenant, &order.buyer.customer_id),
            GSI2SK: format!("{received}#{}", order.id),
            GSI3PK: pending.map(|_| keys::publish_gsi_pk(&order.id)),
            GSI3SK: pending.map(|event| format!("{}#{}#{}", sortable_timestamp(event.at), tenant, order.id)),
            GSI4PK: keys::day_gsi_pk(tenant, &received[..10]),
            GSI4SK: order.id.to_string(),
            pending_event: pending.cloned(),
            buyer_search: orders_domain::listing::name_search_key(&order.buyer.name),
            skus: order.lines.iter().map(|l| l.sku.to_string()).collect(),
            order: order.clone(),
        }
    }
}

/// The stored form of a history entry; `seq` orders entries written at the same instant.
pub(crate) fn history_item(order: &Order, entry: &HistoryEntry, seq: u32) -> HistoryItem {
    HistoryItem {
        PK: keys::order_pk(&order.tenant, &order.id),
        SK: keys::history_sk(&sortable_timestamp(entry.at), seq),
        entity: "history".into(),
        entry: entry.clone(),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub(crate) struct HistoryItem {
    pub(crate) PK: String,
    pub(crate) SK: String,
    pub(crate) entity: String,
    #[serde(flatten)]
    pub(crate) entry: HistoryEntry,
}

#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct ProductItem {
    PK: String,
    SK: String,
    entity: String,
    GSI1PK: String,
    GSI1SK: String,
    #[serde(flatten)]
    product: Product,
}

/// Cursor position in a paginated query: the string attributes of DynamoDB's `LastEvaluatedKey`.
pub type PageKey = std::collections::BTreeMap<String, String>;

pub(crate) fn page_key_from(item: Option<&Item>) -> Option<PageKey> {
    item.map(|item| item.iter().filter_map(|(k, v)| v.as_s().ok().map(|v| (k.clone(), v.clone()))).collect())
}

pub(crate) fn page_key_into(key: PageKey) -> Item {
    key.into_iter().map(|(k, v)| (k, s(v))).collect()
}

/// The table.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) table: String,
}

impl Store {
    /// A repository over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The underlying client (for tests and provisioning).
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

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

    async fn put(&self, what: &str, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("write {what}"), e))?;
        Ok(())
    }

    // ------------------------------------------------------------------ keys and tenants

    /// A tenant's settings.
    pub async fn get_tenant(&self, tenant: &TenantId) -> Result<Option<TenantSettings>, StoreError> {
        match self.get("tenant", keys::tenant_pk(tenant), keys::TENANT_SK).await? {
            None => Ok(None),
            Some(item) => from_item("tenant", item).map(Some),
        }
    }

    /// Creates or replaces a tenant's settings.
    pub async fn put_tenant(&self, settings: &TenantSettings) -> Result<(), StoreError> {
        let mut item = to_item("tenant", settings)?;
        item.extend(key(keys::tenant_pk(&settings.tenant), keys::TENANT_SK));
        item.insert("entity".into(), s("tenant"));
        self.put("tenant", item).await?;
        // The registry of tenants the scheduled reports run for (one small partition, no scans).
        let mut entry = key("TENANTS".into(), format!("T#{}", settings.tenant));
        entry.insert("entity".into(), s("tenant_registry"));
        entry.insert("tenant".into(), s(settings.tenant.as_str()));
        self.put("tenant registry", entry).await
    }

    /// Every tenant (from the registry [`Store::put_tenant`] keeps).
    pub async fn list_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        let items = self.partition("TENANTS".into(), None, "list tenants").await?;
        Ok(items.iter().filter_map(|item| get_s(item, "tenant")).filter_map(|t| TenantId::parse(t).ok()).collect())
    }

    // ------------------------------------------------------------------ catalogue

    /// Creates or replaces a product.
    pub async fn put_product(&self, tenant: &TenantId, product: &Product) -> Result<(), StoreError> {
        let item = ProductItem {
            PK: keys::sku_pk(tenant, &product.sku),
            SK: keys::PRODUCT_SK.into(),
            entity: "product".into(),
            GSI1PK: keys::products_gsi_pk(tenant),
            GSI1SK: product.sku.to_string(),
            product: product.clone(),
        };
        self.put("product", to_item("product", &item)?).await
    }

    /// Creates or replaces a customer's price for a product.
    pub async fn put_customer_price(
        &self,
        tenant: &TenantId,
        sku: &Sku,
        customer: &CustomerId,
        price: &CustomerPrice,
    ) -> Result<(), StoreError> {
        let mut item = to_item("customer price", price)?;
        item.extend(key(keys::sku_pk(tenant, sku), keys::price_sk(customer)));
        item.insert("entity".into(), s("customer_price"));
        item.insert("customer_id".into(), s(customer.as_str()));
        self.put("customer price", item).await
    }

    /// Sets the on-hand stock of a SKU in a warehouse (keeps what is reserved).
    pub async fn set_stock(
        &self,
        tenant: &TenantId,
        sku: &Sku,
        warehouse: &WarehouseId,
        on_hand: Decimal,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::sku_pk(tenant, sku), keys::stock_sk(warehouse))))
            .update_expression(
                "SET on_hand = :on_hand, warehouse = :warehouse, entity = :entity, \
                 reserved = if_not_exists(reserved, :zero), available = :on_hand - if_not_exists(reserved, :zero)",
            )
            .expression_attribute_values(":on_hand", n(on_hand))
            .expression_attribute_values(":warehouse", s(warehouse.as_str()))
            .expression_attribute_values(":entity", s("stock"))
            .expression_attribute_values(":zero", n(Decimal::ZERO))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("set stock of {sku} in {warehouse}"), e))?;
        Ok(())
    }

    /// Creates or replaces a customer.
    pub async fn put_customer(&self, tenant: &TenantId, customer: &Customer) -> Result<(), StoreError> {
        let mut item = to_item("customer", customer)?;
        item.extend(key(keys::customer_pk(tenant, &customer.id), keys::CUSTOMER_SK));
        item.insert("entity".into(), s("customer"));
        self.put("customer", item).await
    }

    /// A customer of the register.
    pub async fn get_customer(&self, tenant: &TenantId, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
        match self.get("customer", keys::customer_pk(tenant, id), keys::CUSTOMER_SK).await? {
            None => Ok(None),
            Some(item) => from_item("customer", item).map(Some),
        }
    }

    /// Reads products, the customer's prices and stock per warehouse for `skus`, in batches of 100 keys.
    pub async fn load_catalogue(
        &self,
        tenant: &TenantId,
        skus: &[Sku],
        customer: Option<&CustomerId>,
        warehouses: &[WarehouseId],
    ) -> Result<CatalogueView, StoreError> {
        let mut unique: Vec<&Sku> = skus.iter().collect();
        unique.sort();
        unique.dedup();
        let mut wanted = Vec::new();
        for sku in unique {
            wanted.push(key(keys::sku_pk(tenant, sku), keys::PRODUCT_SK));
            if let Some(customer) = customer {
                wanted.push(key(keys::sku_pk(tenant, sku), keys::price_sk(customer)));
            }
            for warehouse in warehouses {
                wanted.push(key(keys::sku_pk(tenant, sku), keys::stock_sk(warehouse)));
            }
        }
        let items = self.batch_get(wanted).await?;
        let sku_prefix = format!("T#{tenant}#SKU#");
        let mut view = CatalogueView::default();
        for item in items {
            let (Some(pk), Some(sk)) = (get_s(&item, PK), get_s(&item, SK)) else {
                continue;
            };
            let Some(sku) = pk.strip_prefix(&sku_prefix).and_then(|s| Sku::parse(s).ok()) else {
                continue;
            };
            if sk == keys::PRODUCT_SK {
                let product: ProductItem = from_item(&format!("product {sku}"), item)?;
                view.products.insert(sku, product.product);
            } else if sk.starts_with("PRICE#") {
                let price: CustomerPrice = from_item(&format!("customer price of {sku}"), item)?;
                view.customer_prices.insert(sku, price);
            } else if let Some(warehouse) = sk.strip_prefix("W#") {
                let level =
                    stock_level(warehouse, &item).ok_or_else(|| corrupt(format!("stock of {sku}"), "no on_hand"))?;
                view.stock.entry(sku).or_default().push(level);
            }
        }
        // Lot-tracked products keep stock per lot: read every lot of those SKUs (one query each).
        let lot_tracked: Vec<Sku> = view.products.values().filter(|p| p.lot_tracked).map(|p| p.sku.clone()).collect();
        let lots = futures::future::try_join_all(lot_tracked.iter().map(|sku| self.lot_levels(tenant, sku))).await?;
        for (sku, levels) in lot_tracked.into_iter().zip(lots) {
            view.stock.insert(sku, levels);
        }
        for levels in view.stock.values_mut() {
            levels.retain(|l| warehouses.contains(&l.warehouse));
            sort_for_reservation(levels, warehouses);
        }
        Ok(view)
    }

    async fn batch_get(&self, keys_wanted: Vec<Item>) -> Result<Vec<Item>, StoreError> {
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

    /// Every lot of a lot-tracked SKU, in every warehouse.
    async fn lot_levels(&self, tenant: &TenantId, sku: &Sku) -> Result<Vec<StockLevel>, StoreError> {
        let items = self.partition(keys::sku_pk(tenant, sku), Some("W#"), &format!("read lots of {sku}")).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let rest = get_s(item, SK)?.strip_prefix("W#")?;
                rest.contains("#L#").then(|| stock_level(rest, item)).flatten()
            })
            .collect())
    }

    /// Sets the on-hand stock of one lot (with its expiry date) of a lot-tracked SKU.
    pub async fn set_lot_stock(
        &self,
        tenant: &TenantId,
        sku: &Sku,
        warehouse: &WarehouseId,
        lot: &str,
        expires: Option<time::Date>,
        on_hand: Decimal,
    ) -> Result<(), StoreError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::sku_pk(tenant, sku), keys::lot_stock_sk(warehouse, Some(lot)))))
            .update_expression(
                "SET on_hand = :on_hand, warehouse = :warehouse, lot = :lot, entity = :entity, expires = :expires, \
                 reserved = if_not_exists(reserved, :zero), available = :on_hand - if_not_exists(reserved, :zero)",
            )
            .expression_attribute_values(":on_hand", n(on_hand))
            .expression_attribute_values(":warehouse", s(warehouse.as_str()))
            .expression_attribute_values(":lot", s(lot))
            .expression_attribute_values(":entity", s("stock"))
            .expression_attribute_values(":zero", n(Decimal::ZERO));
        request = match expires.and_then(|d| d.format(&format).ok()) {
            Some(date) => request.expression_attribute_values(":expires", s(date)),
            None => request.expression_attribute_values(":expires", AttributeValue::Null(true)),
        };
        request.send().await.map_err(|e| dynamo_error(format!("set stock of {sku} lot {lot}"), e))?;
        Ok(())
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

    /// One page of the tenant's catalogue, ordered by SKU.
    pub async fn list_products(
        &self,
        tenant: &TenantId,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<(Vec<Product>, Option<PageKey>), StoreError> {
        let (items, next) = self.index_page("GSI1", keys::products_gsi_pk(tenant), false, limit, start).await?;
        let products = items
            .into_iter()
            .map(|item| from_item::<ProductItem>("product", item).map(|p| p.product))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((products, next))
    }

    // ------------------------------------------------------------------ orders

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
                let order_id = get_s(&item, "order_id")
                    .and_then(|id| OrderId::parse(id).ok())
                    .ok_or_else(|| corrupt("uniqueness record", "no order_id"))?;
                let same_request = get_s(&item, "fingerprint") == Some(new.fingerprint);
                return Ok(CreateOutcome::Duplicate { of, order_id, same_request });
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
        let order_id = get_s(item, "order_id")
            .and_then(|id| OrderId::parse(id).ok())
            .ok_or_else(|| corrupt("uniqueness record", "no order_id"))?;
        Ok(Some(CreateOutcome::Duplicate {
            of,
            order_id,
            same_request: get_s(item, "fingerprint") == Some(fingerprint),
        }))
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

    /// An order with its history, oldest entry first; `None` if the tenant has no such order.
    pub async fn get_order_with_history(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<HistoryEntry>)>, StoreError> {
        Ok(self.get_order_detail(tenant, order_id).await?.map(|detail| (detail.order, detail.history)))
    }

    /// An order with its history and seller notes (one partition query).
    pub async fn get_order_detail(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<OrderDetail>, StoreError> {
        let items = self.partition(keys::order_pk(tenant, order_id), None, &format!("read order {order_id}")).await?;
        let mut order = None;
        let mut history = Vec::new();
        let mut notes = Vec::new();
        let mut despatches = Vec::new();
        let mut invoices = Vec::new();
        let mut requests = Vec::new();
        let mut buyer_messages = Vec::new();
        for item in items {
            let sk = get_s(&item, SK).unwrap_or_default().to_owned();
            if sk == keys::ORDER_SK {
                let stored: OrderItem = from_item(&format!("order {order_id}"), item)?;
                order = Some((stored.order, stored.version));
            } else if sk.starts_with(keys::HISTORY_PREFIX) {
                let stored: HistoryItem = from_item(&format!("history of {order_id}"), item)?;
                history.push(stored.entry);
            } else if sk.starts_with(notes::NOTE_PREFIX) {
                notes.push(from_item(&format!("note of {order_id}"), item)?);
            } else if sk.starts_with(notes::MESSAGE_PREFIX) {
                buyer_messages.push(from_item(&format!("buyer message of {order_id}"), item)?);
            } else if sk.starts_with(despatch::DESPATCH_PREFIX) {
                let stored: despatch::DespatchItem = from_item(&format!("despatch of {order_id}"), item)?;
                despatches.push(stored.despatch);
            } else if sk.starts_with("I#") {
                invoices.push(from_item(&format!("invoice link of {order_id}"), item)?);
            } else if sk.starts_with(portal::REQUEST_PREFIX) {
                requests.push(portal::request_of(item)?);
            }
        }
        let (notes, legacy) = notes::split_notes(notes);
        buyer_messages.extend(legacy);
        buyer_messages.sort_by_key(|m: &orders_domain::portal::BuyerMessage| m.at);
        Ok(order.map(|(order, version)| OrderDetail {
            order,
            version,
            history,
            notes,
            buyer_messages,
            despatches,
            invoices,
            requests,
        }))
    }
}

/// An order with its version, history log and seller notes.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    /// The order.
    pub order: Order,
    /// Its version (the `ETag`).
    pub version: u64,
    /// History, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Seller notes, oldest first.
    pub notes: Vec<orders_domain::order::SellerNote>,
    /// What buyers wrote about it in the portal, oldest first.
    pub buyer_messages: Vec<orders_domain::portal::BuyerMessage>,
    /// Despatch advices, by number.
    pub despatches: Vec<orders_domain::despatch::Despatch>,
    /// Its billing documents (invoices, credit and debit notes), by number.
    pub invoices: Vec<InvoiceLink>,
    /// The buyer's change and cancellation requests, oldest first.
    pub requests: Vec<orders_domain::portal::BuyerRequest>,
}

/// A stock item (`W#{warehouse}` or `W#{warehouse}#L#{lot}`) as a level.
fn stock_level(sort_key_rest: &str, item: &Item) -> Option<StockLevel> {
    let (warehouse, lot) = match sort_key_rest.split_once("#L#") {
        Some((warehouse, lot)) => (warehouse, Some(lot.to_owned())),
        None => (sort_key_rest, None),
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Some(StockLevel {
        warehouse: WarehouseId::parse(warehouse).ok()?,
        lot,
        expires: get_s(item, "expires").and_then(|d| time::Date::parse(d, &format).ok()),
        on_hand: get_n(item, "on_hand")?,
        reserved: get_n(item, "reserved").unwrap_or_default(),
    })
}

pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = 10u64.saturating_mul(1 << attempt.min(6));
    let jitter = u64::from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0) % 10,
    );
    Duration::from_millis(base + base * jitter / 10)
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

fn upsert_customer(
    table: &str,
    tenant: &TenantId,
    customer: &Customer,
    now: &OffsetDateTime,
) -> Result<TransactWriteItem, StoreError> {
    let mut sets = vec![
        "#name = :name",
        "email = :email",
        "id = :id",
        "entity = :entity",
        "updated_at = :now",
        "created_at = if_not_exists(created_at, :now)",
    ];
    let mut values: Item = HashMap::from([
        (":name".into(), s(customer.name.clone())),
        (":email".into(), s(customer.email.as_str())),
        (":id".into(), s(customer.id.as_str())),
        (":entity".into(), s("customer")),
        (":now".into(), s(sortable_timestamp(*now))),
    ]);
    if let Some(language) = &customer.language {
        sets.push("#language = :language");
        values.insert(":language".into(), s(language.as_str()));
    }
    if let Some(vat_id) = &customer.vat_id {
        sets.push("vat_id = :vat_id");
        values.insert(":vat_id".into(), s(vat_id.clone()));
    }
    if let Some(address) = &customer.address {
        sets.push("address = :address");
        values.insert(
            ":address".into(),
            serde_dynamo::to_attribute_value(address).map_err(|e| corrupt("customer address", e))?,
        );
    }
    let mut names = HashMap::from([("#name".to_owned(), "name".to_owned())]);
    if customer.language.is_some() {
        names.insert("#language".into(), "language".into());
    }
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::customer_pk(tenant, &customer.id), keys::CUSTOMER_SK)))
        .update_expression(format!("SET {}", sets.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| corrupt("customer upsert", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}
