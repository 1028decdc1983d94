//! The stored attributes of an order line (an element of an order item's `lines`), with its discount and stock
//! warning: the line's half of [`super::stored`], under the same rules (explicit attribute names, the formats and
//! omissions they have always had, exhaustive conversions).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use orders_domain::ids::Sku;
use orders_domain::money::Discount;
use orders_domain::order::{OrderLine, PriceSource, StockWarning};
use orders_domain::stock::LineOutcome;
use orders_domain::tax::VatCategory;

use super::stored::stored_date;

/// One stored order line. Quantities and amounts are decimal strings; `line_no` is a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredOrderLine {
    #[serde(rename = "line_no")]
    line_no: u32,
    /// Only when the buyer names the line otherwise than by its position.
    #[serde(rename = "buyer_line_id", default, skip_serializing_if = "Option::is_none")]
    buyer_line_id: Option<String>,
    /// Only on the lines of a Peppol BIS Order that states a price.
    #[serde(
        rename = "buyer_price",
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    buyer_price: Option<Decimal>,
    /// Absent on a free-text line.
    #[serde(rename = "sku", default, skip_serializing_if = "Option::is_none")]
    sku: Option<Sku>,
    #[serde(rename = "description")]
    description: String,
    /// UN/ECE rec 20 unit code.
    #[serde(rename = "unit")]
    unit: String,
    #[serde(rename = "quantity", with = "rust_decimal::serde::str")]
    quantity: Decimal,
    #[serde(rename = "unit_price", with = "rust_decimal::serde::str")]
    unit_price: Decimal,
    #[serde(rename = "price_source")]
    price_source: PriceSource,
    #[serde(rename = "discount", default, skip_serializing_if = "Option::is_none")]
    discount: Option<StoredDiscount>,
    /// The line discount in money.
    #[serde(rename = "allowance", with = "rust_decimal::serde::str")]
    allowance: Decimal,
    #[serde(rename = "line_net", with = "rust_decimal::serde::str")]
    line_net: Decimal,
    #[serde(rename = "vat_category")]
    vat_category: VatCategory,
    #[serde(rename = "vat_rate", with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
    #[serde(
        rename = "requested_delivery_date",
        default,
        with = "stored_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    requested_delivery_date: Option<Date>,
    #[serde(rename = "confirmed_quantity", with = "rust_decimal::serde::str")]
    confirmed_quantity: Decimal,
    #[serde(rename = "shipped_quantity", with = "rust_decimal::serde::str")]
    shipped_quantity: Decimal,
    #[serde(rename = "invoiced_quantity", with = "rust_decimal::serde::str")]
    invoiced_quantity: Decimal,
    /// Left out while zero (every order but a drawn-down blanket order).
    #[serde(
        rename = "called_off_quantity",
        default,
        with = "rust_decimal::serde::str",
        skip_serializing_if = "Decimal::is_zero"
    )]
    called_off_quantity: Decimal,
    #[serde(rename = "stock_warning", default, skip_serializing_if = "Option::is_none")]
    stock_warning: Option<StoredStockWarning>,
    #[serde(rename = "line_status", default, skip_serializing_if = "Option::is_none")]
    line_status: Option<LineOutcome>,
    #[serde(rename = "note", default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    /// Absent when unknown (lines priced before it was kept, free-text lines, products without a cost price).
    #[serde(
        rename = "unit_cost",
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    unit_cost: Option<Decimal>,
}

impl From<&OrderLine> for StoredOrderLine {
    fn from(line: &OrderLine) -> Self {
        let OrderLine {
            line_no,
            buyer_line_id,
            buyer_price,
            sku,
            description,
            unit,
            quantity,
            unit_price,
            price_source,
            discount,
            allowance,
            line_net,
            vat_category,
            vat_rate,
            requested_delivery_date,
            confirmed_quantity,
            shipped_quantity,
            invoiced_quantity,
            called_off_quantity,
            stock_warning,
            line_status,
            note,
            unit_cost,
        } = line;
        Self {
            line_no: *line_no,
            buyer_line_id: buyer_line_id.clone(),
            buyer_price: *buyer_price,
            sku: sku.clone(),
            description: description.clone(),
            unit: unit.clone(),
            quantity: *quantity,
            unit_price: *unit_price,
            price_source: *price_source,
            discount: discount.map(StoredDiscount::from),
            allowance: *allowance,
            line_net: *line_net,
            vat_category: *vat_category,
            vat_rate: *vat_rate,
            requested_delivery_date: *requested_delivery_date,
            confirmed_quantity: *confirmed_quantity,
            shipped_quantity: *shipped_quantity,
            invoiced_quantity: *invoiced_quantity,
            called_off_quantity: *called_off_quantity,
            stock_warning: stock_warning.as_ref().map(StoredStockWarning::from),
            line_status: *line_status,
            note: note.clone(),
            unit_cost: *unit_cost,
        }
    }
}

impl From<StoredOrderLine> for OrderLine {
    fn from(stored: StoredOrderLine) -> Self {
        let StoredOrderLine {
            line_no,
            buyer_line_id,
            buyer_price,
            sku,
            description,
            unit,
            quantity,
            unit_price,
            price_source,
            discount,
            allowance,
            line_net,
            vat_category,
            vat_rate,
            requested_delivery_date,
            confirmed_quantity,
            shipped_quantity,
            invoiced_quantity,
            called_off_quantity,
            stock_warning,
            line_status,
            note,
            unit_cost,
        } = stored;
        Self {
            line_no,
            buyer_line_id,
            buyer_price,
            sku,
            description,
            unit,
            quantity,
            unit_price,
            price_source,
            discount: discount.map(Discount::from),
            allowance,
            line_net,
            vat_category,
            vat_rate,
            requested_delivery_date,
            confirmed_quantity,
            shipped_quantity,
            invoiced_quantity,
            called_off_quantity,
            stock_warning: stock_warning.map(StockWarning::from),
            line_status,
            note,
            unit_cost,
        }
    }
}

/// A stored line discount (attribute `discount` of a line): `{"percent": "10"}` or `{"amount": "5.00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum StoredDiscount {
    /// Percent of the line's gross amount.
    #[serde(rename = "percent")]
    Percent(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// Fixed amount off the line.
    #[serde(rename = "amount")]
    Amount(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

impl From<Discount> for StoredDiscount {
    fn from(discount: Discount) -> Self {
        match discount {
            Discount::Percent(percent) => Self::Percent(percent),
            Discount::Amount(amount) => Self::Amount(amount),
        }
    }
}

impl From<StoredDiscount> for Discount {
    fn from(stored: StoredDiscount) -> Self {
        match stored {
            StoredDiscount::Percent(percent) => Self::Percent(percent),
            StoredDiscount::Amount(amount) => Self::Amount(amount),
        }
    }
}

/// A stored stock warning of a line (attribute `stock_warning`): stock looked short when the order arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredStockWarning {
    #[serde(rename = "available_quantity", with = "rust_decimal::serde::str")]
    available_quantity: Decimal,
    #[serde(rename = "detail")]
    detail: String,
}

impl From<&StockWarning> for StoredStockWarning {
    fn from(warning: &StockWarning) -> Self {
        let StockWarning { available_quantity, detail } = warning;
        Self { available_quantity: *available_quantity, detail: detail.clone() }
    }
}

impl From<StoredStockWarning> for StockWarning {
    fn from(stored: StoredStockWarning) -> Self {
        let StoredStockWarning { available_quantity, detail } = stored;
        Self { available_quantity, detail }
    }
}
