//! Requests of the back office, parsed like intake's: every problem with a JSON Pointer.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::intake::{malformed_at, MAX_QUANTITY_SCALE};
use crate::money::{significant_scale, JsonDecimal};
use crate::validation::{FieldError, FieldErrors};

pub use crate::intake::RequestError;

/// `PUT /v1/stock/{sku}/{warehouse}`: the on-hand quantity (of one lot, for lot-tracked products).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockUpdate {
    /// Physically on hand (≥ 0).
    pub on_hand: Decimal,
    /// Lot (batch) id.
    pub lot: Option<String>,
    /// When the lot expires.
    pub expires_date: Option<Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StockUpdateBody {
    on_hand: Option<JsonDecimal>,
    lot: Option<String>,
    expires_date: Option<String>,
}

/// Parses a stock update.
pub fn parse_stock_update(json: &str) -> Result<StockUpdate, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: StockUpdateBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let on_hand = match body.on_hand {
        None => {
            errors.push("/on_hand", "is required");
            None
        }
        Some(raw) => match raw.parse() {
            Err(detail) => {
                errors.push("/on_hand", detail);
                None
            }
            Ok(q)
                if q < Decimal::ZERO
                    || significant_scale(q) > MAX_QUANTITY_SCALE
                    || q > crate::intake::max_magnitude() =>
            {
                errors.push(
                    "/on_hand",
                    format!(
                        "must be from 0 to {} with at most {MAX_QUANTITY_SCALE} decimals",
                        crate::intake::max_magnitude()
                    ),
                );
                None
            }
            Ok(q) => Some(q.normalize()),
        },
    };
    let lot = match body.lot.map(|l| l.trim().to_owned()) {
        Some(lot)
            if lot.is_empty()
                || lot.len() > 40
                || !lot.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
        {
            errors.push("/lot", "must be 1 to 40 letters, digits, '-', '_' or '.'");
            None
        }
        other => other,
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let expires_date = match body.expires_date {
        None => None,
        Some(raw) => errors
            .take(Date::parse(&raw, &format).map_err(|_| {
                FieldError::new("/expires_date", format!("{raw:?} is not a date in the form YYYY-MM-DD"))
            })),
    };
    if expires_date.is_some() && lot.is_none() {
        errors.push("/expires_date", "only lots expire: give a lot too");
    }
    match (on_hand, errors.is_empty()) {
        (Some(on_hand), true) => Ok(StockUpdate { on_hand, lot, expires_date }),
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(json: &str) -> Vec<String> {
        match parse_stock_update(json) {
            Ok(_) => vec![],
            Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
            Err(RequestError::Malformed { pointer, .. }) => vec![format!("malformed:{pointer}")],
        }
    }

    #[test]
    fn stock_updates_are_checked_field_by_field() {
        assert_eq!(parse_stock_update(r#"{"on_hand": "12.5"}"#).map(|u| u.on_hand), Ok(Decimal::new(125, 1)));
        assert!(pointers(r#"{"on_hand": 3, "lot": "L-1", "expires_date": "2027-01-31"}"#).is_empty());
        assert_eq!(pointers(r#"{"on_hand": -1}"#), ["/on_hand"]);
        assert_eq!(pointers(r#"{}"#), ["/on_hand"]);
        assert_eq!(pointers(r#"{"on_hand": 1, "expires_date": "2027-01-31"}"#), ["/expires_date"]);
        assert_eq!(pointers(r#"{"on_hand": 1, "lot": "a b"}"#), ["/lot"]);
        assert_eq!(pointers(r#"{"on_hand": 1, "colour": "red"}"#), ["malformed:/colour"]);
    }
}

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
    lot_tracked: Option<bool>,
}

fn non_negative(errors: &mut FieldErrors, pointer: &str, raw: &JsonDecimal, max_scale: u32) -> Option<Decimal> {
    let value = crate::intake::decimal(errors, pointer, raw)?;
    if value < Decimal::ZERO || significant_scale(value) > max_scale || value > crate::intake::max_magnitude() {
        errors.push(
            pointer,
            format!("must be from 0 to {} with at most {max_scale} decimals", crate::intake::max_magnitude()),
        );
        return None;
    }
    // Kept as written: a price sent as "120.00" is shown as "120.00".
    Some(value)
}

/// Parses a product for `sku`; prices default to `default_currency`.
pub fn parse_product(
    json: &str,
    sku: crate::ids::Sku,
    default_currency: crate::money::Currency,
) -> Result<crate::catalogue::Product, RequestError> {
    use crate::catalogue::VatCategory;
    use crate::intake::{required, text};
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
        Some(code) => {
            errors.take(crate::money::Currency::parse(&code).map_err(|e| FieldError::new("/currency", e.to_string())))
        }
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
    match (name, unit, price, currency, category, rate, errors.is_empty()) {
        (Some(name), Some(unit), Some(price), Some(currency), Some(vat_category), Some(vat_rate), true) => {
            Ok(crate::catalogue::Product {
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
            })
        }
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerPriceBody {
    price: Option<JsonDecimal>,
    discount: Option<crate::intake::DiscountRequest>,
}

/// `PUT /v1/customers/{id}/prices/{sku}`: an agreed price and/or discount.
pub fn parse_customer_price(json: &str) -> Result<crate::catalogue::CustomerPrice, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CustomerPriceBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    if body.price.is_none() && body.discount.is_none() {
        errors.push("", "give a price, a discount or both");
    }
    let price = body.price.and_then(|p| non_negative(&mut errors, "/price", &p, 4));
    let discount = body.discount.and_then(|d| crate::intake::discount(&mut errors, "/discount", d));
    errors.finish(|| crate::catalogue::CustomerPrice { price, discount }).map_err(RequestError::Invalid)
}

#[cfg(test)]
mod catalogue_tests {
    use super::*;
    use crate::ids::Sku;
    use crate::money::Currency;

    fn pointers(result: Result<impl std::fmt::Debug, RequestError>) -> Vec<String> {
        match result {
            Ok(_) => vec![],
            Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
            Err(RequestError::Malformed { pointer, .. }) => vec![format!("malformed:{pointer}")],
        }
    }

    fn product(json: &str) -> Vec<String> {
        pointers(parse_product(json, Sku::parse("S").expect("sku"), Currency::parse("EUR").expect("EUR")))
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
