//! Stock levels per warehouse and lot: setting on-hand quantities, and reading stock items back as levels.

use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;

use orders_domain::catalogue::StockLevel;
use orders_domain::ids::{Sku, TenantId, WarehouseId};

use super::{dynamo_error, get_n, get_s, key, n, s, Item, Store, StoreError};
use crate::keys::{self, SK};

impl Store {
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

    /// Every lot of a lot-tracked SKU, in every warehouse.
    pub(super) async fn lot_levels(&self, tenant: &TenantId, sku: &Sku) -> Result<Vec<StockLevel>, StoreError> {
        let items = self.partition(keys::sku_pk(tenant, sku), Some("W#"), &format!("read lots of {sku}")).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let rest = get_s(item, SK)?.strip_prefix("W#")?;
                rest.contains("#L#").then(|| stock_level(rest, item)).flatten()
            })
            .collect())
    }
}

/// A stock item (`W#{warehouse}` or `W#{warehouse}#L#{lot}`) as a level.
pub(super) fn stock_level(sort_key_rest: &str, item: &Item) -> Option<StockLevel> {
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
