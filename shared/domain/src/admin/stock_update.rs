//! `PUT /v1/stock/{sku}/{warehouse}`: the on-hand quantity a warehouse counted, of one lot for lot-tracked products.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::money::{significant_scale, JsonDecimal};
use crate::parsing::{malformed_at, max_magnitude, RequestError, MAX_QUANTITY_SCALE};
use crate::validation::{FieldError, FieldErrors};

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
            Ok(q) if q < Decimal::ZERO || significant_scale(q) > MAX_QUANTITY_SCALE || q > max_magnitude() => {
                errors.push(
                    "/on_hand",
                    format!("must be from 0 to {} with at most {MAX_QUANTITY_SCALE} decimals", max_magnitude()),
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
