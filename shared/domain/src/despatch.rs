//! Despatch advices (docs/domain.md "Documents"): what leaves the warehouse for one order — lines with delivered
//! quantities (partial allowed, never more than confirmed minus shipped), the warehouse and lot it comes from,
//! carrier, tracking, despatch and expected delivery dates. A despatch turns reservations into shipments.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ids::{OrderId, Sku};
use crate::money::{significant_scale, JsonDecimal};
use crate::order::{iso_date, Order, OrderStatus};
use crate::parsing::{
    decimal, malformed_at, max_magnitude, required, text, RequestError, WholeNumber, MAX_QUANTITY_SCALE,
};
use crate::stock::Reservation;
use crate::validation::{FieldError, FieldErrors};

/// One line of a despatch request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DespatchLineRequest {
    /// The order line.
    pub line_no: u32,
    /// Delivered quantity (> 0).
    pub quantity: Decimal,
}

/// `POST /v1/orders/{id}/despatches`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DespatchRequest {
    /// The seller's despatch number (unique per tenant).
    pub despatch_number: String,
    /// What ships.
    pub lines: Vec<DespatchLineRequest>,
    /// Carrier name (`postnord`, `dhl`, …).
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// Tracking link; built from the carrier's URL template when absent.
    pub tracking_url: Option<String>,
    /// When it left (default today).
    pub despatch_date: Option<Date>,
    /// When the buyer should have it.
    pub expected_delivery_date: Option<Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DespatchBody {
    despatch_number: Option<String>,
    lines: Option<Vec<DespatchLineBody>>,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    despatch_date: Option<String>,
    expected_delivery_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DespatchLineBody {
    line_no: Option<WholeNumber>,
    quantity: Option<JsonDecimal>,
}

fn any_date(errors: &mut FieldErrors, pointer: &str, value: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    errors.take(
        Date::parse(value, &format)
            .map_err(|_| FieldError::new(pointer, format!("{value:?} is not a date in the form YYYY-MM-DD"))),
    )
}

/// Parses a despatch request.
pub fn parse_despatch(json: &str) -> Result<DespatchRequest, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: DespatchBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let despatch_number = required(&mut errors, "/despatch_number", body.despatch_number)
        .and_then(|n| text(&mut errors, "/despatch_number", n, 64, false))
        .filter(|n| {
            let ok = !n.contains('#');
            if !ok {
                errors.push("/despatch_number", "must not contain #");
            }
            ok
        });
    let mut lines = Vec::new();
    let mut seen = BTreeSet::new();
    let requested = required(&mut errors, "/lines", body.lines).unwrap_or_default();
    if requested.is_empty() && errors.is_empty() {
        errors.push("/lines", "name at least one line");
    }
    for (i, line) in requested.into_iter().enumerate() {
        let p = format!("/lines/{i}");
        let line_no = required(&mut errors, &format!("{p}/line_no"), line.line_no.map(|n| n.0));
        if let Some(no) = line_no.filter(|no| !seen.insert(*no)) {
            errors.push(format!("{p}/line_no"), format!("line {no} is named twice"));
        }
        let quantity = required(&mut errors, &format!("{p}/quantity"), line.quantity).and_then(|q| {
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
        if let (Some(line_no), Some(quantity)) = (line_no, quantity) {
            lines.push(DespatchLineRequest { line_no, quantity });
        }
    }
    let carrier = body.carrier.and_then(|c| text(&mut errors, "/carrier", c, 64, false));
    let tracking_number = body.tracking_number.and_then(|t| text(&mut errors, "/tracking_number", t, 64, false));
    let tracking_url = body.tracking_url.and_then(|u| {
        let url = text(&mut errors, "/tracking_url", u, 500, false)?;
        if !url.starts_with("https://") {
            errors.push("/tracking_url", "must be an https:// link");
            return None;
        }
        Some(url)
    });
    let despatch_date = body.despatch_date.and_then(|d| any_date(&mut errors, "/despatch_date", &d));
    let expected_delivery_date =
        body.expected_delivery_date.and_then(|d| any_date(&mut errors, "/expected_delivery_date", &d));
    if let (Some(sent), Some(expected)) = (despatch_date, expected_delivery_date) {
        if expected < sent {
            errors.push("/expected_delivery_date", "must not be before the despatch date");
        }
    }
    match (despatch_number, errors.is_empty()) {
        (Some(despatch_number), true) => Ok(DespatchRequest {
            despatch_number,
            lines,
            carrier,
            tracking_number,
            tracking_url,
            despatch_date,
            expected_delivery_date,
        }),
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

/// One despatched line: where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DespatchLine {
    /// The order line.
    pub line_no: u32,
    /// Product (`None`: a free-text line).
    #[serde(default)]
    pub sku: Option<Sku>,
    /// UN/ECE rec 20 unit.
    pub unit: String,
    /// Delivered quantity.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// Taken from these reservations (warehouse, lot, quantity).
    pub picks: Vec<Reservation>,
}

/// A despatch advice as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Despatch {
    /// Despatch number.
    pub despatch_number: String,
    /// The order.
    pub order_id: OrderId,
    /// What shipped.
    pub lines: Vec<DespatchLine>,
    /// Carrier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Tracking link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// When it left.
    #[serde(with = "iso_date")]
    pub despatch_date: Date,
    /// When the buyer should have it.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub expected_delivery_date: Option<Date>,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who recorded it.
    pub actor: String,
}

/// The tracking link of a carrier's URL template (`{tracking_number}` is replaced, percent-encoded).
pub fn tracking_link(template: &str, tracking_number: &str) -> String {
    let encoded: String = tracking_number
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    template.replace("{tracking_number}", &encoded)
}

/// Why a despatch cannot be recorded against the order as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DespatchRefusal {
    /// The order's state forbids it (a 409).
    State(String),
    /// Lines or quantities do not fit the order (a 422 with pointers).
    Invalid(Vec<FieldError>),
}

/// Applies `request` to `order`: the despatch (each line picked from the order's reservations, warehouse priority
/// as reserved), the order with shipped quantities raised and reservations lowered, and the stock to move
/// (on hand and reserved both fall by each pick). Refuses more than confirmed minus shipped.
pub fn plan_despatch(
    order: &Order,
    request: &DespatchRequest,
    carrier_templates: &std::collections::BTreeMap<String, String>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(Despatch, Order, Vec<Reservation>), DespatchRefusal> {
    if !order.status.can_despatch() {
        return Err(DespatchRefusal::State(format!(
            "order {} is {}; only confirmed orders with open quantities are despatched",
            order.id,
            order.status.as_str()
        )));
    }
    let mut errors = FieldErrors::new();
    let mut shipped = order.clone();
    let mut lines = Vec::new();
    let mut moves = Vec::new();
    for (i, wanted) in request.lines.iter().enumerate() {
        let Some(line) = shipped.lines.iter_mut().find(|l| l.line_no == wanted.line_no) else {
            errors.push(format!("/lines/{i}/line_no"), format!("the order has no line {}", wanted.line_no));
            continue;
        };
        let open = line.open_quantity();
        if wanted.quantity > open {
            errors.push(
                format!("/lines/{i}/quantity"),
                format!(
                    "line {} has {open} {} open (confirmed {}, shipped {})",
                    line.line_no, line.unit, line.confirmed_quantity, line.shipped_quantity
                ),
            );
            continue;
        }
        line.shipped_quantity += wanted.quantity;
        let mut left = wanted.quantity;
        let mut picks = Vec::new();
        // A free-text line holds no stock: nothing is picked for it.
        let holds_stock = line.sku.is_some();
        for held in
            shipped.reservations.iter_mut().filter(|r| line.sku.as_ref() == Some(&r.sku) && !r.quantity.is_zero())
        {
            let take = left.min(held.quantity);
            held.quantity -= take;
            left -= take;
            picks.push(Reservation { quantity: take, ..held.clone() });
            if left.is_zero() {
                break;
            }
        }
        if holds_stock && !left.is_zero() {
            errors.push(
                format!("/lines/{i}/quantity"),
                format!("only {} of {} is reserved for line {}", wanted.quantity - left, line.article(), line.line_no),
            );
            continue;
        }
        for pick in &picks {
            // One move per stock item: two lines of one SKU picked from one warehouse and lot must update that
            // stock once (a transaction may not touch an item twice).
            match moves
                .iter_mut()
                .find(|m: &&mut Reservation| m.sku == pick.sku && m.warehouse == pick.warehouse && m.lot == pick.lot)
            {
                Some(existing) => existing.quantity += pick.quantity,
                None => moves.push(pick.clone()),
            }
        }
        lines.push(DespatchLine {
            line_no: line.line_no,
            sku: line.sku.clone(),
            unit: line.unit.clone(),
            quantity: wanted.quantity,
            picks,
        });
    }
    if !errors.is_empty() {
        return Err(DespatchRefusal::Invalid(errors.into_vec()));
    }
    shipped.reservations.retain(|r| !r.quantity.is_zero());
    let tracking_url = request.tracking_url.clone().or_else(|| {
        let carrier = request.carrier.as_deref()?.to_lowercase();
        let number = request.tracking_number.as_deref()?;
        carrier_templates.get(&carrier).map(|template| tracking_link(template, number))
    });
    let despatch = Despatch {
        despatch_number: request.despatch_number.clone(),
        order_id: order.id.clone(),
        lines,
        carrier: request.carrier.clone(),
        tracking_number: request.tracking_number.clone(),
        tracking_url,
        despatch_date: request.despatch_date.unwrap_or(now.date()),
        expected_delivery_date: request.expected_delivery_date,
        created_at: now,
        actor: actor.to_owned(),
    };
    Ok((despatch, shipped, moves))
}

/// The fulfilment status the line quantities call for (docs/domain.md "Statuses"): delivered when every confirmed
/// quantity shipped, partially delivered when some did; otherwise the response status stands.
pub fn fulfilment_status(order: &Order) -> OrderStatus {
    let shipped_any = order.lines.iter().any(|l| !l.shipped_quantity.is_zero());
    let all_shipped = order.lines.iter().all(|l| l.shipped_quantity >= l.confirmed_quantity);
    match (order.status.kept_on_despatch(), shipped_any, all_shipped) {
        (true, _, _) | (false, false, _) => order.status,
        (false, true, true) => OrderStatus::Delivered,
        (false, true, false) => OrderStatus::PartiallyDelivered,
    }
}

/// One line of an order's tracking view: what was ordered, confirmed, shipped and is still open, when it was
/// wanted, and which despatches carried it with the delivery date each expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineTracking {
    /// Order line.
    pub line_no: u32,
    /// Product (`None`: a free-text line).
    pub sku: Option<Sku>,
    /// Ordered.
    #[serde(with = "rust_decimal::serde::str")]
    pub ordered: Decimal,
    /// Confirmed.
    #[serde(with = "rust_decimal::serde::str")]
    pub confirmed: Decimal,
    /// Shipped.
    #[serde(with = "rust_decimal::serde::str")]
    pub shipped: Decimal,
    /// Confirmed and not shipped yet.
    #[serde(with = "rust_decimal::serde::str")]
    pub open: Decimal,
    /// The buyer's requested delivery date.
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub requested_delivery_date: Option<Date>,
    /// The latest expected delivery date of the despatches that carried this line.
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub expected_delivery_date: Option<Date>,
    /// Each despatch of this line, in despatch order.
    pub shipments: Vec<LineShipment>,
}

/// A line's part of one despatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineShipment {
    /// Despatch number.
    pub despatch_number: String,
    /// Quantity of this line.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// When it left.
    #[serde(with = "iso_date")]
    pub despatch_date: Date,
    /// When the buyer should have it.
    #[serde(with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub expected_delivery_date: Option<Date>,
    /// Tracking link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
}

/// The order's tracking view (docs/domain.md "Documents"): per line ordered / confirmed / shipped / open and the
/// expected dates, from the order and its despatches.
pub fn tracking(order: &Order, despatches: &[Despatch]) -> Vec<LineTracking> {
    let mut despatches: Vec<&Despatch> = despatches.iter().collect();
    despatches.sort_by_key(|d| (d.despatch_date, d.created_at));
    order
        .lines
        .iter()
        .map(|line| {
            let shipments: Vec<LineShipment> = despatches
                .iter()
                .filter_map(|d| {
                    let quantity: Decimal =
                        d.lines.iter().filter(|l| l.line_no == line.line_no).map(|l| l.quantity).sum();
                    (!quantity.is_zero()).then(|| LineShipment {
                        despatch_number: d.despatch_number.clone(),
                        quantity,
                        despatch_date: d.despatch_date,
                        expected_delivery_date: d.expected_delivery_date,
                        tracking_url: d.tracking_url.clone(),
                    })
                })
                .collect();
            LineTracking {
                line_no: line.line_no,
                sku: line.sku.clone(),
                ordered: line.quantity,
                confirmed: line.confirmed_quantity,
                shipped: line.shipped_quantity,
                open: line.open_quantity(),
                requested_delivery_date: line.requested_delivery_date,
                expected_delivery_date: shipments.iter().filter_map(|s| s.expected_delivery_date).max(),
                shipments,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::ids::WarehouseId;
    use crate::order::OrderType;

    fn accepted() -> Order {
        let mut order =
            fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(5, 0)), ("SKU-2", Decimal::new(2, 0))]);
        order.status = OrderStatus::Accepted;
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
        }
        let place = |sku: &str, warehouse: &str, quantity: i64| Reservation {
            sku: Sku::parse(sku).expect("sku"),
            warehouse: WarehouseId::parse(warehouse).expect("warehouse"),
            lot: None,
            quantity: Decimal::new(quantity, 0),
        };
        order.reservations = vec![place("SKU-1", "malmo", 3), place("SKU-1", "lulea", 2), place("SKU-2", "malmo", 2)];
        order
    }

    #[test]
    fn a_partial_despatch_picks_from_the_reservations_in_order() {
        let order = accepted();
        let request = parse_despatch(
            r#"{"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 4}], "carrier": "PostNord", "tracking_number": "AB 12"}"#,
        )
        .expect("parsed");
        let templates = [("postnord".to_owned(), "https://track.example/{tracking_number}".to_owned())].into();
        let (despatch, shipped, moves) =
            plan_despatch(&order, &request, &templates, "warehouse:k", OffsetDateTime::UNIX_EPOCH).expect("planned");
        assert_eq!(moves.iter().map(|m| m.quantity).sum::<Decimal>(), Decimal::new(4, 0));
        assert_eq!(moves.len(), 2, "3 from Malmö, 1 from Luleå");
        assert_eq!(shipped.lines[0].shipped_quantity, Decimal::new(4, 0));
        assert_eq!(shipped.reservations.len(), 2);
        assert_eq!(fulfilment_status(&shipped), OrderStatus::PartiallyDelivered);
        assert_eq!(despatch.tracking_url.as_deref(), Some("https://track.example/AB%2012"));
    }

    #[test]
    fn over_delivery_and_unknown_lines_are_refused_with_pointers() {
        let order = accepted();
        let request = parse_despatch(
            r#"{"despatch_number": "D-2", "lines": [{"line_no": 2, "quantity": 3}, {"line_no": 9, "quantity": 1}]}"#,
        )
        .expect("parsed");
        match plan_despatch(&order, &request, &Default::default(), "w", OffsetDateTime::UNIX_EPOCH) {
            Err(DespatchRefusal::Invalid(errors)) => {
                assert_eq!(
                    errors.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(),
                    ["/lines/0/quantity", "/lines/1/line_no"]
                )
            }
            other => panic!("{other:?}"),
        }
        let mut pending = order.clone();
        pending.status = OrderStatus::PendingResponse;
        let ok =
            parse_despatch(r#"{"despatch_number": "D-3", "lines": [{"line_no": 2, "quantity": 1}]}"#).expect("parsed");
        assert!(matches!(
            plan_despatch(&pending, &ok, &Default::default(), "w", OffsetDateTime::UNIX_EPOCH),
            Err(DespatchRefusal::State(_))
        ));
        assert!(parse_despatch(r#"{"despatch_number": "D#4", "lines": [{"line_no": 1, "quantity": 0}]}"#).is_err());
    }

    #[test]
    fn everything_shipped_is_delivered() {
        let mut order = accepted();
        for line in &mut order.lines {
            line.shipped_quantity = line.confirmed_quantity;
        }
        assert_eq!(fulfilment_status(&order), OrderStatus::Delivered);
    }

    #[test]
    fn two_lines_of_one_sku_from_one_place_make_one_stock_move() {
        let mut order = fixtures::order(
            OrderType::Purchase,
            &[("SKU-1", Decimal::new(2, 0)), ("SKU-2", Decimal::ONE), ("SKU-1", Decimal::new(3, 0))],
        );
        order.status = OrderStatus::Accepted;
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
        }
        let place = |sku: &str, quantity: i64| Reservation {
            sku: Sku::parse(sku).expect("sku"),
            warehouse: WarehouseId::parse("malmo").expect("warehouse"),
            lot: None,
            quantity: Decimal::new(quantity, 0),
        };
        order.reservations = vec![place("SKU-1", 5), place("SKU-2", 1)];
        let request = parse_despatch(
            r#"{"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": 1}, {"line_no": 3, "quantity": 3}]}"#,
        )
        .expect("parsed");
        let (despatch, shipped, moves) =
            plan_despatch(&order, &request, &std::collections::BTreeMap::new(), "w", OffsetDateTime::UNIX_EPOCH)
                .expect("planned");
        assert_eq!(moves, vec![place("SKU-1", 5), place("SKU-2", 1)], "one move per stock item");
        assert_eq!(despatch.lines[2].picks, vec![place("SKU-1", 3)], "each line keeps its own picks");
        assert!(shipped.reservations.is_empty());
    }

    #[test]
    fn the_tracking_view_follows_each_line_through_its_despatches() {
        let templates = std::collections::BTreeMap::new();
        let order = accepted();
        let first = parse_despatch(
            r#"{"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 2}], "despatch_date": "2030-01-01", "expected_delivery_date": "2030-01-03"}"#,
        )
        .expect("parsed");
        let (d1, order, _) = plan_despatch(&order, &first, &templates, "w", OffsetDateTime::UNIX_EPOCH).expect("D-1");
        let second = parse_despatch(
            r#"{"despatch_number": "D-2", "lines": [{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": 2}], "despatch_date": "2030-01-02", "expected_delivery_date": "2030-01-05"}"#,
        )
        .expect("parsed");
        let (d2, order, _) = plan_despatch(&order, &second, &templates, "w", OffsetDateTime::UNIX_EPOCH).expect("D-2");
        let view = tracking(&order, &[d2, d1]);
        let date = |text: &str| Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok();
        assert_eq!(
            (view[0].ordered, view[0].confirmed, view[0].shipped, view[0].open),
            (Decimal::new(5, 0), Decimal::new(5, 0), Decimal::new(3, 0), Decimal::new(2, 0))
        );
        let numbers: Vec<&str> = view[0].shipments.iter().map(|s| s.despatch_number.as_str()).collect();
        assert_eq!(numbers, ["D-1", "D-2"], "in despatch order");
        assert_eq!(view[0].expected_delivery_date, date("2030-01-05"), "the latest expected date");
        assert_eq!((view[1].open, view[1].shipments.len()), (Decimal::ZERO, 1));
        let json = serde_json::to_value(&view[1]).expect("json");
        assert_eq!(json["shipments"][0]["expected_delivery_date"], "2030-01-05");
        assert_eq!(json["open"], "0");
    }
}
