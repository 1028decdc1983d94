//! Parsing what a webshop posts into an [`OrderDraft`]: every field checked, every problem reported with a JSON
//! Pointer, nothing passed through `f64`. Catalogue-dependent checks (unknown SKU, customer, pricing) happen later,
//! once the handler has read the catalogue.

use serde::Deserialize;
use serde_json::value::RawValue;
use time::Date;

use crate::ids::OrderId;
use crate::money::Currency;
use crate::order::{Consignee, OrderType};
use crate::parsing::{date, malformed, required, text};
use crate::party::Address;
use crate::standing::{Period, Schedule};
use crate::validation::{FieldError, FieldErrors};

mod parts;

use parts::{buyer, BuyerRequest};

/// The request-parsing kit lives in [`crate::parsing`]; re-exported where it always was.
pub use crate::parsing::{malformed_at, max_magnitude, RequestError, MAX_PRICE_SCALE, MAX_QUANTITY_SCALE};
pub use crate::pricing::FreeTextItem;
pub(crate) use parts::{address, discount, line, AddressRequest, DiscountRequest, LineRequestBody};
pub use parts::{BuyerDraft, FreeTextLines, InlineBuyer, LineDraft, LineItem};

/// Most lines in one order.
pub const MAX_LINES: usize = 500;
/// Most orders in one batch.
pub const MAX_BATCH: usize = 100;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The body of `POST /v1/orders`, as sent. Every field is optional here so that all missing ones are reported
/// together, with pointers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    order_number: Option<String>,
    channel: Option<String>,
    #[serde(rename = "type")]
    order_type: Option<String>,
    currency: Option<String>,
    buyer: Option<BuyerRequest>,
    requested_delivery_date: Option<String>,
    delivery_address: Option<AddressRequest>,
    final_consignee: Option<ConsigneeRequest>,
    blanket_order_id: Option<String>,
    schedule: Option<ScheduleRequest>,
    lines: Option<Vec<LineRequestBody>>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsigneeRequest {
    address: Option<AddressRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleRequest {
    every: Option<String>,
    until: Option<String>,
}

/// A request that passed every check that needs no catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDraft {
    /// The webshop's order number.
    pub order_number: String,
    /// Order type.
    pub order_type: OrderType,
    /// Currency.
    pub currency: Currency,
    /// Buyer.
    pub buyer: BuyerDraft,
    /// Requested delivery date.
    pub requested_delivery_date: Option<Date>,
    /// Delivery address.
    pub delivery_address: Address,
    /// Final consignee (cross-docking).
    pub final_consignee: Option<Consignee>,
    /// The blanket order of a call-off.
    pub blanket_order_id: Option<OrderId>,
    /// When a standing order recurs.
    pub schedule: Option<Schedule>,
    /// Lines.
    pub lines: Vec<LineDraft>,
    /// Notes.
    pub notes: Option<String>,
}

/// A parsed order and the fingerprint of its JSON (for idempotency).
#[derive(Debug, Clone)]
pub struct ParsedOrder {
    /// The validated draft.
    pub draft: OrderDraft,
    /// Canonical SHA-256 of the order document.
    pub fingerprint: String,
}

/// Where staff took an order they enter (`POST /v1/orders` with an operator key): its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChannel {
    /// Taken on the phone.
    Phone,
    /// Taken from an email.
    Email,
    /// Taken from a fax.
    Fax,
}

impl StaffChannel {
    /// The order's `channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Fax => "fax",
        }
    }

    fn parse(value: &str) -> Result<Self, String> {
        match value {
            "phone" => Ok(Self::Phone),
            "email" => Ok(Self::Email),
            "fax" => Ok(Self::Fax),
            other => Err(format!("{other:?} is not a channel staff take orders in (phone, email, fax)")),
        }
    }
}

/// Who posts an order document, which decides three fields: a webshop sends its own order number, its key fixes
/// the channel, and every line names a product; staff name the channel the order came in, the number comes from
/// the seller's series, and lines may be free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Poster {
    Webshop,
    Staff,
}

/// An order staff entered: the parsed order (its `order_number` empty until the series assigns one) and the
/// channel it came in.
#[derive(Debug, Clone)]
pub struct StaffOrder {
    /// The validated draft and its fingerprint.
    pub parsed: ParsedOrder,
    /// Where it was taken.
    pub channel: StaffChannel,
}

/// Parses one order document. `today` (UTC) bounds the requested delivery dates.
pub fn parse_order(json: &str, today: Date) -> Result<ParsedOrder, RequestError> {
    parse_as(json, today, Poster::Webshop).map(|(parsed, _)| parsed)
}

/// Parses an order staff enter: `channel` (phone, email, fax) instead of an order number; free-text lines allowed.
pub fn parse_staff_order(json: &str, today: Date) -> Result<StaffOrder, RequestError> {
    let (parsed, channel) = parse_as(json, today, Poster::Staff)?;
    let channel = channel.ok_or_else(|| RequestError::Invalid(vec![FieldError::new("/channel", "is required")]))?;
    Ok(StaffOrder { parsed, channel })
}

fn parse_as(json: &str, today: Date, poster: Poster) -> Result<(ParsedOrder, Option<StaffChannel>), RequestError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| malformed("", &e))?;
    if !value.is_object() {
        return Err(RequestError::Malformed { pointer: String::new(), detail: "expected a JSON object".into() });
    }
    let fingerprint = crate::fingerprint::json_fingerprint(&value);
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let request: OrderRequest = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let (draft, channel) = validate(request, today, poster).map_err(RequestError::Invalid)?;
    Ok((ParsedOrder { draft, fingerprint }, channel))
}

/// The body of `POST /v1/orders/batch`: `{"orders": [ … ]}`, each order kept raw so it is parsed exactly and
/// on its own (one bad order never blocks the others).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The orders, unparsed.
    pub orders: Vec<Box<RawValue>>,
}

/// Parses the batch envelope (not the orders inside).
pub fn parse_batch(json: &str) -> Result<BatchRequest, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let batch: BatchRequest = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    if batch.orders.is_empty() {
        return Err(RequestError::Invalid(vec![FieldError::new("/orders", "a batch needs at least one order")]));
    }
    if batch.orders.len() > MAX_BATCH {
        return Err(RequestError::Invalid(vec![FieldError::new(
            "/orders",
            format!("a batch holds at most {MAX_BATCH} orders, this one has {}", batch.orders.len()),
        )]));
    }
    Ok(batch)
}

fn validate(
    request: OrderRequest,
    today: Date,
    poster: Poster,
) -> Result<(OrderDraft, Option<StaffChannel>), Vec<FieldError>> {
    let mut errors = FieldErrors::new();
    let (order_number, channel, free_text) = match poster {
        Poster::Webshop => {
            if request.channel.is_some() {
                errors.push("/channel", "is your API key's channel; leave it out");
            }
            let number = required(&mut errors, "/order_number", request.order_number)
                .and_then(|v| text(&mut errors, "/order_number", v, 64, false));
            (number, Some(None), FreeTextLines::Refused)
        }
        Poster::Staff => {
            if request.order_number.is_some() {
                errors.push("/order_number", "is assigned from your order series; leave it out");
            }
            let channel = required(&mut errors, "/channel", request.channel)
                .and_then(|c| errors.take(StaffChannel::parse(&c).map_err(|e| FieldError::new("/channel", e))));
            (Some(String::new()), channel.map(Some), FreeTextLines::Allowed)
        }
    };
    let order_type = match request.order_type {
        None => Some(OrderType::Purchase),
        Some(t) => errors.take(OrderType::parse(&t).map_err(|e| FieldError::new("/type", e))),
    };
    let currency = required(&mut errors, "/currency", request.currency)
        .and_then(|c| errors.take(Currency::parse(&c).map_err(|e| FieldError::new("/currency", e.to_string()))));
    let buyer = buyer(&mut errors, request.buyer);
    let requested_delivery_date = match request.requested_delivery_date {
        None => Some(None),
        Some(d) => date(&mut errors, "/requested_delivery_date", &d, today).map(Some),
    };
    let delivery_address = address(&mut errors, "/delivery_address", request.delivery_address);
    let final_consignee = match request.final_consignee {
        None => {
            if order_type == Some(OrderType::CrossDocking) {
                errors
                    .push("/final_consignee", "is required for cross_docking orders (the hub is the delivery address)");
            }
            Some(None)
        }
        Some(c) => {
            address(&mut errors, "/final_consignee/address", c.address).map(|address| Some(Consignee { address }))
        }
    };
    let blanket_order_id = match request.blanket_order_id {
        None => {
            if order_type == Some(OrderType::CallOff) {
                errors.push("/blanket_order_id", "is required for call_off orders");
            }
            Some(None)
        }
        Some(id) => {
            if order_type.is_some_and(|t| t != OrderType::CallOff) {
                errors.push("/blanket_order_id", "is only allowed on call_off orders");
                None
            } else {
                errors.take(OrderId::parse_public(&id).map_err(|e| FieldError::new("/blanket_order_id", e.0))).map(Some)
            }
        }
    };
    let schedule = match request.schedule {
        None => {
            if order_type == Some(OrderType::Standing) {
                errors.push("/schedule", "is required for standing orders (every week or month, until a date)");
            }
            Some(None)
        }
        Some(schedule) => {
            if order_type.is_some_and(|t| t != OrderType::Standing) {
                errors.push("/schedule", "is only allowed on standing orders");
                None
            } else {
                let every = required(&mut errors, "/schedule/every", schedule.every).and_then(|e| match e.as_str() {
                    "week" => Some(Period::Week),
                    "month" => Some(Period::Month),
                    other => {
                        errors.push("/schedule/every", format!("{other:?} is not week or month"));
                        None
                    }
                });
                let until = required(&mut errors, "/schedule/until", schedule.until)
                    .and_then(|d| date(&mut errors, "/schedule/until", &d, today));
                let limit = today.checked_add(time::Duration::days(3653)).unwrap_or(Date::MAX);
                match (every, until) {
                    (Some(_), Some(until)) if until > limit => {
                        errors.push("/schedule/until", "may lie at most ten years ahead");
                        None
                    }
                    (Some(every), Some(until)) => Some(Some(Schedule { every, until })),
                    _ => None,
                }
            }
        }
    };
    let lines = required(&mut errors, "/lines", request.lines).and_then(|lines| {
        if lines.is_empty() {
            errors.push("/lines", "an order needs at least one line");
            return None;
        }
        if lines.len() > MAX_LINES {
            errors.push("/lines", format!("an order holds at most {MAX_LINES} lines, this one has {}", lines.len()));
            return None;
        }
        let parsed: Vec<Option<LineDraft>> = lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| line(&mut errors, &format!("/lines/{i}"), l, today, free_text))
            .collect();
        parsed.into_iter().collect::<Option<Vec<_>>>()
    });
    let notes = match request.notes {
        None => Some(None),
        Some(n) if n.trim().is_empty() => Some(None),
        Some(n) => text(&mut errors, "/notes", n, 2000, true).map(Some),
    };

    if !errors.is_empty() {
        return Err(errors.into_vec());
    }
    let Some(channel) = channel else {
        return Err(vec![FieldError::new("/channel", "could not be read")]);
    };
    let Some(schedule) = schedule else {
        return Err(errors.into_vec());
    };
    match (
        order_number,
        order_type,
        currency,
        buyer,
        requested_delivery_date,
        delivery_address,
        final_consignee,
        blanket_order_id,
        lines,
        notes,
    ) {
        (
            Some(order_number),
            Some(order_type),
            Some(currency),
            Some(buyer),
            Some(requested_delivery_date),
            Some(delivery_address),
            Some(final_consignee),
            Some(blanket_order_id),
            Some(lines),
            Some(notes),
        ) => Ok((
            OrderDraft {
                order_number,
                order_type,
                currency,
                buyer,
                requested_delivery_date,
                delivery_address,
                final_consignee,
                blanket_order_id,
                schedule,
                lines,
                notes,
            },
            channel,
        )),
        _ => Err(vec![FieldError::new("", "the order could not be read")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Discount;
    use proptest::strategy::Strategy;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn today() -> Date {
        time::macros::date!(2026 - 11 - 23)
    }

    fn valid() -> serde_json::Value {
        json!({
            "order_number": "WS-10001",
            "type": "purchase",
            "currency": "EUR",
            "buyer": {"customer_id": "C-1"},
            "requested_delivery_date": "2026-12-01",
            "delivery_address": {"name": "Anna", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 00", "country": "SE"},
            "lines": [{"sku": "SKU-1", "quantity": "2", "unit_price": "10.00", "discount": {"percent": "5"}}],
            "notes": "Ring the bell"
        })
    }

    fn problems(body: serde_json::Value) -> Vec<String> {
        match parse_order(&body.to_string(), today()) {
            Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
            Err(RequestError::Malformed { pointer, .. }) => vec![format!("malformed:{pointer}")],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn a_complete_order_parses() {
        let parsed = parse_order(&valid().to_string(), today()).expect("valid");
        assert_eq!(parsed.draft.order_number, "WS-10001");
        assert_eq!(parsed.draft.lines[0].request.quantity, Decimal::new(2, 0));
        assert_eq!(parsed.draft.lines[0].request.discount, Some(Discount::Percent(Decimal::new(5, 0))));
    }

    #[test]
    fn every_bad_field_is_reported_with_its_pointer() {
        let mut body = valid();
        body["currency"] = json!("EURO");
        body["requested_delivery_date"] = json!("2020-01-01");
        body["lines"][0]["quantity"] = json!("0");
        body["lines"][0]["unit_price"] = json!("1.23456");
        body["delivery_address"]["country"] = json!("Sweden");
        assert_eq!(
            problems(body),
            vec![
                "/currency",
                "/requested_delivery_date",
                "/delivery_address/country",
                "/lines/0/quantity",
                "/lines/0/unit_price"
            ]
        );
    }

    #[test]
    fn quantities_allow_four_decimals_and_no_more() {
        let mut body = valid();
        body["lines"][0]["quantity"] = json!(1.2345);
        assert!(problems(body.clone()).is_empty());
        body["lines"][0]["quantity"] = json!("1.23456");
        assert_eq!(problems(body.clone()), vec!["/lines/0/quantity"]);
        body["lines"][0]["quantity"] = json!("-1");
        assert_eq!(problems(body), vec!["/lines/0/quantity"]);
    }

    #[test]
    fn an_inline_buyer_needs_a_valid_email() {
        let mut body = valid();
        body["buyer"] = json!({"name": "Anna"});
        assert_eq!(problems(body.clone()), vec!["/buyer/email"]);
        body["buyer"] = json!({"name": "Anna", "email": "anna(at)example.se"});
        assert_eq!(problems(body), vec!["/buyer/email"]);
    }

    #[test]
    fn too_many_lines_are_refused() {
        let mut body = valid();
        let line = body["lines"][0].clone();
        body["lines"] = serde_json::Value::Array(vec![line; MAX_LINES + 1]);
        assert_eq!(problems(body), vec!["/lines"]);
    }

    #[test]
    fn structural_errors_point_where_parsing_stopped() {
        let mut body = valid();
        body["lines"][0]["colour"] = json!("red");
        assert_eq!(problems(body), vec!["malformed:/lines/0/colour"]);
        let mut body = valid();
        body["lines"][0]["quantity"] = json!({"value": 1});
        assert_eq!(problems(body), vec!["malformed:/lines/0/quantity"]);
        assert!(matches!(parse_order("{\"order_number\":", today()), Err(RequestError::Malformed { .. })));
        assert!(matches!(parse_order("[]", today()), Err(RequestError::Malformed { .. })));
    }

    #[test]
    fn call_off_and_cross_docking_need_their_references() {
        let mut body = valid();
        body["type"] = json!("call_off");
        assert_eq!(problems(body), vec!["/blanket_order_id"]);
        let mut body = valid();
        body["type"] = json!("cross_docking");
        assert_eq!(problems(body), vec!["/final_consignee"]);
    }

    #[test]
    fn header_injection_through_text_fields_is_refused() {
        let mut body = valid();
        body["order_number"] = json!("WS-1\r\nBcc: evil@example.com");
        assert_eq!(problems(body), vec!["/order_number"]);
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_the_parser_panic(text in ".{0,400}") {
            let _ = parse_order(&text, today());
            let _ = parse_batch(&text);
        }

        #[test]
        fn no_json_value_in_any_field_makes_the_parser_panic(
            field in proptest::sample::select(vec!["order_number", "type", "currency", "buyer", "requested_delivery_date", "delivery_address", "lines", "notes", "blanket_order_id", "final_consignee"]),
            value in proptest::prop_oneof![
                proptest::strategy::Just(json!(null)),
                proptest::num::f64::ANY.prop_map(|f| json!(f)),
                proptest::num::i64::ANY.prop_map(|i| json!(i)),
                ".{0,40}".prop_map(|s| json!(s)),
                proptest::strategy::Just(json!([{"sku": "", "quantity": "1e30"}])),
                proptest::strategy::Just(json!({"customer_id": ""})),
                proptest::strategy::Just(json!([{"sku": "A", "quantity": "99999999999999999999999999999"}])),
            ],
        ) {
            let mut body = valid();
            body[field] = value;
            let _ = parse_order(&body.to_string(), today());
        }
    }

    #[test]
    fn staff_name_the_channel_and_may_enter_free_text_lines() {
        let mut body = valid();
        body.as_object_mut().map(|o| o.remove("order_number"));
        body["channel"] = json!("phone");
        body["lines"] = json!([
            {"sku": "SKU-1", "quantity": "2"},
            {"description": "Installation on site", "quantity": "1", "unit_price": "450.00", "vat_rate": "25"}
        ]);
        let staff = parse_staff_order(&body.to_string(), today()).expect("a staff order");
        assert_eq!(staff.channel, StaffChannel::Phone);
        assert_eq!(staff.parsed.draft.lines[0].sku().map(|s| s.as_str()), Some("SKU-1"));
        match &staff.parsed.draft.lines[1].item {
            LineItem::FreeText(item) => {
                assert_eq!(item.description, "Installation on site");
                assert_eq!(item.vat_category, crate::tax::VatCategory::S);
                assert_eq!(item.vat_rate, Decimal::new(25, 0));
            }
            other => panic!("a free-text line, got {other:?}"),
        }
        // A webshop's document names products only, and its key sets the channel.
        assert_eq!(problems(body.clone()), vec!["/channel", "/order_number", "/lines/1/description"]);
    }

    #[test]
    fn a_free_text_line_needs_its_price_and_a_vat_rate_that_fits_its_category() {
        let staff_problems = |lines: serde_json::Value| {
            let mut body = valid();
            body.as_object_mut().map(|o| o.remove("order_number"));
            body["channel"] = json!("fax");
            body["lines"] = lines;
            match parse_staff_order(&body.to_string(), today()) {
                Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect::<Vec<_>>(),
                other => panic!("refused, got {other:?}"),
            }
        };
        assert_eq!(
            staff_problems(json!([{"description": "Freight", "quantity": "1"}])),
            vec!["/lines/0/vat_rate", "/lines/0/unit_price"]
        );
        assert_eq!(
            staff_problems(
                json!([{"description": "Freight", "quantity": "1", "unit_price": "5", "vat_rate": "12", "vat_category": "E"}])
            ),
            vec!["/lines/0/vat_rate"]
        );
        assert_eq!(
            staff_problems(json!([{"sku": "SKU-1", "description": "Freight", "quantity": "1"}])),
            vec!["/lines/0/description"]
        );
        assert_eq!(
            staff_problems(json!([{"quantity": "1", "unit_price": "5", "vat_rate": "25"}])),
            vec!["/lines/0/description"]
        );
        let mut body = valid();
        body.as_object_mut().map(|o| o.remove("order_number"));
        body["channel"] = json!("carrier pigeon");
        assert!(
            matches!(parse_staff_order(&body.to_string(), today()), Err(RequestError::Invalid(e)) if e[0].pointer == "/channel")
        );
    }

    #[test]
    fn the_fingerprint_ignores_formatting() {
        let a = parse_order(&valid().to_string(), today()).expect("a");
        let b = parse_order(&serde_json::to_string_pretty(&valid()).expect("pretty"), today()).expect("b");
        assert_eq!(a.fingerprint, b.fingerprint);
    }
}
