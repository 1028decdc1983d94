//! Reads for the analysts' reports: whole result sets paged through the indexes (no scans).

use std::collections::HashMap;

use orders_domain::catalogue::Product;
use orders_domain::ids::{CustomerId, Sku, TenantId};
use orders_domain::invoice::Invoice;
use orders_domain::order::{Order, OrderStatus};
use orders_domain::reports::Period;

use super::{from_item, get_s, key, keys, OrderItem, PageKey, Store, StoreError};
use crate::keys::{PK, SK};
use crate::store::invoices::InvoiceFilter;

impl Store {
    /// Hands each order `tenant` received in `period` to `each`, day by day and page by page through the
    /// by-day index (GSI4, keys only) and reads of the page's orders by key: only one page of orders is held at a
    /// time.
    pub async fn each_order_of_period(
        &self,
        tenant: &TenantId,
        period: &Period,
        mut each: impl FnMut(&Order),
    ) -> Result<(), StoreError> {
        for day in period.days() {
            let partition = keys::day_gsi_pk(tenant, &day.to_string());
            let mut start: Option<PageKey> = None;
            loop {
                // The index holds keys only (an entry is written once per order): read the page's orders by key.
                let (entries, next) = self.index_page("GSI4", partition.clone(), false, 500, start).await?;
                let wanted: Vec<_> = entries
                    .iter()
                    .filter_map(|entry| Some(key(get_s(entry, PK)?.to_owned(), get_s(entry, SK)?)))
                    .collect();
                let mut orders = self
                    .batch_get(wanted)
                    .await?
                    .into_iter()
                    .map(|item| from_item::<OrderItem>("order", item).map(|stored| Order::from(stored.order)))
                    .collect::<Result<Vec<_>, _>>()?;
                orders.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
                orders.iter().for_each(&mut each);
                match next {
                    Some(next) => start = Some(next),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// Every order of `tenant` now in one of `statuses`, through the list index (GSI1), page by page.
    pub async fn orders_in_statuses(
        &self,
        tenant: &TenantId,
        statuses: &[OrderStatus],
    ) -> Result<Vec<Order>, StoreError> {
        let mut orders = Vec::new();
        for status in statuses {
            self.each_order_in("GSI1", keys::status_gsi_pk(tenant, status.as_str()), &mut |order| orders.push(order))
                .await?;
        }
        Ok(orders)
    }

    /// Hands each order of one partition of `index` to `each`, page by page.
    async fn each_order_in(
        &self,
        index: &str,
        partition: String,
        each: &mut impl FnMut(Order),
    ) -> Result<(), StoreError> {
        let mut start: Option<PageKey> = None;
        loop {
            let (items, next) = self.index_page(index, partition.clone(), false, 500, start).await?;
            for item in items {
                let stored: OrderItem = from_item("order", item)?;
                each(Order::from(stored.order));
            }
            match next {
                Some(next) => start = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// The names of `customers` (from the register) and of `skus` (from the catalogue) as they are now, by id and
    /// by SKU; those not found are left out. One batch read (100 keys a request): facts carry ids only.
    pub async fn names_of(
        &self,
        tenant: &TenantId,
        customers: &[CustomerId],
        skus: &[Sku],
    ) -> Result<MemberNames, StoreError> {
        // Each item's partition key → the id or SKU it was asked for (its sort key tells which of the two it is).
        let mut of_key: HashMap<String, String> = HashMap::new();
        let mut wanted = Vec::new();
        for (pk, sk, id) in customers
            .iter()
            .map(|c| (keys::customer_pk(tenant, c), keys::CUSTOMER_SK, c.as_str()))
            .chain(skus.iter().map(|sku| (keys::sku_pk(tenant, sku), keys::PRODUCT_SK, sku.as_str())))
        {
            wanted.push(key(pk.clone(), sk));
            of_key.insert(pk, id.to_owned());
        }
        let mut names = MemberNames::default();
        for item in self.batch_get(wanted).await? {
            let (Some(pk), Some(sk), Some(name)) = (get_s(&item, PK), get_s(&item, SK), get_s(&item, "name")) else {
                continue;
            };
            let Some(id) = of_key.remove(pk) else { continue };
            let names = if sk == keys::CUSTOMER_SK { &mut names.customers } else { &mut names.products };
            names.insert(id, name.to_owned());
        }
        Ok(names)
    }

    /// The whole catalogue of `tenant`.
    pub async fn all_products(&self, tenant: &TenantId) -> Result<Vec<Product>, StoreError> {
        let mut products = Vec::new();
        let mut start = None;
        loop {
            let (page, next) = self.list_products(tenant, 500, start).await?;
            products.extend(page);
            match next {
                Some(next) => start = Some(next),
                None => return Ok(products),
            }
        }
    }

    /// Every billing document of `tenant` issued in `from..=to` (`YYYY-MM-DD`; open ends when `None`).
    pub async fn documents_issued(
        &self,
        tenant: &TenantId,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<Vec<Invoice>, StoreError> {
        let filter = InvoiceFilter { issued_from: from, issued_to: to, ..InvoiceFilter::default() };
        let mut documents = Vec::new();
        let mut start = None;
        loop {
            let page = self.list_invoices(tenant, &filter, 500, start).await?;
            documents.extend(page.items.into_iter().map(|stored| stored.invoice));
            match page.next {
                Some(next) => start = Some(next),
                None => return Ok(documents),
            }
        }
    }
}

/// Names of customers and products, from [`Store::names_of`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberNames {
    /// Customer id → name.
    pub customers: HashMap<String, String>,
    /// SKU → product name.
    pub products: HashMap<String, String>,
}
