//! The product catalogue: products, customers' prices, and the catalogue view that pricing reads (the products,
//! prices and stock levels of a set of SKUs).

use serde::{Deserialize, Serialize};

use orders_domain::catalogue::{sort_for_reservation, CustomerPrice, Gtin, Product};
use orders_domain::ids::{CustomerId, Sku, TenantId, WarehouseId};

use super::stock::stock_level;
use super::{corrupt, from_item, get_s, key, s, to_item, CatalogueView, PageKey, Store, StoreError};
use crate::keys::{self, PK, SK};

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

impl Store {
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
        self.put("product", to_item("product", &item)?).await?;
        if let Some(gtin) = &product.gtin {
            // After the product, as a customer's Peppol id: a reader checks that the product still has the GTIN.
            let mut entry = key(keys::product_gtin_pk(tenant, gtin.as_str()), keys::PRODUCT_SK);
            entry.insert("entity".into(), s("product_gtin"));
            entry.insert("sku".into(), s(product.sku.as_str()));
            self.put("product's GTIN", entry).await?;
        }
        Ok(())
    }

    /// The SKU of the product with the GTIN `gtin`, if any: the entry its last write left, checked against the
    /// product (which may have another GTIN by now, or be gone). Two reads.
    pub async fn sku_by_gtin(&self, tenant: &TenantId, gtin: &Gtin) -> Result<Option<Sku>, StoreError> {
        let pk = keys::product_gtin_pk(tenant, gtin.as_str());
        let Some(entry) = self.get("product's GTIN", pk, keys::PRODUCT_SK).await? else { return Ok(None) };
        let sku = entry.get("sku").and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt("product's GTIN", "no sku"))?;
        let sku = Sku::parse(sku.as_str()).map_err(|e| corrupt("product's GTIN", e.0))?;
        let Some(item) = self.get("product", keys::sku_pk(tenant, &sku), keys::PRODUCT_SK).await? else {
            return Ok(None);
        };
        let product: ProductItem = from_item("product", item)?;
        Ok((product.product.gtin.as_ref() == Some(gtin)).then_some(sku))
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

    /// Reads products, the customer's prices and stock per warehouse for `skus`, in batches of 100 keys.
    pub async fn load_catalogue(
        &self,
        tenant: &TenantId,
        skus: &[Sku],
        customer: Option<&CustomerId>,
        warehouses: &[WarehouseId],
    ) -> Result<CatalogueView, StoreError> {
        let items = self.batch_get(catalogue_keys(tenant, skus, customer, warehouses)).await?;
        self.catalogue_from(tenant, items, warehouses).await
    }

    /// The catalogue view of `items` read by [`catalogue_keys`] (other items are ignored): lot-tracked products
    /// keep stock per lot, so every lot of those SKUs is read (one query each).
    pub(super) async fn catalogue_from(
        &self,
        tenant: &TenantId,
        items: Vec<super::Item>,
        warehouses: &[WarehouseId],
    ) -> Result<CatalogueView, StoreError> {
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
}

/// The keys of the catalogue view of `skus`: each product, the customer's price of it, and its stock in each of
/// `warehouses`.
pub(super) fn catalogue_keys(
    tenant: &TenantId,
    skus: &[Sku],
    customer: Option<&CustomerId>,
    warehouses: &[WarehouseId],
) -> Vec<super::Item> {
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
    wanted
}
