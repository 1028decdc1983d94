//! `POST /v1/orders/{id}/response`: the seller's manual answer to a `pending_response` order (docs/domain.md
//! "Allowed changes") — accept, accept with line changes, or reject — and what it does to the order.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::adjustments::{parse_adjustments, resolve_adjustments, AdjustmentBody, AdjustmentRequest};
use super::non_negative;
use crate::money::JsonDecimal;
use crate::order::{Order, OrderStatus};
use crate::parsing::{malformed_at, required, text, RequestError, WholeNumber, MAX_QUANTITY_SCALE};
use crate::pricing::{order_totals_with, reprice};
use crate::stock::LineOutcome;
use crate::validation::{FieldError, FieldErrors};

/// The seller's decision in a manual order response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Accept every line as ordered.
    Accept,
    /// Accept with the listed line changes.
    AcceptWithChanges,
    /// Reject the order.
    Reject,
}

/// A change to one line in a manual response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// Line number.
    pub line_no: u32,
    /// Confirmed quantity (0 rejects the line).
    pub confirmed_quantity: Option<Decimal>,
    /// New net unit price.
    pub unit_price: Option<Decimal>,
    /// Buyer-visible note on the line.
    pub note: Option<String>,
}

/// `POST /v1/orders/{id}/response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualResponse {
    /// The decision.
    pub decision: Decision,
    /// Reason (required to reject).
    pub reason: Option<String>,
    /// Line changes (accept with changes).
    pub lines: Vec<LineChange>,
    /// Document-level allowances and charges.
    pub adjustments: Vec<AdjustmentRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualResponseBody {
    decision: Option<String>,
    reason: Option<String>,
    lines: Option<Vec<LineChangeBody>>,
    charges: Option<Vec<AdjustmentBody>>,
    allowances: Option<Vec<AdjustmentBody>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineChangeBody {
    line_no: Option<WholeNumber>,
    confirmed_quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
    note: Option<String>,
}

/// Parses a manual order response.
pub fn parse_manual_response(json: &str) -> Result<ManualResponse, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: ManualResponseBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let decision = match required(&mut errors, "/decision", body.decision).as_deref() {
        Some("accept") => Some(Decision::Accept),
        Some("accept_with_changes") => Some(Decision::AcceptWithChanges),
        Some("reject") => Some(Decision::Reject),
        Some(other) => {
            errors.push("/decision", format!("{other:?} is not accept, accept_with_changes or reject"));
            None
        }
        None => None,
    };
    let reason = body.reason.and_then(|r| text(&mut errors, "/reason", r, 500, true));
    if decision == Some(Decision::Reject) && reason.is_none() && errors.is_empty() {
        errors.push("/reason", "a rejection needs a reason for the buyer");
    }
    let mut lines = Vec::new();
    for (i, line) in body.lines.unwrap_or_default().into_iter().enumerate() {
        let p = format!("/lines/{i}");
        let line_no = required(&mut errors, &format!("{p}/line_no"), line.line_no.map(|n| n.0));
        let confirmed_quantity = line
            .confirmed_quantity
            .and_then(|q| non_negative(&mut errors, &format!("{p}/confirmed_quantity"), &q, MAX_QUANTITY_SCALE));
        let unit_price = line.unit_price.and_then(|q| non_negative(&mut errors, &format!("{p}/unit_price"), &q, 4));
        let note = line.note.and_then(|n| text(&mut errors, &format!("{p}/note"), n, 500, false));
        if let Some(line_no) = line_no {
            lines.push(LineChange { line_no, confirmed_quantity, unit_price, note });
        }
    }
    if decision != Some(Decision::AcceptWithChanges) && !lines.is_empty() {
        errors.push("/lines", "line changes only go with accept_with_changes");
    }
    let adjustments = parse_adjustments(&mut errors, body.charges, body.allowances);
    match (decision, errors.is_empty()) {
        (Some(decision), true) => Ok(ManualResponse { decision, reason, lines, adjustments }),
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

/// Applies a manual response to a `pending_response` order: the answered order (status, confirmed quantities,
/// repriced lines, allowances and charges, totals) or the problems, with pointers into the request.
pub fn apply_manual_response(order: &Order, response: &ManualResponse) -> Result<Order, Vec<FieldError>> {
    let currency = order.currency;
    let mut answered = order.clone();
    let mut errors = FieldErrors::new();
    for line in &mut answered.lines {
        let (confirmed, outcome) = match response.decision {
            Decision::Reject => (Decimal::ZERO, LineOutcome::Rejected),
            _ => (line.quantity, LineOutcome::Accepted),
        };
        line.confirmed_quantity = confirmed;
        line.line_status = Some(outcome);
        line.note = None;
    }
    for (i, change) in response.lines.iter().enumerate() {
        let Some(line) = answered.lines.iter_mut().find(|l| l.line_no == change.line_no) else {
            errors.push(format!("/lines/{i}/line_no"), format!("the order has no line {}", change.line_no));
            continue;
        };
        if let Some(price) = change.unit_price {
            match reprice(line, line.quantity, Some(price), currency) {
                Ok(repriced) => *line = repriced,
                Err(detail) => {
                    errors.push(format!("/lines/{i}/unit_price"), detail);
                    continue;
                }
            }
            line.line_status = Some(LineOutcome::Changed);
        }
        if let Some(confirmed) = change.confirmed_quantity {
            if confirmed > line.quantity {
                errors
                    .push(format!("/lines/{i}/confirmed_quantity"), format!("more than the {} ordered", line.quantity));
                continue;
            }
            line.confirmed_quantity = confirmed;
            line.line_status = Some(if confirmed.is_zero() {
                LineOutcome::Rejected
            } else if confirmed < line.quantity {
                LineOutcome::Changed
            } else {
                line.line_status.unwrap_or(LineOutcome::Accepted)
            });
        }
        line.note = change.note.clone();
    }
    let lines_net: Decimal = answered.lines.iter().map(|l| l.line_net).sum();
    answered.adjustments = resolve_adjustments(&response.adjustments, lines_net, currency);
    let (totals, breakdown) = order_totals_with(&answered.lines, &answered.adjustments, currency);
    if totals.net - totals.allowances + totals.charges < Decimal::ZERO {
        errors.push("/allowances", "the allowances exceed the order amount");
    }
    answered.totals = totals;
    answered.vat_breakdown = breakdown;
    let any_change = answered.lines.iter().any(|l| l.line_status != Some(LineOutcome::Accepted));
    answered.status = match response.decision {
        Decision::Reject => OrderStatus::Rejected,
        _ if answered.lines.iter().all(|l| l.line_status == Some(LineOutcome::Rejected)) => OrderStatus::Rejected,
        _ if any_change || !answered.adjustments.is_empty() => OrderStatus::AcceptedWithChanges,
        _ => OrderStatus::Accepted,
    };
    answered.response_reason = response.reason.clone();
    errors.finish(|| answered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::order;
    use crate::order::{OrderStatus, OrderType};

    #[test]
    fn a_manual_response_with_freight_and_a_discount_has_exact_totals() {
        let order = order(OrderType::Purchase, &[("S1", Decimal::new(4, 0)), ("S2", Decimal::new(6, 0))]);
        let response = parse_manual_response(
            r#"{"decision": "accept_with_changes", "lines": [{"line_no": 2, "confirmed_quantity": 5, "note": "one short"}],
                "charges": [{"reason": "Freight", "amount": "49.00", "vat_category": "S", "vat_rate": 25}],
                "allowances": [{"reason": "Loyalty", "percent": 5, "vat_category": "S", "vat_rate": 25}]}"#,
        )
        .expect("parsed");
        let answered = apply_manual_response(&order, &response).expect("applied");
        assert_eq!(answered.status, OrderStatus::AcceptedWithChanges);
        assert_eq!(answered.lines[1].confirmed_quantity, Decimal::new(5, 0));
        // lines 40.00 + 60.00 = 100.00; 5 % = 5.00; + 49.00 freight → 144.00 taxable, 36.00 VAT, 180.00 gross
        assert_eq!(answered.totals.gross.to_string(), "180.00");
        assert_eq!(answered.totals.allowances.to_string(), "5.00");
        assert_eq!(answered.totals.charges.to_string(), "49.00");
    }

    #[test]
    fn a_manual_response_is_checked_against_the_order() {
        let order = order(OrderType::Purchase, &[("S1", Decimal::new(4, 0))]);
        let response = parse_manual_response(r#"{"decision": "accept_with_changes", "lines": [{"line_no": 9}, {"line_no": 1, "confirmed_quantity": 5}]}"#).expect("parsed");
        let errors: Vec<String> =
            apply_manual_response(&order, &response).expect_err("invalid").into_iter().map(|e| e.pointer).collect();
        assert_eq!(errors, ["/lines/0/line_no", "/lines/1/confirmed_quantity"]);
        let reject = parse_manual_response(r#"{"decision": "reject"}"#).expect_err("needs a reason");
        assert!(matches!(reject, RequestError::Invalid(e) if e[0].pointer == "/reason"));
        let charge = parse_manual_response(r#"{"decision": "accept", "charges": [{"reason": "Freight", "percent": 5, "vat_category": "S", "vat_rate": 25}]}"#).expect_err("charges need an amount");
        assert!(matches!(charge, RequestError::Invalid(e) if e[0].pointer == "/charges/0"));
    }
}
