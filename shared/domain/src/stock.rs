//! Stock as reservations see it (docs/domain.md "Confirmation rules"): levels per warehouse and lot, what an order
//! reserves, and how each line was answered.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{Sku, WarehouseId};

/// What happened to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineOutcome {
    /// Confirmed as ordered.
    Accepted,
    /// Confirmed with a smaller quantity.
    Changed,
    /// Not confirmed.
    Rejected,
}

/// Stock to reserve in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reservation {
    /// Product.
    pub sku: Sku,
    /// Warehouse.
    pub warehouse: WarehouseId,
    /// Lot within the warehouse (lot-tracked products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Quantity to move from available to reserved.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
}

/// Stock of one SKU in one warehouse, or in one lot (batch) of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    /// Warehouse.
    pub warehouse: WarehouseId,
    /// Lot (batch) id, for lot-tracked products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// When the lot expires (lots are reserved first-expiring first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<time::Date>,
    /// Physically there.
    #[serde(with = "rust_decimal::serde::str")]
    pub on_hand: Decimal,
    /// Promised to confirmed orders.
    #[serde(with = "rust_decimal::serde::str")]
    pub reserved: Decimal,
}

/// Orders one SKU's levels for reservation: warehouses in the tenant's priority order, and within a warehouse the
/// lots that expire first (lots without a date last, then by lot id).
pub fn sort_for_reservation(levels: &mut [StockLevel], warehouses: &[WarehouseId]) {
    levels.sort_by(|a, b| {
        let rank = |l: &StockLevel| warehouses.iter().position(|w| *w == l.warehouse).unwrap_or(usize::MAX);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (a.expires, b.expires) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.lot.cmp(&b.lot))
    });
}

impl StockLevel {
    /// On hand minus reserved, never below zero.
    pub fn available(&self) -> Decimal {
        (self.on_hand - self.reserved).max(Decimal::ZERO)
    }
}
