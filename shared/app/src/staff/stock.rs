//! Stock counts: staff set what is physically on hand of a product in one of the seller's warehouses (of one lot
//! for lot-tracked products); what is reserved for orders stays as it is. A count below the product's minimum
//! suggests a reorder (up to its target level); one back at or above it clears the suggestion.

use rust_decimal::Decimal;

use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::admin::StockUpdate;
use orders_domain::catalogue::ReorderLevel;
use orders_domain::ids::{Sku, WarehouseId};
use orders_domain::FieldError;

use super::{tenant_settings, ActionError};

/// A stock level after a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    /// Physically on hand.
    pub on_hand: Decimal,
    /// Reserved for orders.
    pub reserved: Decimal,
    /// On hand and not reserved.
    pub available: Decimal,
}

/// Sets the on-hand stock of `sku` in `warehouse` (one of the caller's tenant's) as `update` says: a lot for a
/// lot-tracked product, none for any other. Answers the level now.
pub async fn set_stock(
    store: &Store,
    caller: &ApiKeyRecord,
    sku: &Sku,
    warehouse: &WarehouseId,
    update: &StockUpdate,
) -> Result<StockLevel, ActionError> {
    let tenant = tenant_settings(store, caller).await?;
    if !tenant.warehouses.contains(warehouse) {
        return Err(ActionError::NotFound(format!("warehouse {warehouse}")));
    }
    let catalogue = store.load_catalogue(&caller.tenant, std::slice::from_ref(sku), None, &[]).await?;
    let product = catalogue.products.get(sku).ok_or_else(|| ActionError::NotFound(format!("product {sku}")))?;
    match (&update.lot, product.lot_tracked) {
        (Some(lot), true) => {
            store.set_lot_stock(&caller.tenant, sku, warehouse, lot, update.expires_date, update.on_hand).await?
        }
        (None, false) => store.set_stock(&caller.tenant, sku, warehouse, update.on_hand).await?,
        (None, true) => {
            return Err(ActionError::Invalid(vec![FieldError::new(
                "/lot",
                format!("{sku} is lot-tracked: name the lot"),
            )]))
        }
        (Some(_), false) => {
            return Err(ActionError::Invalid(vec![FieldError::new("/lot", format!("{sku} is not lot-tracked"))]))
        }
    }
    let (on_hand, reserved, available) =
        store.stock_level(&caller.tenant, sku, warehouse, update.lot.as_deref()).await?.unwrap_or_default();
    tracing::info!(tenant = %caller.tenant, %sku, %warehouse, actor = %caller.key_id, %on_hand, "stock set");
    if let Some(level) = ReorderLevel::of(product) {
        // A count can take stock below the minimum (shrinkage) or back above it (goods in): the suggestion follows
        // what is available over all the seller's warehouses now.
        let after = store.load_catalogue(&caller.tenant, std::slice::from_ref(sku), None, &tenant.warehouses).await?;
        let need = level.need(sku, after.available(sku));
        store.record_reorder_need(&caller.tenant, sku, need.as_ref(), time::OffsetDateTime::now_utc()).await?;
    }
    Ok(StockLevel { on_hand, reserved, available })
}
