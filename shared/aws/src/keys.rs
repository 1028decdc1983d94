//! Key layout of the single table (docs/architecture.md "Data"). Every partition key of tenant data starts with
//! `T#{tenant}#`, so no query can cross tenants.

use orders_domain::ids::{CustomerId, OrderId, Sku, TenantId, WarehouseId};

/// Partition key attribute.
pub const PK: &str = "PK";
/// Sort key attribute.
pub const SK: &str = "SK";

/// `T#{tenant}#O#{order}`: the order, its history, notes, despatches and email records.
pub fn order_pk(tenant: &TenantId, order: &OrderId) -> String {
    format!("T#{tenant}#O#{order}")
}
/// Sort key of the order item.
pub const ORDER_SK: &str = "ORDER";
/// Sort key of the order's seller-notes marker: written with every seller note (`count`), absent while the order
/// has none — what a stage that planned from an event's carried order checks instead of reading the notes.
pub const NOTES_SK: &str = "NOTES";
/// Sort key prefix of history entries.
pub const HISTORY_PREFIX: &str = "H#";

/// `H#{at}#{seq}`.
pub fn history_sk(at: &str, seq: u32) -> String {
    format!("{HISTORY_PREFIX}{at}#{seq:04}")
}

/// `T#{tenant}#SKU#{sku}`: product, customer prices and stock per warehouse.
pub fn sku_pk(tenant: &TenantId, sku: &Sku) -> String {
    format!("T#{tenant}#SKU#{sku}")
}
/// Sort key of the product item.
pub const PRODUCT_SK: &str = "PRODUCT";
/// `PRICE#{customer}`.
pub fn price_sk(customer: &CustomerId) -> String {
    format!("PRICE#{customer}")
}
/// `W#{warehouse}`.
pub fn stock_sk(warehouse: &WarehouseId) -> String {
    format!("W#{warehouse}")
}

/// `W#{warehouse}#L#{lot}`: one lot (batch) of a lot-tracked product; without a lot, [`stock_sk`].
pub fn lot_stock_sk(warehouse: &WarehouseId, lot: Option<&str>) -> String {
    match lot {
        Some(lot) => format!("W#{warehouse}#L#{lot}"),
        None => stock_sk(warehouse),
    }
}

/// `T#{tenant}#C#{customer}`.
pub fn customer_pk(tenant: &TenantId, customer: &CustomerId) -> String {
    format!("T#{tenant}#C#{customer}")
}
/// Partition key of the catalogue's entry naming the product with a GTIN (sort key [`PRODUCT_SK`]).
pub fn product_gtin_pk(tenant: &TenantId, gtin: &str) -> String {
    format!("T#{tenant}#GTIN#{gtin}")
}
/// Partition key of the records of documents access points delivered (sort key: the object key).
pub fn inbound_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#INBOUND")
}
/// Partition key of the tenant's webhook endpoints (sort key `E#{endpoint}`).
pub fn webhook_endpoints_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#WHE")
}
/// Partition key of one webhook endpoint's deliveries (sort key `D#{message id}`).
pub fn webhook_deliveries_pk(tenant: &TenantId, endpoint: &str) -> String {
    format!("T#{tenant}#WHE#{endpoint}")
}
/// Partition key of the register's entry naming the customer with a Peppol id (sort key [`CUSTOMER_SK`]).
pub fn customer_peppol_pk(tenant: &TenantId, scheme: &str, id: &str) -> String {
    format!("T#{tenant}#PEPPOL#{scheme}:{id}")
}
/// Sort key of the customer item.
pub const CUSTOMER_SK: &str = "CUSTOMER";

/// `T#{tenant}`: tenant settings.
pub fn tenant_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}")
}
/// Sort key of the tenant item.
pub const TENANT_SK: &str = "TENANT";

/// `KEY#{sha256(key)}`: an API key, stored only as its hash.
pub fn api_key_pk(key_hash: &str) -> String {
    format!("KEY#{key_hash}")
}
/// Sort key of the API key item.
pub const API_KEY_SK: &str = "KEY";

/// `T#{tenant}#ONO#{channel}#{order_number}`: the webshop's order number, unique per tenant and channel.
pub fn order_number_pk(tenant: &TenantId, channel: &str, order_number: &str) -> String {
    format!("T#{tenant}#ONO#{channel}#{order_number}")
}
/// Sort key of the order number item.
pub const ORDER_NUMBER_SK: &str = "ONO";

/// `T#{tenant}#IDEM#{key}`: an `Idempotency-Key`.
pub fn idempotency_pk(tenant: &TenantId, key: &str) -> String {
    format!("T#{tenant}#IDEM#{key}")
}
/// Sort key of the idempotency item.
pub const IDEMPOTENCY_SK: &str = "IDEM";

/// A tenant's despatch-number record: `T#{tenant}#DSP#{number}` (numbers are unique per tenant).
pub fn despatch_number_pk(tenant: &TenantId, number: &str) -> String {
    format!("T#{tenant}#DSP#{number}")
}
/// GSI1 (list/filter): `T#{tenant}#S#{status}`.
pub fn status_gsi_pk(tenant: &TenantId, status: &str) -> String {
    format!("T#{tenant}#S#{status}")
}
/// GSI1 partition of the catalogue: `T#{tenant}#PRODUCTS` / sku.
pub fn products_gsi_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#PRODUCTS")
}
/// GSI1 partition of the customer register, by name: `T#{tenant}#CUSTOMERS` / [`customer_name_gsi_sk`].
pub fn customers_gsi_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#CUSTOMERS")
}
/// GSI1 sort key of a customer: `{name key}\u{1f}{customer}`, the name key being
/// `orders_domain::listing::customer_name_key`. The separator sorts below every character of a name, so a name comes
/// before the longer names it starts (`acme` before `acme nordic`), and `begins_with` on a name key finds the names
/// starting with it.
pub fn customer_name_gsi_sk(name_key: &str, customer: &CustomerId) -> String {
    format!("{name_key}\u{1f}{customer}")
}
/// GSI2 (by customer): `T#{tenant}#C#{customer}`.
pub fn customer_gsi_pk(tenant: &TenantId, customer: &CustomerId) -> String {
    format!("T#{tenant}#C#{customer}")
}
/// GSI2 partition of the customers with one email address: `T#{tenant}#EMAIL#{address in lower case}` / customer
/// id.
pub fn customer_email_gsi_pk(tenant: &TenantId, email_key: &str) -> String {
    format!("T#{tenant}#EMAIL#{email_key}")
}
/// GSI3 (publish pending) shards; the relay queries each.
pub const PUBLISH_SHARDS: u32 = 4;
/// GSI3 partition of an order: `PUB#{0..PUBLISH_SHARDS}` chosen from the order id.
pub fn publish_gsi_pk(order: &OrderId) -> String {
    let shard = order.as_str().bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("PUB#{}", shard % PUBLISH_SHARDS)
}
/// GSI3 partition of an email record still `sending`: `MAIL#{0..PUBLISH_SHARDS}` chosen from the order id.
pub fn mail_gsi_pk(order: &OrderId) -> String {
    publish_gsi_pk(order).replacen("PUB#", "MAIL#", 1)
}
/// GSI4 (by day): `T#{tenant}#D#{yyyy-mm-dd}`.
pub fn day_gsi_pk(tenant: &TenantId, day: &str) -> String {
    format!("T#{tenant}#D#{day}")
}
