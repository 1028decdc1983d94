//! `PUT /v1/products/{sku}` and `PUT /v1/customers/{id}/prices/{sku}`: catalogue entries and the prices and
//! discounts agreed with one customer.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::non_negative;
use crate::catalogue::{CustomerPrice, Gtin, Product};
use crate::ids::Sku;
use crate::intake::{discount, DiscountRequest};
use crate::money::{Currency, JsonDecimal};
use crate::parsing::{malformed_at, required, text, RequestError, MAX_QUANTITY_SCALE};
use crate::tax::VatCategory;
use crate::validation::{FieldError, FieldErrors};

/// `PUT /v1/products/{sku}`: a catalogue entry (created or replaced).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductBody {
    name: Option<String>,
    unit: Option<String>,
    price: Option<JsonDecimal>,
    currency: Option<String>,
    vat_category: Option<String>,
    vat_rate: Option<JsonDecimal>,
    cost_price: Option<JsonDecimal>,
    min_stock: Option<JsonDecimal>,
    target_stock: Option<JsonDecimal>,
    lot_tracked: Option<bool>,
    gtin: Option<String>,
}

/// Parses a product for `sku`; prices default to `default_currency`.
pub fn parse_product(json: &str, sku: Sku, default_currency: Currency) -> Result<Product, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: ProductBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let name = required(&mut errors, "/name", body.name).and_then(|n| text(&mut errors, "/name", n, 200, false));
    let unit = match body.unit {
        None => Some("C62".to_owned()),
        Some(unit)
            if (2..=3).contains(&unit.len()) && unit.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            Some(unit)
        }
        Some(unit) => {
            errors.push("/unit", format!("{unit:?} is not a UN/ECE rec 20 unit code such as C62 or KGM"));
            None
        }
    };
    let price = required(&mut errors, "/price", body.price).and_then(|p| non_negative(&mut errors, "/price", &p, 4));
    let currency = match body.currency {
        None => Some(default_currency),
        Some(code) => errors.take(Currency::parse(&code).map_err(|e| FieldError::new("/currency", e.to_string()))),
    };
    let category = required(&mut errors, "/vat_category", body.vat_category).and_then(|c| {
        let parsed: Result<VatCategory, _> = serde_json::from_value(serde_json::Value::String(c.clone()));
        errors.take(
            parsed.map_err(|_| FieldError::new("/vat_category", format!("{c:?} is not one of S, Z, E, AE, K, G, O"))),
        )
    });
    let rate =
        required(&mut errors, "/vat_rate", body.vat_rate).and_then(|r| non_negative(&mut errors, "/vat_rate", &r, 2));
    if let (Some(category), Some(rate)) = (category, rate) {
        if rate > Decimal::ONE_HUNDRED {
            errors.push("/vat_rate", "must be at most 100");
        } else if category.requires_zero_rate() != rate.is_zero() {
            errors.push(
                "/vat_rate",
                if rate.is_zero() { "category S needs a rate above 0" } else { "only category S has a rate above 0" },
            );
        }
    }
    let cost_price = body.cost_price.and_then(|c| non_negative(&mut errors, "/cost_price", &c, 4));
    let min_stock = body.min_stock.and_then(|m| non_negative(&mut errors, "/min_stock", &m, MAX_QUANTITY_SCALE));
    let target_stock =
        body.target_stock.and_then(|t| non_negative(&mut errors, "/target_stock", &t, MAX_QUANTITY_SCALE));
    match (min_stock, target_stock) {
        (None, Some(_)) => errors.push("/target_stock", "needs a min_stock (a reorder is suggested below it)"),
        (Some(min), Some(target)) if target < min => {
            errors.push("/target_stock", format!("must be at least min_stock ({min})"));
        }
        _ => {}
    }
    let gtin = body.gtin.and_then(|g| errors.take(Gtin::parse(g.trim()).map_err(|e| FieldError::new("/gtin", e))));
    match (name, unit, price, currency, category, rate, errors.is_empty()) {
        (Some(name), Some(unit), Some(price), Some(currency), Some(vat_category), Some(vat_rate), true) => {
            Ok(Product {
                sku,
                name,
                unit,
                price,
                currency,
                vat_category,
                vat_rate,
                cost_price,
                lot_tracked: body.lot_tracked.unwrap_or(false),
                min_stock,
                target_stock,
                gtin,
            })
        }
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerPriceBody {
    price: Option<JsonDecimal>,
    discount: Option<DiscountRequest>,
}

/// `PUT /v1/customers/{id}/prices/{sku}`: an agreed price and/or discount.
pub fn parse_customer_price(json: &str) -> Result<CustomerPrice, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CustomerPriceBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    if body.price.is_none() && body.discount.is_none() {
        errors.push("", "give a price, a discount or both");
    }
    let price = body.price.and_then(|p| non_negative(&mut errors, "/price", &p, 4));
    let discount = body.discount.and_then(|d| discount(&mut errors, "/discount", d));
    errors.finish(|| CustomerPrice { price, discount }).map_err(RequestError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::pointers;

    fn product(json: &str) -> Vec<String> {
        pointers(parse_product(json, Sku::parse("S").expect("sku"), Currency::parse("EUR").expect("EUR")))
    }

    #[test]
    fn a_target_level_needs_a_minimum_below_it() {
        let base = r#""name": "Lamp", "price": "49.90", "vat_category": "S", "vat_rate": 25"#;
        assert!(product(&format!("{{{base}, \"min_stock\": 5, \"target_stock\": 20}}")).is_empty());
        assert_eq!(product(&format!("{{{base}, \"target_stock\": 20}}")), ["/target_stock"]);
        assert_eq!(product(&format!("{{{base}, \"min_stock\": 5, \"target_stock\": 4}}")), ["/target_stock"]);
    }

    #[test]
    fn products_need_a_name_a_price_and_a_consistent_vat() {
        assert!(product(r#"{"name": "Lamp", "price": "49.90", "vat_category": "S", "vat_rate": 25}"#).is_empty());
        assert_eq!(
            product(r#"{"price": "-1", "vat_category": "X", "vat_rate": 25}"#),
            ["/name", "/price", "/vat_category"]
        );
        assert_eq!(product(r#"{"name": "Book", "price": 1, "vat_category": "Z", "vat_rate": 6}"#), ["/vat_rate"]);
        assert_eq!(product(r#"{"name": "Lamp", "price": 1, "vat_category": "S", "vat_rate": 0}"#), ["/vat_rate"]);
        assert_eq!(
            product(r#"{"name": "Lamp", "price": 1, "vat_category": "S", "vat_rate": 25, "unit": "piece"}"#),
            ["/unit"]
        );
    }

    #[test]
    fn customer_prices_need_a_price_or_a_discount() {
        assert!(pointers(parse_customer_price(r#"{"price": "45.00"}"#)).is_empty());
        assert!(pointers(parse_customer_price(r#"{"discount": {"percent": 10}}"#)).is_empty());
        assert_eq!(pointers(parse_customer_price("{}")), [""]);
        assert_eq!(pointers(parse_customer_price(r#"{"discount": {"percent": 150}}"#)), ["/discount/percent"]);
    }
}
