//! The kit every request parser uses: the error a request body comes back with, JSON Pointers to where parsing
//! stopped, and field helpers that record every problem (text, dates, exact decimals) instead of stopping at the
//! first. Used by intake, the back office, despatches, invoices, quotes and reports alike.

use rust_decimal::Decimal;
use time::Date;

use crate::money::JsonDecimal;
use crate::validation::{escape_pointer_token, text_problem, FieldError, FieldErrors};

/// Most fraction digits of a quantity.
pub const MAX_QUANTITY_SCALE: u32 = 4;
/// Most fraction digits of a unit price.
pub const MAX_PRICE_SCALE: u32 = 4;
/// Upper bound of a quantity or unit price, far above any real order and far below `Decimal`'s range.
pub fn max_magnitude() -> Decimal {
    Decimal::new(1_000_000_000, 0)
}

/// A whole number from 0 to `u32::MAX` in a request body (a line number, a line id, a count of days, a version),
/// as JSON writes it: `3`, or `3.0`, which is the same number (RFC 8259; JSON Schema's `integer` too), but never
/// `3.5` or `-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WholeNumber(pub u32);

impl<'de> serde::Deserialize<'de> for WholeNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Unexpected};

        struct Whole;
        impl serde::de::Visitor<'_> for Whole {
            type Value = WholeNumber;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "a whole number from 0 to {}", u32::MAX)
            }

            fn visit_u64<E: Error>(self, value: u64) -> Result<WholeNumber, E> {
                u32::try_from(value).map(WholeNumber).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
            }

            fn visit_i64<E: Error>(self, value: i64) -> Result<WholeNumber, E> {
                u32::try_from(value).map(WholeNumber).map_err(|_| E::invalid_value(Unexpected::Signed(value), &self))
            }

            fn visit_f64<E: Error>(self, value: f64) -> Result<WholeNumber, E> {
                // Every u32 is exactly an f64, so a whole f64 in range converts without loss.
                let whole = value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value);
                let exact = whole.then(|| format!("{value:.0}").parse::<u32>().ok()).flatten();
                exact.map(WholeNumber).ok_or_else(|| E::invalid_value(Unexpected::Float(value), &self))
            }
        }
        deserializer.deserialize_any(Whole)
    }
}

/// A `u32` field read as a [`WholeNumber`] (`#[serde(deserialize_with = "crate::parsing::whole_u32")]`): `3.0` is
/// the number 3, as JSON Schema's `integer` says.
pub fn whole_u32<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    <WholeNumber as serde::Deserialize>::deserialize(deserializer).map(|whole| whole.0)
}

/// Why a request body could not be read at all, or which fields are wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not JSON, or not the expected shape (with the place it broke).
    #[error("malformed request: {detail}")]
    Malformed {
        /// JSON Pointer to where parsing stopped (`""` if unknown).
        pointer: String,
        /// What the parser said.
        detail: String,
    },
    /// Well-formed but breaking rules.
    #[error("invalid request ({} problems)", .0.len())]
    Invalid(Vec<FieldError>),
}

/// A structural parse error (from `serde_path_to_error`) as a problem at the place parsing stopped.
pub fn malformed_at(error: serde_path_to_error::Error<serde_json::Error>) -> RequestError {
    let pointer = path_to_pointer(error.path());
    malformed(&pointer, error.inner())
}

/// A JSON error as a problem at `pointer`.
pub(crate) fn malformed(pointer: &str, error: &serde_json::Error) -> RequestError {
    RequestError::Malformed { pointer: pointer.to_owned(), detail: error.to_string() }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(key));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(variant));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

/// `value`, or a "is required" problem at `pointer`.
pub(crate) fn required<T>(errors: &mut FieldErrors, pointer: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        errors.push(pointer, "is required");
    }
    value
}

/// Trimmed, non-empty text of at most `max_chars` characters without forbidden characters (line breaks only when
/// `multiline`), or the problem at `pointer`.
pub(crate) fn text(
    errors: &mut FieldErrors,
    pointer: &str,
    value: String,
    max_chars: usize,
    multiline: bool,
) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.push(pointer, "must not be empty");
        return None;
    }
    if trimmed.chars().count() > max_chars {
        errors.push(pointer, format!("must be at most {max_chars} characters"));
        return None;
    }
    if let Some(problem) = text_problem(trimmed, multiline) {
        errors.push(pointer, problem);
        return None;
    }
    Some(trimmed.to_owned())
}

/// A `YYYY-MM-DD` date not before `today`, or the problem at `pointer`.
pub(crate) fn date(errors: &mut FieldErrors, pointer: &str, value: &str, today: Date) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(value, &format) {
        Err(_) => {
            errors.push(pointer, format!("{value:?} is not a date in the form YYYY-MM-DD"));
            None
        }
        Ok(date) if date < today => {
            errors.push(pointer, format!("{value} is in the past (today is {today})"));
            None
        }
        Ok(date) => Some(date),
    }
}

/// The exact decimal of `value`, or the problem at `pointer`.
pub(crate) fn decimal(errors: &mut FieldErrors, pointer: &str, value: &JsonDecimal) -> Option<Decimal> {
    errors.take(value.parse().map_err(|detail| FieldError::new(pointer, detail)))
}

/// Decodes `application/x-www-form-urlencoded` text (query strings, S3 event keys): `+` is a space, `%XX` a byte;
/// a `%` without two hex digits stays as it is.
pub fn form_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction() {
        let read = |json: &str| serde_json::from_str::<WholeNumber>(json).map(|n| n.0).ok();
        assert_eq!(read("3"), Some(3));
        assert_eq!(read("3.0"), Some(3));
        assert_eq!(read("4294967295"), Some(u32::MAX));
        assert_eq!(read("460.0"), Some(460));
        for bad in ["3.5", "-1", "-1.0", "4294967296", "1e300", "\"3\"", "null"] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }
}
