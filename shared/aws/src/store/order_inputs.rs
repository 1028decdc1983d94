//! What pricing a new order reads, in one `BatchGetItem`: the uniqueness records that find a repeated request,
//! the buyer's customer record, and the catalogue view of the ordered SKUs (docs/architecture.md "Cost and speed
//! budgets": one read request where there were three).

use orders_domain::catalogue::{CatalogueView, Customer};
use orders_domain::ids::{CustomerId, Sku, TenantId, WarehouseId};

use super::catalogue::catalogue_keys;
use super::{from_item, get_s, key, CreateOutcome, DuplicateCheck, Store, StoreError};
use crate::keys::{self, PK, SK};

/// What to read for pricing a new order of `tenant`.
#[derive(Debug, Clone, Copy)]
pub struct OrderInputsRequest<'a> {
    /// The seller.
    pub tenant: &'a TenantId,
    /// How a repeat of this request is recognised (`None`: not checked here).
    pub duplicate: Option<DuplicateCheck<'a>>,
    /// The buyer.
    pub customer: &'a CustomerId,
    /// The ordered SKUs (repeats allowed).
    pub skus: &'a [Sku],
    /// The tenant's warehouses, whose stock is read.
    pub warehouses: &'a [WarehouseId],
}

/// What [`Store::order_inputs`] found.
#[derive(Debug, Clone)]
pub struct OrderInputs {
    /// The order an earlier identical (or conflicting) request stored.
    pub duplicate: Option<CreateOutcome>,
    /// The buyer's customer record, if registered.
    pub customer: Option<Customer>,
    /// Products, the buyer's prices and stock of the SKUs.
    pub catalogue: CatalogueView,
}

impl Store {
    /// Reads everything `request` names in one `BatchGetItem` (more only past 100 keys, or for lot-tracked
    /// products' lots).
    pub async fn order_inputs(&self, request: &OrderInputsRequest<'_>) -> Result<OrderInputs, StoreError> {
        let tenant = request.tenant;
        let customer_key = key(keys::customer_pk(tenant, request.customer), keys::CUSTOMER_SK);
        let mut wanted = request.duplicate.map(|check| check.keys(tenant)).unwrap_or_default();
        wanted.push(customer_key.clone());
        wanted.extend(catalogue_keys(tenant, request.skus, Some(request.customer), request.warehouses));
        let mut items = self.batch_get(wanted).await?;
        let duplicate = match &request.duplicate {
            Some(check) => check.among(tenant, &items)?,
            None => None,
        };
        let is_customer = |item: &super::Item| {
            get_s(item, PK) == get_s(&customer_key, PK) && get_s(item, SK) == get_s(&customer_key, SK)
        };
        let customer = match items.iter().position(is_customer) {
            Some(at) => Some(from_item("customer", items.swap_remove(at))?),
            None => None,
        };
        let catalogue = self.catalogue_from(tenant, items, request.warehouses).await?;
        Ok(OrderInputs { duplicate, customer, catalogue })
    }

    /// The buyer's customer record and the catalogue view of `skus`, in one read (no repeat check).
    pub async fn customer_and_catalogue(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        skus: &[Sku],
        warehouses: &[WarehouseId],
    ) -> Result<(Option<Customer>, CatalogueView), StoreError> {
        let request = OrderInputsRequest { tenant, duplicate: None, customer, skus, warehouses };
        let inputs = self.order_inputs(&request).await?;
        Ok((inputs.customer, inputs.catalogue))
    }
}
