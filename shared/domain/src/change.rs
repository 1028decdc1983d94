//! Changing an order in the back office (docs/domain.md "Allowed changes"): quantities, prices and dates of lines,
//! lines added and removed, the requested delivery date — only before anything shipped. The changed order goes
//! back through confirmation.

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::catalogue::{CustomerPrice, Product};
use crate::intake::{FreeTextLines, LineDraft, LineItem, LineRequestBody};
use crate::money::{significant_scale, Discount, JsonDecimal};
use crate::order::{Order, OrderType};
use crate::parsing::{
    date, decimal, malformed_at, max_magnitude, required, text, RequestError, WholeNumber, MAX_QUANTITY_SCALE,
};
use crate::pricing::{order_totals_with, price_free_text, price_line, reprice};
use crate::validation::{FieldError, FieldErrors};

/// A change to one existing line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineEdit {
    /// The line.
    pub line_no: u32,
    /// New ordered quantity.
    pub quantity: Option<Decimal>,
    /// New net unit price.
    pub unit_price: Option<Decimal>,
    /// New requested delivery date of the line.
    pub requested_delivery_date: Option<Date>,
}

/// `PATCH /v1/orders/{id}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderChange {
    /// New requested delivery date of the order (and of lines without their own).
    pub requested_delivery_date: Option<Date>,
    /// Edited lines.
    pub lines: Vec<LineEdit>,
    /// Lines to remove.
    pub remove_lines: Vec<u32>,
    /// Lines to add, as intake takes them.
    pub add_lines: Vec<LineDraft>,
    /// Why (kept in the history).
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    requested_delivery_date: Option<String>,
    lines: Option<Vec<LineEditBody>>,
    remove_lines: Option<Vec<WholeNumber>>,
    add_lines: Option<Vec<LineRequestBody>>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineEditBody {
    line_no: Option<WholeNumber>,
    quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
    requested_delivery_date: Option<String>,
}

/// Parses an order change; dates may not lie before `today`.
pub fn parse_change(json: &str, today: Date) -> Result<OrderChange, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: ChangeBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let requested_delivery_date =
        body.requested_delivery_date.and_then(|d| date(&mut errors, "/requested_delivery_date", &d, today));
    let mut lines = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, edit) in body.lines.unwrap_or_default().into_iter().enumerate() {
        let p = format!("/lines/{i}");
        let line_no = required(&mut errors, &format!("{p}/line_no"), edit.line_no.map(|n| n.0));
        if let Some(no) = line_no {
            if !seen.insert(no) {
                errors.push(format!("{p}/line_no"), format!("line {no} is named twice"));
            }
        }
        let quantity = edit.quantity.and_then(|q| {
            let value = decimal(&mut errors, &format!("{p}/quantity"), &q)?;
            if value <= Decimal::ZERO || significant_scale(value) > MAX_QUANTITY_SCALE || value > max_magnitude() {
                errors.push(
                    format!("{p}/quantity"),
                    format!(
                        "must be greater than 0 and at most {} with at most 4 decimals; remove the line with \
                         remove_lines",
                        max_magnitude()
                    ),
                );
                return None;
            }
            Some(value.normalize())
        });
        let unit_price = edit.unit_price.and_then(|u| {
            let value = decimal(&mut errors, &format!("{p}/unit_price"), &u)?;
            if value < Decimal::ZERO || significant_scale(value) > 4 || value > max_magnitude() {
                errors.push(
                    format!("{p}/unit_price"),
                    format!("must be from 0 to {} with at most 4 decimals", max_magnitude()),
                );
                return None;
            }
            Some(value)
        });
        let date = edit
            .requested_delivery_date
            .and_then(|d| date(&mut errors, &format!("{p}/requested_delivery_date"), &d, today));
        if let Some(line_no) = line_no {
            lines.push(LineEdit { line_no, quantity, unit_price, requested_delivery_date: date });
        }
    }
    let remove_lines: Vec<u32> = body.remove_lines.unwrap_or_default().into_iter().map(|n| n.0).collect();
    for (i, no) in remove_lines.iter().enumerate() {
        if seen.contains(no) {
            errors.push(format!("/remove_lines/{i}"), format!("line {no} is both changed and removed"));
        }
    }
    let add_requests = body.add_lines.unwrap_or_default();
    let adds_lines = !add_requests.is_empty();
    let add_lines: Vec<LineDraft> = add_requests
        .into_iter()
        .enumerate()
        .filter_map(|(i, line)| {
            crate::intake::line(&mut errors, &format!("/add_lines/{i}"), line, today, FreeTextLines::Allowed)
        })
        .collect();
    let reason = body.reason.and_then(|r| text(&mut errors, "/reason", r, 500, true));
    if errors.is_empty()
        && requested_delivery_date.is_none()
        && lines.is_empty()
        && remove_lines.is_empty()
        && !adds_lines
    {
        errors.push("", "change something: requested_delivery_date, lines, remove_lines or add_lines");
    }
    errors
        .finish(|| OrderChange { requested_delivery_date, lines, remove_lines, add_lines, reason })
        .map_err(RequestError::Invalid)
}

/// Why an order cannot be changed at all (a 409, not a field error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotChangeable(pub String);

/// Whether `order` may still be changed (or cancelled, merged, split): answered or not, but nothing shipped.
pub fn check_changeable(order: &Order) -> Result<(), NotChangeable> {
    if order.lines.iter().any(|l| !l.shipped_quantity.is_zero()) {
        return Err(NotChangeable(format!("order {} has shipments; it can no longer be changed", order.id)));
    }
    if !order.status.can_change() {
        return Err(NotChangeable(format!(
            "order {} is {}; it can no longer be changed",
            order.id,
            order.status.as_str()
        )));
    }
    if order.order_type == OrderType::CallOff && !order.status.awaits_answer() {
        return Err(NotChangeable(format!(
            "call-off order {} has drawn down its blanket order; cancel it and place a new call-off",
            order.id
        )));
    }
    Ok(())
}

/// What new lines are priced with: the products and the buyer's prices and discount.
#[derive(Debug, Clone, Copy)]
pub struct PriceList<'a> {
    /// Products by SKU.
    pub products: &'a HashMap<crate::ids::Sku, Product>,
    /// The buyer's agreed prices by SKU.
    pub customer_prices: &'a HashMap<crate::ids::Sku, CustomerPrice>,
    /// The buyer's general discount.
    pub customer_discount: Option<Discount>,
}

/// Applies `change` to `order`: lines repriced, added and removed, totals recomputed with the order's charges and
/// allowances. Confirmation state is left to the confirmation that follows. Problems point into the request.
pub fn apply_change(order: &Order, change: &OrderChange, prices: PriceList<'_>) -> Result<Order, Vec<FieldError>> {
    let currency = order.currency;
    let mut changed = order.clone();
    let mut errors = FieldErrors::new();
    if let Some(date) = change.requested_delivery_date {
        for line in &mut changed.lines {
            if line.requested_delivery_date == order.requested_delivery_date {
                line.requested_delivery_date = Some(date);
            }
        }
        changed.requested_delivery_date = Some(date);
    }
    for (i, edit) in change.lines.iter().enumerate() {
        let Some(line) = changed.lines.iter_mut().find(|l| l.line_no == edit.line_no) else {
            errors.push(format!("/lines/{i}/line_no"), format!("the order has no line {}", edit.line_no));
            continue;
        };
        if edit.quantity.is_some() || edit.unit_price.is_some() {
            match reprice(line, edit.quantity.unwrap_or(line.quantity), edit.unit_price, currency) {
                Ok(repriced) => *line = repriced,
                Err(detail) => {
                    errors.push(format!("/lines/{i}/unit_price"), detail);
                    continue;
                }
            }
        }
        if let Some(date) = edit.requested_delivery_date {
            line.requested_delivery_date = Some(date);
        }
    }
    for (i, no) in change.remove_lines.iter().enumerate() {
        let before = changed.lines.len();
        changed.lines.retain(|l| l.line_no != *no);
        if changed.lines.len() == before {
            errors.push(format!("/remove_lines/{i}"), format!("the order has no line {no}"));
        }
    }
    let mut next_line_no = order.lines.iter().map(|l| l.line_no).max().unwrap_or(0);
    for (i, draft) in change.add_lines.iter().enumerate() {
        let priced = match &draft.item {
            LineItem::FreeText(item) => {
                next_line_no += 1;
                price_free_text(next_line_no, &draft.request, item, currency)
            }
            LineItem::Product(sku) => {
                let Some(product) = prices.products.get(sku) else {
                    errors.push(format!("/add_lines/{i}/sku"), format!("unknown SKU {sku}"));
                    continue;
                };
                next_line_no += 1;
                price_line(
                    next_line_no,
                    &draft.request,
                    product,
                    prices.customer_prices.get(sku),
                    prices.customer_discount,
                    currency,
                )
            }
        };
        match priced {
            Ok(mut line) => {
                line.requested_delivery_date = draft.requested_delivery_date.or(changed.requested_delivery_date);
                changed.lines.push(line);
            }
            Err(error) => errors.push(format!("/add_lines/{i}/{}", error.field), error.detail),
        }
    }
    if changed.lines.is_empty() && errors.is_empty() {
        errors.push("/remove_lines", "an order keeps at least one line; cancel it instead");
    }
    let (totals, breakdown) = order_totals_with(&changed.lines, &changed.adjustments, currency);
    if totals.net - totals.allowances + totals.charges < Decimal::ZERO {
        errors.push("", "the order's allowances would exceed the changed order amount");
    }
    if let Some(problem) = crate::pricing::amount_problem(&totals) {
        errors.push("", problem);
    }
    changed.totals = totals;
    changed.vat_breakdown = breakdown;
    errors.finish(|| changed)
}

/// One sentence for the history: what the change did.
pub fn describe_change(before: &Order, after: &Order) -> String {
    let mut parts = Vec::new();
    for line in &after.lines {
        match before.lines.iter().find(|l| l.line_no == line.line_no) {
            None => parts.push(format!("line {} added ({} {})", line.line_no, line.quantity, line.article())),
            Some(old) => {
                if old.quantity != line.quantity {
                    parts.push(format!("line {} quantity {} → {}", line.line_no, old.quantity, line.quantity));
                }
                if old.unit_price != line.unit_price {
                    parts.push(format!("line {} price {} → {}", line.line_no, old.unit_price, line.unit_price));
                }
                if old.requested_delivery_date != line.requested_delivery_date {
                    parts.push(format!("line {} date changed", line.line_no));
                }
            }
        }
    }
    for old in &before.lines {
        if !after.lines.iter().any(|l| l.line_no == old.line_no) {
            parts.push(format!("line {} removed ({})", old.line_no, old.article()));
        }
    }
    if before.requested_delivery_date != after.requested_delivery_date {
        parts.push("requested delivery date changed".into());
    }
    format!(
        "Order changed: {}; gross {} → {} {}",
        parts.join(", "),
        before.totals.gross,
        after.totals.gross,
        after.currency
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::ids::Sku;
    use crate::order::OrderStatus;

    fn today() -> Date {
        time::macros::date!(2026 - 11 - 23)
    }

    fn catalogue() -> HashMap<Sku, Product> {
        let sample = fixtures::order(OrderType::Purchase, &[("SKU-9", Decimal::ONE)]);
        let mut products = HashMap::new();
        let line = &sample.lines[0];
        let sku = line.sku.clone().expect("a product line");
        products.insert(
            sku.clone(),
            Product {
                sku,
                name: "Nine".into(),
                unit: "C62".into(),
                price: Decimal::new(250, 2),
                currency: sample.currency,
                vat_category: line.vat_category,
                vat_rate: line.vat_rate,
                cost_price: None,
                lot_tracked: false,
                min_stock: None,
                target_stock: None,
                gtin: None,
            },
        );
        products
    }

    #[test]
    fn quantities_prices_and_lines_change_with_exact_totals() {
        let order = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(4, 0)), ("SKU-2", Decimal::ONE)]);
        let change = parse_change(
            r#"{"lines": [{"line_no": 1, "quantity": 3, "unit_price": "9.99"}], "remove_lines": [2],
                "add_lines": [{"sku": "SKU-9", "quantity": "2"}], "reason": "buyer called"}"#,
            today(),
        )
        .expect("parsed");
        let products = catalogue();
        let prices = PriceList { products: &products, customer_prices: &HashMap::new(), customer_discount: None };
        let changed = apply_change(&order, &change, prices).expect("applied");
        assert_eq!(changed.lines.len(), 2);
        assert_eq!(
            (changed.lines[0].line_net, changed.lines[0].price_source),
            (Decimal::new(2997, 2), crate::order::PriceSource::Seller)
        );
        assert_eq!((changed.lines[1].line_no, changed.lines[1].line_net), (3, Decimal::new(500, 2)));
        // 29.97 + 5.00 = 34.97 net, 25 % VAT 8.74 (8.7425) → 43.71
        assert_eq!(changed.totals.gross, Decimal::new(4371, 2));
        assert!(describe_change(&order, &changed).contains("line 2 removed"));
    }

    #[test]
    fn bad_changes_point_at_their_fields() {
        let pointers = |json: &str| match parse_change(json, today()) {
            Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(pointers("{}"), [""]);
        assert_eq!(pointers(r#"{"lines": [{"line_no": 1, "quantity": 0}]}"#), ["/lines/0/quantity"]);
        assert_eq!(pointers(r#"{"lines": [{"line_no": 1}], "remove_lines": [1]}"#), ["/remove_lines/0"]);
        assert_eq!(pointers(r#"{"add_lines": [{"quantity": 1}]}"#), ["/add_lines/0/sku"]);
        assert_eq!(pointers(r#"{"requested_delivery_date": "2020-01-01"}"#), ["/requested_delivery_date"]);
        let order = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::ONE)]);
        let products = catalogue();
        let prices = PriceList { products: &products, customer_prices: &HashMap::new(), customer_discount: None };
        let all_gone = parse_change(r#"{"remove_lines": [1]}"#, today()).expect("parsed");
        let errors = apply_change(&order, &all_gone, prices).expect_err("an order keeps a line");
        assert_eq!(errors[0].pointer, "/remove_lines");
        let unknown = parse_change(
            r#"{"lines": [{"line_no": 7, "quantity": 1}], "add_lines": [{"sku": "NOPE", "quantity": 1}]}"#,
            today(),
        )
        .expect("parsed");
        let errors: Vec<String> =
            apply_change(&order, &unknown, prices).expect_err("unknown").into_iter().map(|e| e.pointer).collect();
        assert_eq!(errors, ["/lines/0/line_no", "/add_lines/0/sku"]);
    }

    #[test]
    fn nothing_shipped_and_not_final_is_changeable() {
        let mut order = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::ONE)]);
        order.status = OrderStatus::Accepted;
        assert!(check_changeable(&order).is_ok());
        order.lines[0].shipped_quantity = Decimal::ONE;
        assert!(check_changeable(&order).is_err());
        order.lines[0].shipped_quantity = Decimal::ZERO;
        order.status = OrderStatus::Rejected;
        assert!(check_changeable(&order).is_err());
        order.status = OrderStatus::Accepted;
        order.order_type = OrderType::CallOff;
        assert!(check_changeable(&order).is_err());
    }
}
