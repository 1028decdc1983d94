//! The catalogue entry's view (docs/api-conventions.md "Fields"): `GET /v1/products` and the portal's catalogue.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use orders_domain::catalogue::{CustomerPrice, Gtin, Product};
use orders_domain::ids::Sku;
use orders_domain::money::{Currency, Discount};
use orders_domain::tax::VatCategory;

use super::order::DiscountView;
use super::{decimal_string, to_json};

/// A catalogue entry: the price is the customer's when a customer was named, with its discount.
pub fn product_json(
    product: &Product,
    customer_price: Option<&CustomerPrice>,
    customer_discount: Option<Discount>,
    available: Decimal,
) -> Value {
    to_json(&ProductView::new(product, customer_price, customer_discount, available))
}

/// A product as a buyer sees it: the price that applies to them, where it came from, and what is available.
#[derive(Serialize)]
struct ProductView<'a> {
    sku: &'a Sku,
    name: &'a str,
    /// UN/ECE rec 20 unit code.
    unit: &'a str,
    /// The customer's agreed price, else the catalogue's.
    #[serde(serialize_with = "decimal_string")]
    price: Decimal,
    currency: Currency,
    /// `customer` or `catalogue`.
    price_source: &'static str,
    /// The customer's discount for the product, else their general one; `null` when none.
    discount: Option<DiscountView>,
    vat_category: VatCategory,
    #[serde(serialize_with = "decimal_string")]
    vat_rate: Decimal,
    /// Available over the tenant's warehouses.
    #[serde(serialize_with = "decimal_string")]
    available_quantity: Decimal,
    /// The product's GTIN, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    gtin: Option<&'a Gtin>,
}

impl<'a> ProductView<'a> {
    fn new(
        product: &'a Product,
        customer_price: Option<&CustomerPrice>,
        customer_discount: Option<Discount>,
        available: Decimal,
    ) -> Self {
        let agreed_price = customer_price.and_then(|p| p.price);
        Self {
            sku: &product.sku,
            name: &product.name,
            unit: &product.unit,
            price: agreed_price.unwrap_or(product.price),
            currency: product.currency,
            price_source: if agreed_price.is_some() { "customer" } else { "catalogue" },
            discount: customer_price.and_then(|p| p.discount).or(customer_discount).map(DiscountView::from),
            vat_category: product.vat_category,
            vat_rate: product.vat_rate,
            available_quantity: available,
            gtin: product.gtin.as_ref(),
        }
    }
}
