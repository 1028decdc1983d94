//! `POST /v1/invoices/{number}/credit-notes` and `…/debit-notes` (docs/domain.md "Invoice rules"): a reason and the
//! lines to credit (all of the invoice when absent) or to charge more for, parsed with pointers to what is wrong.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::notes::{CreditScope, DebitLine};
use crate::money::{significant_scale, JsonDecimal};
use crate::parsing::{decimal, malformed_at, max_magnitude, required, text, RequestError, WholeNumber};
use crate::validation::FieldErrors;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteLineBody {
    line_id: Option<WholeNumber>,
    quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    reason: Option<String>,
    lines: Option<Vec<NoteLineBody>>,
}

fn positive(errors: &mut FieldErrors, pointer: &str, raw: &JsonDecimal, max_scale: u32) -> Option<Decimal> {
    let value = decimal(errors, pointer, raw)?;
    if value <= Decimal::ZERO || significant_scale(value) > max_scale || value > max_magnitude() {
        errors.push(pointer, format!("must be greater than 0 with at most {max_scale} decimals"));
        return None;
    }
    Some(value)
}

/// `POST /v1/invoices/{number}/credit-notes`: a reason, and the lines to credit (all of the invoice when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteRequest {
    /// Why (shown to the buyer).
    pub reason: String,
    /// What to credit.
    pub scope: CreditScope,
}

/// Parses a credit note request.
pub fn parse_credit_note(json: &str) -> Result<CreditNoteRequest, RequestError> {
    let (reason, lines) = parse_note(json, false)?;
    Ok(CreditNoteRequest {
        reason,
        scope: match lines {
            None => CreditScope::Full,
            Some(lines) => CreditScope::Lines(lines.into_iter().map(|l| (l.line_id, l.quantity)).collect()),
        },
    })
}

/// `POST /v1/invoices/{number}/debit-notes`: a reason and the lines to charge more for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitNoteRequest {
    /// Why (shown to the buyer).
    pub reason: String,
    /// What to charge.
    pub lines: Vec<DebitLine>,
}

/// Parses a debit note request.
pub fn parse_debit_note(json: &str) -> Result<DebitNoteRequest, RequestError> {
    let (reason, lines) = parse_note(json, true)?;
    Ok(DebitNoteRequest { reason, lines: lines.unwrap_or_default() })
}

fn parse_note(json: &str, debit: bool) -> Result<(String, Option<Vec<DebitLine>>), RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: NoteBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let reason =
        required(&mut errors, "/reason", body.reason).and_then(|r| text(&mut errors, "/reason", r, 500, false));
    if debit && body.lines.as_ref().is_none_or(Vec::is_empty) {
        errors.push("/lines", "a debit note needs at least one line");
    }
    if body.lines.as_ref().is_some_and(|l| l.len() > 500) {
        errors.push("/lines", "at most 500 lines");
    }
    let lines = body.lines.map(|lines| {
        let mut parsed = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in lines.into_iter().enumerate() {
            let p = format!("/lines/{i}");
            let line_id = required(&mut errors, &format!("{p}/line_id"), line.line_id.map(|n| n.0));
            if let Some(id) = line_id {
                if !seen.insert(id) {
                    errors.push(format!("{p}/line_id"), format!("line {id} is named twice"));
                }
            }
            let quantity = required(&mut errors, &format!("{p}/quantity"), line.quantity)
                .and_then(|q| positive(&mut errors, &format!("{p}/quantity"), &q, 4));
            let unit_price = match (debit, line.unit_price) {
                (true, price) => required(&mut errors, &format!("{p}/unit_price"), price)
                    .and_then(|q| positive(&mut errors, &format!("{p}/unit_price"), &q, 4)),
                (false, Some(_)) => {
                    errors.push(format!("{p}/unit_price"), "a credit note credits at the invoiced price");
                    None
                }
                (false, None) => Some(Decimal::ZERO),
            };
            if let (Some(line_id), Some(quantity), Some(unit_price)) = (line_id, quantity, unit_price) {
                parsed.push(DebitLine { line_id, quantity, unit_price });
            }
        }
        parsed
    });
    if !errors.is_empty() {
        return Err(RequestError::Invalid(errors.into_vec()));
    }
    Ok((reason.unwrap_or_default(), lines))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn note_requests_are_parsed_with_pointers_to_what_is_wrong() {
        let full = parse_credit_note(r#"{"reason": "Returned"}"#).expect("full credit");
        assert_eq!(full.scope, CreditScope::Full);
        let partial = parse_credit_note(r#"{"reason": "Damaged", "lines": [{"line_id": 2, "quantity": "1.5"}]}"#)
            .expect("partial");
        assert_eq!(partial.scope, CreditScope::Lines(vec![(2, dec!(1.5))]));
        let bad = parse_credit_note(
            r#"{"lines": [{"line_id": 1, "quantity": 0}, {"line_id": 1, "quantity": 1, "unit_price": 2}]}"#,
        );
        let Err(RequestError::Invalid(errors)) = bad else { panic!("invalid: {bad:?}") };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/reason", "/lines/0/quantity", "/lines/1/line_id", "/lines/1/unit_price"]);
        assert!(matches!(parse_debit_note(r#"{"reason": "x"}"#), Err(RequestError::Invalid(_))));
        let debit =
            parse_debit_note(r#"{"reason": "Price", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "0.5"}]}"#)
                .expect("debit");
        assert_eq!(debit.lines, vec![DebitLine { line_id: 1, quantity: dec!(1), unit_price: dec!(0.5) }]);
        assert!(matches!(parse_credit_note(r#"{"reason": "x", "extra": 1}"#), Err(RequestError::Malformed { .. })));
    }
}
