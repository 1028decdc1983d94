//! Money and exact decimals: currencies with their minor units, rounding as EN 16931 requires, line discounts, and
//! exact parsing of decimals that arrive as JSON strings or numbers (never through `f64`).

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// An ISO 4217 currency with a defined number of minor units (EUR: 2, JPY: 0, KWD: 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    currency: iso_currency::Currency,
    minor_units: u32,
}

/// The code is not an ISO 4217 currency we can invoice in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an ISO 4217 currency code with minor units (e.g. EUR, SEK, JPY)")]
pub struct UnknownCurrency(pub String);

impl Currency {
    /// Parses an upper-case ISO 4217 code. Funds and metals without minor units (XAU, XDR) are refused.
    pub fn parse(code: &str) -> Result<Self, UnknownCurrency> {
        let unknown = || UnknownCurrency(code.to_owned());
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(unknown());
        }
        let currency = iso_currency::Currency::from_code(code).ok_or_else(unknown)?;
        let minor_units = u32::from(currency.exponent().ok_or_else(unknown)?);
        Ok(Self { currency, minor_units })
    }

    /// The ISO 4217 code.
    pub fn code(&self) -> &'static str {
        self.currency.code()
    }

    /// Digits after the decimal point of an amount in this currency.
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// Rounds to the currency's minor unit, half away from zero (EN 16931).
    pub fn round(&self, amount: Decimal) -> Decimal {
        round_to(amount, self.minor_units)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::parse(&code).map_err(D::Error::custom)
    }
}

/// Rounds half away from zero to `dp` decimals and pads to exactly `dp` decimals (`12.5` → `12.50`).
pub fn round_to(amount: Decimal, dp: u32) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(dp);
    rounded
}

/// Digits after the decimal point once trailing zeros are dropped (`2.500` → 1).
pub fn significant_scale(value: Decimal) -> u32 {
    value.normalize().scale()
}

/// A line discount: a percentage of the line amount or a fixed amount off the line (EN 16931 line allowance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// Percent of the line's gross amount, 0 < p ≤ 100.
    Percent(#[serde(with = "rust_decimal::serde::str")] Decimal),
    /// Fixed amount off the line, in the order's currency.
    Amount(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

/// A decimal exactly as the client wrote it: a JSON string (`"12.50"`) or a JSON number (`12.50`), kept as raw
/// text until [`JsonDecimal::parse`] turns it into a [`Decimal`] without passing through binary floating point.
#[derive(Debug, Clone)]
pub struct JsonDecimal(Box<RawValue>);

impl<'de> Deserialize<'de> for JsonDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let first = text.trim_start().chars().next();
        match first {
            Some('"' | '-' | '0'..='9') => Ok(Self(raw)),
            _ => Err(D::Error::custom("expected a decimal as a string (\"12.50\") or a number")),
        }
    }
}

impl JsonDecimal {
    /// The exact decimal, or why the text is not one.
    pub fn parse(&self) -> Result<Decimal, String> {
        let raw = self.0.get().trim();
        let text: String = if raw.starts_with('"') {
            serde_json::from_str::<String>(raw).map_err(|_| "not a valid JSON string".to_string())?
        } else {
            raw.to_owned()
        };
        parse_decimal_text(&text)
    }

    /// Wraps a decimal (for building requests in code and tests).
    pub fn from_decimal(value: Decimal) -> Self {
        let raw = serde_json::to_string(&value.to_string()).and_then(RawValue::from_string);
        match raw {
            Ok(raw) => Self(raw),
            Err(_) => unreachable!("a quoted decimal is valid JSON"),
        }
    }
}

/// Parses `12.50`, `-3`, `1e2` or `1.5E-3` exactly; refuses anything that would need rounding to fit 28 digits.
pub fn parse_decimal_text(text: &str) -> Result<Decimal, String> {
    let well_formed = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && text.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(format!("{text:?} is not a decimal number"));
    }
    let parsed = if text.contains(['e', 'E']) { Decimal::from_scientific(text) } else { Decimal::from_str_exact(text) };
    parsed.map_err(|_| format!("{text:?} is not a decimal number that fits 28 significant digits"))
}

/// Serializes a decimal as a JSON string (`"12.50"`), the API's money and quantity format.
pub fn decimal_string<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    proptest::proptest! {
        #[test]
        fn a_decimal_reads_back_exactly_from_its_text(units in proptest::num::i64::ANY, scale in 0u32..=10) {
            let value = Decimal::new(units, scale);
            proptest::prop_assert_eq!(parse_decimal_text(&value.to_string()), Ok(value));
        }

        #[test]
        fn no_text_makes_the_decimal_parser_panic_and_what_it_reads_is_exact(text in "[-+0-9.eE]{0,40}") {
            if let Ok(value) = parse_decimal_text(&text) {
                // What it read has the value the text says, to the last digit.
                let normalized = value.normalize().to_string();
                proptest::prop_assert_eq!(parse_decimal_text(&normalized), Ok(value.normalize()));
            }
        }
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(Currency::parse("EUR").map(|c| c.minor_units()), Ok(2));
        assert_eq!(Currency::parse("JPY").map(|c| c.minor_units()), Ok(0));
        assert_eq!(Currency::parse("KWD").map(|c| c.minor_units()), Ok(3));
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("XXY").is_err());
        assert!(Currency::parse("XAU").is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_padded() {
        let eur = Currency::parse("EUR").expect("EUR");
        assert_eq!(eur.round(dec!(2.345)).to_string(), "2.35");
        assert_eq!(eur.round(dec!(-2.345)).to_string(), "-2.35");
        assert_eq!(eur.round(dec!(2.5)).to_string(), "2.50");
        let jpy = Currency::parse("JPY").expect("JPY");
        assert_eq!(jpy.round(dec!(2.5)).to_string(), "3");
    }

    fn json_decimal(json: &str) -> Result<Decimal, String> {
        let value: JsonDecimal = serde_json::from_str(json).map_err(|e| e.to_string())?;
        value.parse()
    }

    #[test]
    fn decimals_parse_exactly_from_strings_and_numbers() {
        assert_eq!(json_decimal("\"12.50\""), Ok(dec!(12.50)));
        assert_eq!(json_decimal("0.1"), Ok(dec!(0.1)));
        assert_eq!(json_decimal("1e2"), Ok(dec!(100)));
        // More digits than an f64 can hold survive intact.
        assert_eq!(json_decimal("1234567890.123456789"), Ok(dec!(1234567890.123456789)));
        assert!(json_decimal("\"12,50\"").is_err());
        assert!(json_decimal("\"\"").is_err());
        assert!(json_decimal("true").is_err());
        assert!(json_decimal("\"NaN\"").is_err());
        assert!(json_decimal("\"1e400\"").is_err());
    }
}
