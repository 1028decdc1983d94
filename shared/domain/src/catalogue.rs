//! The tenant's catalogue as intake sees it: products, customer prices, customers and stock levels.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, Sku};
use crate::money::{Currency, Discount};
use crate::party::{Address, EmailAddress, Language, PeppolId};

/// Stock levels live in [`crate::stock`]; re-exported where they always were.
pub use crate::stock::{sort_for_reservation, StockLevel};
/// VAT categories live in [`crate::tax`]; re-exported where they always were.
pub use crate::tax::VatCategory;

/// A GS1 Global Trade Item Number (GTIN-8, -12, -13 or -14): digits only, the last a correct check digit. Peppol
/// documents name it as a standard item id with scheme `0160`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin(String);

impl Gtin {
    /// Checks length, digits and the check digit.
    pub fn parse(value: &str) -> Result<Self, String> {
        let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != value.len() || ![8, 12, 13, 14].contains(&digits.len()) {
            return Err(format!("{value:?} is not a GTIN: 8, 12, 13 or 14 digits"));
        }
        if !gs1_check_digit_holds(&digits) {
            return Err(format!("{value:?} is not a GTIN: its check digit is wrong"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// GS1's mod-10 check (GTINs, GLNs): the last digit completes the others, weighted 3, 1, 3, … from the right, to
/// a multiple of ten. False for no digits.
pub(crate) fn gs1_check_digit_holds(digits: &[u32]) -> bool {
    let Some((check, body)) = digits.split_last() else { return false };
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
    (10 - sum % 10) % 10 == *check
}

impl TryFrom<String> for Gtin {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Gtin> for String {
    fn from(gtin: Gtin) -> Self {
        gtin.0
    }
}

impl std::fmt::Display for Gtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A product of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Product code.
    pub sku: Sku,
    /// Name shown on lines and documents.
    pub name: String,
    /// UN/ECE rec 20 unit (`C62` piece, `KGM` kilogram).
    pub unit: String,
    /// Catalogue net unit price.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    /// Currency of `price`.
    pub currency: Currency,
    /// VAT category.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
    /// Purchase cost, for margin reports.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub cost_price: Option<Decimal>,
    /// Stock is kept per lot (batch) with expiry dates; reservations take the first-expiring lots first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lot_tracked: bool,
    /// Below this available quantity a reorder is suggested.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub min_stock: Option<Decimal>,
    /// The level a reorder fills up to (at least `min_stock`; `min_stock` when not set).
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub target_stock: Option<Decimal>,
    /// Its GTIN, by which Peppol orders may name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<Gtin>,
}

/// The stock of an order's SKUs as the producer of its `order.received` event read it to price the order, carried
/// by the event so the confirmation stage can plan without reading it again (docs/api-conventions.md "Events"). It
/// is only a hint: the stage's write checks every reservation against the stock as it is then, and a plan the hint
/// leaves short of anything is made again from a read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockHint {
    /// Stock levels per warehouse (and lot), by SKU.
    pub stock: HashMap<Sku, Vec<StockLevel>>,
    /// Reorder levels, by SKU (products without a minimum are absent).
    pub reorder: HashMap<Sku, ReorderLevel>,
}

/// When a product is reordered and how much: below `minimum` available (over all warehouses), up to `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorderLevel {
    /// Below this available quantity a reorder is suggested.
    #[serde(with = "rust_decimal::serde::str")]
    pub minimum: Decimal,
    /// A reorder fills up to this level (at least `minimum`).
    #[serde(with = "rust_decimal::serde::str")]
    pub target: Decimal,
}

impl ReorderLevel {
    /// The product's level; `None` when it has no minimum (never reordered).
    pub fn of(product: &Product) -> Option<Self> {
        let minimum = product.min_stock?;
        Some(Self { minimum, target: product.target_stock.unwrap_or(minimum).max(minimum) })
    }

    /// What `available` means for `sku`: a suggestion to reorder up to the target, or `None` when it is not
    /// below the minimum (any suggestion is then cleared).
    pub fn need(&self, sku: &Sku, available: Decimal) -> Option<ReorderNeed> {
        (available < self.minimum).then(|| ReorderNeed {
            sku: sku.clone(),
            available,
            suggested_quantity: (self.target - available).max(Decimal::ZERO),
        })
    }
}

/// A product to reorder: what is available now and how much brings it to its target level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderNeed {
    /// The product.
    pub sku: Sku,
    /// Available over all warehouses (on hand less reserved); below the minimum.
    pub available: Decimal,
    /// Target level less what is available.
    pub suggested_quantity: Decimal,
}

/// A customer's agreed price and/or discount for one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerPrice {
    /// Agreed net unit price, replacing the catalogue price.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    /// Agreed discount on the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
}

/// A buyer in the tenant's customer register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Register id.
    pub id: CustomerId,
    /// Name.
    pub name: String,
    /// Email for buyer notifications.
    pub email: EmailAddress,
    /// Preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// VAT identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// Billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Discount on every line without a more specific one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// The buyer's Peppol address, for Peppol order documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peppol_id: Option<PeppolId>,
    /// Where the seller delivers the buyer's portal orders (an operator adds them), the first by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivery_addresses: Vec<DeliveryAddress>,
}

/// A delivery address of a customer, named by an id the buyer chooses it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAddress {
    /// `[A-Za-z0-9._-]`, 1 to 40 characters, unique within the customer.
    pub id: String,
    /// The address.
    pub address: Address,
}

/// The id under which a customer's billing address is offered as a delivery address when they have none else.
pub const BILLING_ADDRESS_ID: &str = "billing";

impl Customer {
    /// The addresses a portal order of the customer may go to: the stored delivery addresses, else the billing
    /// address (as [`BILLING_ADDRESS_ID`]).
    pub fn portal_delivery_addresses(&self) -> Vec<DeliveryAddress> {
        if !self.delivery_addresses.is_empty() {
            return self.delivery_addresses.clone();
        }
        self.address
            .iter()
            .map(|address| DeliveryAddress { id: BILLING_ADDRESS_ID.into(), address: address.clone() })
            .collect()
    }
}

/// The catalogue data pricing an order needs, read in batches.
#[derive(Debug, Clone, Default)]
pub struct CatalogueView {
    /// Products found, by SKU.
    pub products: HashMap<Sku, Product>,
    /// The customer's prices, by SKU.
    pub customer_prices: HashMap<Sku, CustomerPrice>,
    /// Stock per warehouse, by SKU.
    pub stock: HashMap<Sku, Vec<StockLevel>>,
}

impl CatalogueView {
    /// The stock of `skus` as this view holds it, with their reorder levels: what an `order.received` producer
    /// hands the confirmation stage ([`StockHint`]).
    pub fn stock_hint(&self, skus: &[Sku]) -> StockHint {
        let stock = skus.iter().filter_map(|sku| Some((sku.clone(), self.stock.get(sku)?.clone()))).collect();
        let reorder =
            skus.iter().filter_map(|sku| Some((sku.clone(), ReorderLevel::of(self.products.get(sku)?)?))).collect();
        StockHint { stock, reorder }
    }

    /// Available quantity summed over warehouses.
    pub fn available(&self, sku: &Sku) -> Decimal {
        self.stock.get(sku).map(|levels| levels.iter().map(StockLevel::available).sum()).unwrap_or_default()
    }
}
