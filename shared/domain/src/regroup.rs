//! Splitting an order (by lines or quantities) and merging orders (same buyer, currency, delivery address and
//! type, nothing shipped) — docs/domain.md "Allowed changes". Every resulting order keeps references to the orders it
//! came from; quantities are conserved line by line.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::change::check_changeable;
use crate::ids::OrderId;
use crate::money::{significant_scale, JsonDecimal};
use crate::order::{Order, OrderLine, OrderStatus, OrderType};
use crate::parsing::{
    decimal, malformed_at, max_magnitude, required, text, RequestError, WholeNumber, MAX_QUANTITY_SCALE,
};
use crate::pricing::{order_totals_with, reprice};
use crate::validation::{FieldError, FieldErrors};

/// How many orders one merge takes.
pub const MAX_MERGE: usize = 20;

/// `POST /v1/orders/{id}/split`: what moves to the new order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitRequest {
    /// (line number, quantity to move; `None` = the whole line).
    pub lines: Vec<(u32, Option<Decimal>)>,
    /// Why (kept in the history).
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    lines: Option<Vec<SplitLineBody>>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitLineBody {
    line_no: Option<WholeNumber>,
    quantity: Option<JsonDecimal>,
}

/// Parses a split request.
pub fn parse_split(json: &str) -> Result<SplitRequest, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: SplitBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let mut lines = Vec::new();
    let mut seen = BTreeSet::new();
    let requested = required(&mut errors, "/lines", body.lines).unwrap_or_default();
    if requested.is_empty() && errors.is_empty() {
        errors.push("/lines", "name at least one line to move to the new order");
    }
    for (i, line) in requested.into_iter().enumerate() {
        let p = format!("/lines/{i}");
        let line_no = required(&mut errors, &format!("{p}/line_no"), line.line_no.map(|n| n.0));
        if let Some(no) = line_no.filter(|no| !seen.insert(*no)) {
            errors.push(format!("{p}/line_no"), format!("line {no} is named twice"));
        }
        let quantity = line.quantity.and_then(|q| {
            let value = decimal(&mut errors, &format!("{p}/quantity"), &q)?;
            if value <= Decimal::ZERO || significant_scale(value) > MAX_QUANTITY_SCALE || value > max_magnitude() {
                errors.push(
                    format!("{p}/quantity"),
                    format!("must be greater than 0 and at most {} with at most 4 decimals", max_magnitude()),
                );
                return None;
            }
            Some(value.normalize())
        });
        if let Some(no) = line_no {
            lines.push((no, quantity));
        }
    }
    let reason = body.reason.and_then(|r| text(&mut errors, "/reason", r, 500, true));
    errors.finish(|| SplitRequest { lines, reason }).map_err(RequestError::Invalid)
}

/// A line as it will be confirmed again: nothing confirmed, no outcome yet.
fn unconfirmed(line: &OrderLine) -> OrderLine {
    let mut line = line.clone();
    line.confirmed_quantity = Decimal::ZERO;
    line.line_status = None;
    line.note = None;
    line
}

fn retotal(order: &mut Order) {
    let (totals, breakdown) = order_totals_with(&order.lines, &order.adjustments, order.currency);
    order.totals = totals;
    order.vat_breakdown = breakdown;
}

/// Splits `order`: the requested lines and quantities move to a new order `part_id`, the rest stays. Both are
/// left unconfirmed (the caller confirms them again); the original keeps its charges and allowances and its
/// reservations (as what it held, for re-planning). Problems point into the request.
pub fn split_order(order: &Order, request: &SplitRequest, part_id: OrderId) -> Result<(Order, Order), Vec<FieldError>> {
    let currency = order.currency;
    let mut errors = FieldErrors::new();
    let mut remaining = order.clone();
    remaining.lines = order.lines.iter().map(unconfirmed).collect();
    let mut moved = Vec::new();
    for (i, (line_no, quantity)) in request.lines.iter().enumerate() {
        let Some(index) = remaining.lines.iter().position(|l| l.line_no == *line_no) else {
            errors.push(format!("/lines/{i}/line_no"), format!("the order has no line {line_no}"));
            continue;
        };
        let line = remaining.lines[index].clone();
        let quantity = quantity.unwrap_or(line.quantity);
        if quantity > line.quantity {
            errors.push(format!("/lines/{i}/quantity"), format!("line {line_no} has only {}", line.quantity));
            continue;
        }
        let (part_line, rest) = match (reprice(&line, quantity, None, currency), quantity < line.quantity) {
            (Ok(part_line), true) => match reprice(&line, line.quantity - quantity, None, currency) {
                Ok(rest) => (part_line, Some(rest)),
                Err(detail) => {
                    errors.push(format!("/lines/{i}/quantity"), detail);
                    continue;
                }
            },
            (Ok(part_line), false) => (part_line, None),
            (Err(detail), _) => {
                errors.push(format!("/lines/{i}/quantity"), detail);
                continue;
            }
        };
        moved.push(part_line);
        match rest {
            Some(rest) => remaining.lines[index] = rest,
            None => {
                remaining.lines.remove(index);
            }
        }
    }
    if remaining.lines.is_empty() && errors.is_empty() {
        errors.push("/lines", "leave at least one line on the order; nothing would be split");
    }
    moved.sort_by_key(|l| l.line_no);
    let mut part = order.clone();
    part.id = part_id.clone();
    part.lines = moved;
    part.adjustments = Vec::new();
    part.reservations = Vec::new();
    part.responded_at = None;
    part.response_reason = None;
    part.references = crate::order::OrderReferences { split_from: Some(order.id.clone()), ..Default::default() };
    remaining.references.split_into.push(part_id);
    retotal(&mut part);
    retotal(&mut remaining);
    if remaining.totals.net - remaining.totals.allowances + remaining.totals.charges < Decimal::ZERO {
        errors.push("/lines", "the order's allowances would exceed what is left on it");
    }
    errors.finish(|| (remaining, part))
}

/// `POST /v1/orders/merge`: the orders to merge, in the order their lines follow each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeRequest {
    /// 2 to [`MAX_MERGE`] distinct orders.
    pub order_ids: Vec<OrderId>,
    /// Why (kept in the history).
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    order_ids: Option<Vec<String>>,
    reason: Option<String>,
}

/// Parses a merge request.
pub fn parse_merge(json: &str) -> Result<MergeRequest, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: MergeBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let raw = required(&mut errors, "/order_ids", body.order_ids).unwrap_or_default();
    let mut order_ids: Vec<OrderId> = Vec::new();
    for (i, id) in raw.iter().enumerate() {
        match OrderId::parse_public(id) {
            Ok(id) if order_ids.contains(&id) => errors.push(format!("/order_ids/{i}"), format!("{id} is named twice")),
            Ok(id) => order_ids.push(id),
            Err(e) => errors.push(format!("/order_ids/{i}"), e.0),
        }
    }
    if errors.is_empty() && !(2..=MAX_MERGE).contains(&order_ids.len()) {
        errors.push("/order_ids", format!("name 2 to {MAX_MERGE} orders"));
    }
    let reason = body.reason.and_then(|r| text(&mut errors, "/reason", r, 500, true));
    errors.finish(|| MergeRequest { order_ids, reason }).map_err(RequestError::Invalid)
}

/// Why orders cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeRefusal {
    /// One of them can no longer be changed (a 409).
    State(String),
    /// They do not belong together (a 422 with pointers into `order_ids`).
    Mismatch(Vec<FieldError>),
}

/// Merges `orders` into a new order `merged_id`: their lines one after the other (renumbered), charges and
/// allowances kept, the earliest requested delivery date, notes joined, and — as what it held, for re-planning —
/// their reservations. The sources come back cancelled, pointing at the merged order.
pub fn merge_orders(
    orders: &[Order],
    merged_id: OrderId,
    now: OffsetDateTime,
) -> Result<(Order, Vec<Order>), MergeRefusal> {
    let Some(first) = orders.first() else { return Err(MergeRefusal::State("nothing to merge".into())) };
    for order in orders {
        check_changeable(order).map_err(|e| MergeRefusal::State(e.0))?;
        if order.status == OrderStatus::Received {
            return Err(MergeRefusal::State(format!(
                "order {} is still being confirmed; merge it once it is answered",
                order.id
            )));
        }
    }
    let mut errors = FieldErrors::new();
    for (i, order) in orders.iter().enumerate().skip(1) {
        let mut differs = Vec::new();
        if order.buyer.customer_id != first.buyer.customer_id {
            differs.push("buyer");
        }
        if order.currency != first.currency {
            differs.push("currency");
        }
        if order.delivery_address != first.delivery_address || order.final_consignee != first.final_consignee {
            differs.push("delivery address");
        }
        if order.order_type != first.order_type {
            differs.push("order type");
        }
        if !differs.is_empty() {
            errors.push(
                format!("/order_ids/{i}"),
                format!("{} differs from {}: {}", order.id, first.id, differs.join(", ")),
            );
        }
    }
    if matches!(first.order_type, OrderType::Blanket | OrderType::CallOff) {
        errors.push("/order_ids", "blanket and call-off orders are not merged");
    }
    if !errors.is_empty() {
        return Err(MergeRefusal::Mismatch(errors.into_vec()));
    }
    let mut merged = first.clone();
    merged.id = merged_id.clone();
    merged.received_at = now;
    merged.lines = orders.iter().flat_map(|o| o.lines.iter().map(unconfirmed)).collect();
    for (i, line) in merged.lines.iter_mut().enumerate() {
        line.line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    merged.adjustments = orders.iter().flat_map(|o| o.adjustments.iter().cloned()).collect();
    merged.reservations = orders.iter().flat_map(|o| o.reservations.iter().cloned()).collect();
    merged.requested_delivery_date = orders.iter().filter_map(|o| o.requested_delivery_date).min();
    let notes: Vec<&str> = orders.iter().filter_map(|o| o.notes.as_deref()).collect();
    merged.notes = (!notes.is_empty()).then(|| notes.join("\n"));
    merged.responded_at = None;
    merged.response_reason = None;
    merged.references = crate::order::OrderReferences {
        merged_from: orders.iter().map(|o| o.id.clone()).collect(),
        ..Default::default()
    };
    retotal(&mut merged);
    if let Some(problem) = crate::pricing::amount_problem(&merged.totals) {
        return Err(MergeRefusal::Mismatch(vec![FieldError::new("/order_ids", problem)]));
    }
    let sources = orders
        .iter()
        .map(|order| {
            let mut source = order.clone();
            source.status = OrderStatus::Cancelled;
            source.reservations = Vec::new();
            for line in &mut source.lines {
                line.confirmed_quantity = Decimal::ZERO;
            }
            source.response_reason = Some(format!("Merged into {merged_id}"));
            source.references.merged_into = Some(merged_id.clone());
            source
        })
        .collect();
    Ok((merged, sources))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn qty(order: &Order, sku: &str) -> Decimal {
        order.lines.iter().filter(|l| l.sku_text() == sku).map(|l| l.quantity).sum()
    }

    #[test]
    fn a_split_conserves_every_quantity_and_links_both_orders() {
        let mut order =
            fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(5, 0)), ("SKU-2", Decimal::new(2, 0))]);
        order.status = OrderStatus::Accepted;
        let request = parse_split(r#"{"lines": [{"line_no": 1, "quantity": "1.5"}]}"#).expect("parsed");
        let (remaining, part) = split_order(&order, &request, OrderId::generate()).expect("split");
        assert_eq!(qty(&remaining, "SKU-1") + qty(&part, "SKU-1"), Decimal::new(5, 0));
        assert_eq!(qty(&part, "SKU-1"), Decimal::new(15, 1));
        assert_eq!(qty(&remaining, "SKU-2"), Decimal::new(2, 0));
        assert_eq!(remaining.totals.net + part.totals.net, order.totals.net);
        assert_eq!(part.references.split_from.as_ref(), Some(&order.id));
        assert_eq!(remaining.references.split_into, vec![part.id.clone()]);

        let everything = parse_split(r#"{"lines": [{"line_no": 1}, {"line_no": 2}]}"#).expect("parsed");
        assert_eq!(split_order(&order, &everything, OrderId::generate()).expect_err("empty")[0].pointer, "/lines");
        let too_much = parse_split(r#"{"lines": [{"line_no": 2, "quantity": 3}, {"line_no": 7}]}"#).expect("parsed");
        let pointers: Vec<String> = split_order(&order, &too_much, OrderId::generate())
            .expect_err("bad")
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert_eq!(pointers, ["/lines/0/quantity", "/lines/1/line_no"]);
    }

    #[test]
    fn a_merge_keeps_every_line_and_cancels_its_sources() {
        let mut a = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::ONE)]);
        let mut b = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::TWO), ("SKU-2", Decimal::ONE)]);
        a.status = OrderStatus::Accepted;
        b.status = OrderStatus::AcceptedWithChanges;
        let id = OrderId::generate();
        let (merged, sources) =
            merge_orders(&[a.clone(), b.clone()], id.clone(), OffsetDateTime::UNIX_EPOCH).expect("merged");
        assert_eq!(merged.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(qty(&merged, "SKU-1"), Decimal::new(3, 0));
        assert_eq!(merged.totals.net, a.totals.net + b.totals.net);
        assert_eq!(merged.references.merged_from, vec![a.id.clone(), b.id.clone()]);
        assert!(sources
            .iter()
            .all(|s| s.status == OrderStatus::Cancelled && s.references.merged_into == Some(id.clone())));

        b.currency = crate::money::Currency::parse("SEK").expect("SEK");
        match merge_orders(&[a.clone(), b.clone()], OrderId::generate(), OffsetDateTime::UNIX_EPOCH) {
            Err(MergeRefusal::Mismatch(errors)) => assert_eq!(errors[0].pointer, "/order_ids/1"),
            other => panic!("{other:?}"),
        }
        a.lines[0].shipped_quantity = Decimal::ONE;
        assert!(matches!(
            merge_orders(&[a, b], OrderId::generate(), OffsetDateTime::UNIX_EPOCH),
            Err(MergeRefusal::State(_))
        ));
        assert!(parse_merge(r#"{"order_ids": ["ord_x"]}"#).is_err());
    }
}
