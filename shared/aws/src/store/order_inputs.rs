//! What pricing a new order reads, in one `BatchGetItem`: the uniqueness records that find a repeated request,
//! the buyer's customer record, and the catalogue view of the ordered SKUs (docs/architecture.md "Cost and speed
//! budgets": one read request where there were three) — with the caller's key item and the tenant's settings, when
//! the caller presumed them from the container's memory (then one request where there were five).

use orders_domain::catalogue::{CatalogueView, Customer};
use orders_domain::ids::{CustomerId, Sku, TenantId, WarehouseId};
use orders_domain::tenant::TenantSettings;

use super::catalogue::catalogue_keys;
use super::{from_item, key, ApiKeyRecord, CreateOutcome, DuplicateCheck, Store, StoreError};
use crate::keys;

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
    /// Also read: the caller's key item, by the SHA-256 of the key (a key presumed from the container's memory,
    /// confirmed by this read).
    pub caller_key: Option<&'a str>,
    /// Also read: the tenant's settings (then `warehouses` came from this container's copy of them).
    pub settings: bool,
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
    /// The caller's key as stored now (when asked for and found).
    pub caller_key: Option<ApiKeyRecord>,
    /// The tenant's settings as stored now (when asked for and found).
    pub settings: Option<TenantSettings>,
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
        if let Some(hash) = request.caller_key {
            wanted.push(Store::api_key_key(hash));
        }
        if request.settings {
            wanted.push(key(keys::tenant_pk(tenant), keys::TENANT_SK));
        }
        let mut items = self.batch_get(wanted).await?;
        let caller_key = match request.caller_key {
            Some(hash) => Store::take_api_key(&mut items, hash)?,
            None => None,
        };
        let settings = match request.settings {
            true => self.take_tenant(&mut items, tenant)?,
            false => None,
        };
        let duplicate = match &request.duplicate {
            Some(check) => check.among(tenant, &items)?,
            None => None,
        };
        let customer =
            Store::take_item(&mut items, &customer_key).map(|item| from_item("customer", item)).transpose()?;
        let catalogue = self.catalogue_from(tenant, items, request.warehouses).await?;
        Ok(OrderInputs { duplicate, customer, catalogue, caller_key, settings })
    }

    /// The buyer's customer record and the catalogue view of `skus`, in one read (no repeat check).
    pub async fn customer_and_catalogue(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        skus: &[Sku],
        warehouses: &[WarehouseId],
    ) -> Result<(Option<Customer>, CatalogueView), StoreError> {
        let request = OrderInputsRequest {
            tenant,
            duplicate: None,
            customer,
            skus,
            warehouses,
            caller_key: None,
            settings: false,
        };
        let inputs = self.order_inputs(&request).await?;
        Ok((inputs.customer, inputs.catalogue))
    }
}
