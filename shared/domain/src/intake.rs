//! Parsing what a webshop posts into an [`OrderDraft`]: every field checked, every problem reported with a JSON
//! Pointer, nothing passed through `f64`. Catalogue-dependent checks (unknown SKU, customer, pricing) happen later,
//! once the handler has read the catalogue.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use time::Date;

use crate::country::is_country_code;
use crate::ids::{CustomerId, OrderId, Sku};
use crate::money::{significant_scale, Currency, JsonDecimal};
use crate::order::{Address, Consignee, Discount, EmailAddress, Language, OrderType};
use crate::pricing::LineRequest;
use crate::validation::{FieldError, FieldErrors};

/// Most lines in one order.
pub const MAX_LINES: usize = 500;
/// Most orders in one batch.
pub const MAX_BATCH: usize = 100;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most fraction digits of a quantity.
pub const MAX_QUANTITY_SCALE: u32 = 4;
/// Most fraction digits of a unit price.
pub const MAX_PRICE_SCALE: u32 = 4;
/// Upper bound of a quantity or unit price, far above any real order and far below `Decimal`'s range.
pub fn max_magnitude() -> Decimal {
    Decimal::new(1_000_000_000, 0)
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

/// The body of `POST /v1/orders`, as sent. Every field is optional here so that all missing ones are reported
/// together, with pointers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    order_number: Option<String>,
    #[serde(rename = "type")]
    order_type: Option<String>,
    currency: Option<String>,
    buyer: Option<BuyerRequest>,
    requested_delivery_date: Option<String>,
    delivery_address: Option<AddressRequest>,
    final_consignee: Option<ConsigneeRequest>,
    blanket_order_id: Option<String>,
    lines: Option<Vec<LineRequestBody>>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BuyerRequest {
    customer_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
    vat_id: Option<String>,
    address: Option<AddressRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressRequest {
    name: Option<String>,
    street: Option<String>,
    additional_street: Option<String>,
    city: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsigneeRequest {
    address: Option<AddressRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LineRequestBody {
    sku: Option<String>,
    quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
    discount: Option<DiscountRequest>,
    requested_delivery_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiscountRequest {
    percent: Option<JsonDecimal>,
    amount: Option<JsonDecimal>,
}

/// The buyer: an existing customer, or one posted inline (upserted by intake).
#[derive(Debug, Clone, PartialEq)]
pub enum BuyerDraft {
    /// Refers to the customer register.
    Existing(CustomerId),
    /// Posted with the order.
    Inline(Box<InlineBuyer>),
}

/// A buyer posted with the order.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineBuyer {
    /// Derived from the email address.
    pub customer_id: CustomerId,
    /// Name.
    pub name: String,
    /// Email.
    pub email: EmailAddress,
    /// Language.
    pub language: Option<Language>,
    /// VAT id.
    pub vat_id: Option<String>,
    /// Billing address.
    pub address: Option<Address>,
}

/// One requested line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDraft {
    /// Product.
    pub sku: Sku,
    /// Quantity, price override and discount.
    pub request: LineRequest,
    /// Line-level requested date.
    pub requested_delivery_date: Option<Date>,
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

/// Parses one order document. `today` (UTC) bounds the requested delivery dates.
pub fn parse_order(json: &str, today: Date) -> Result<ParsedOrder, RequestError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| malformed("", &e))?;
    if !value.is_object() {
        return Err(RequestError::Malformed { pointer: String::new(), detail: "expected a JSON object".into() });
    }
    let fingerprint = crate::fingerprint::json_fingerprint(&value);
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let request: OrderRequest = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let draft = validate(request, today).map_err(RequestError::Invalid)?;
    Ok(ParsedOrder { draft, fingerprint })
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

/// A structural parse error (from `serde_path_to_error`) as a problem at the place parsing stopped.
pub fn malformed_at(error: serde_path_to_error::Error<serde_json::Error>) -> RequestError {
    let pointer = path_to_pointer(error.path());
    malformed(&pointer, error.inner())
}

fn malformed(pointer: &str, error: &serde_json::Error) -> RequestError {
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
                pointer.push_str(&crate::validation::escape_pointer_token(key));
            }
            Segment::Enum { variant } => {
                pointer.push('/');
                pointer.push_str(&crate::validation::escape_pointer_token(variant));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

pub(crate) fn required<T>(errors: &mut FieldErrors, pointer: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        errors.push(pointer, "is required");
    }
    value
}

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
    if let Some(problem) = crate::validation::text_problem(trimmed, multiline) {
        errors.push(pointer, problem);
        return None;
    }
    Some(trimmed.to_owned())
}

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

pub(crate) fn decimal(errors: &mut FieldErrors, pointer: &str, value: &JsonDecimal) -> Option<Decimal> {
    errors.take(value.parse().map_err(|detail| FieldError::new(pointer, detail)))
}

pub(crate) fn address(errors: &mut FieldErrors, pointer: &str, value: Option<AddressRequest>) -> Option<Address> {
    let value = required(errors, pointer, value)?;
    let field = |errors: &mut FieldErrors, name: &str, v: Option<String>, max: usize| {
        let p = format!("{pointer}/{name}");
        required(errors, &p, v).and_then(|v| text(errors, &p, v, max, false))
    };
    let name = field(errors, "name", value.name, 200);
    let street = field(errors, "street", value.street, 200);
    let additional_street =
        value.additional_street.and_then(|v| text(errors, &format!("{pointer}/additional_street"), v, 200, false));
    let city = field(errors, "city", value.city, 100);
    let postal_code = field(errors, "postal_code", value.postal_code, 20);
    let country = field(errors, "country", value.country, 2).and_then(|c| {
        if is_country_code(&c) {
            Some(c)
        } else {
            errors.push(
                format!("{pointer}/country"),
                format!("{c:?} is not an ISO 3166-1 alpha-2 country code such as \"SE\""),
            );
            None
        }
    });
    Some(Address {
        name: name?,
        street: street?,
        additional_street,
        city: city?,
        postal_code: postal_code?,
        country: country?,
    })
}

fn buyer(errors: &mut FieldErrors, value: Option<BuyerRequest>) -> Option<BuyerDraft> {
    let value = required(errors, "/buyer", value)?;
    let inline_given = value.name.is_some()
        || value.email.is_some()
        || value.address.is_some()
        || value.vat_id.is_some()
        || value.language.is_some();
    if let Some(id) = value.customer_id {
        if inline_given {
            errors.push("/buyer", "give either customer_id or an inline buyer (name, email, …), not both");
            return None;
        }
        return errors
            .take(CustomerId::parse(id).map_err(|e| FieldError::new("/buyer/customer_id", e.0)))
            .map(BuyerDraft::Existing);
    }
    let name = required(errors, "/buyer/name", value.name).and_then(|v| text(errors, "/buyer/name", v, 200, false));
    let email = required(errors, "/buyer/email", value.email)
        .and_then(|v| errors.take(EmailAddress::parse(v.trim()).map_err(|e| FieldError::new("/buyer/email", e))));
    let language = value
        .language
        .and_then(|v| errors.take(Language::parse(&v).map_err(|e| FieldError::new("/buyer/language", e))));
    let vat_id = value.vat_id.and_then(|v| text(errors, "/buyer/vat_id", v, 32, false));
    let address = match value.address {
        Some(a) => Some(address(errors, "/buyer/address", Some(a))?),
        None => None,
    };
    let email = email?;
    Some(BuyerDraft::Inline(Box::new(InlineBuyer {
        customer_id: CustomerId::for_inline_buyer(&email),
        name: name?,
        email,
        language,
        vat_id,
        address,
    })))
}

pub(crate) fn discount(errors: &mut FieldErrors, pointer: &str, value: DiscountRequest) -> Option<Discount> {
    match (value.percent, value.amount) {
        (Some(percent), None) => {
            let p = format!("{pointer}/percent");
            let percent = decimal(errors, &p, &percent)?;
            if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED || significant_scale(percent) > 4 {
                errors.push(p, "must be greater than 0 and at most 100, with at most 4 decimals");
                return None;
            }
            Some(Discount::Percent(percent.normalize()))
        }
        (None, Some(amount)) => {
            let p = format!("{pointer}/amount");
            let amount = decimal(errors, &p, &amount)?;
            if amount <= Decimal::ZERO || amount > max_magnitude() {
                errors.push(p, "must be greater than 0");
                return None;
            }
            Some(Discount::Amount(amount.normalize()))
        }
        _ => {
            errors.push(pointer, "give exactly one of percent or amount");
            None
        }
    }
}

/// Parses one requested line; `pointer` is where it sits in the request (`/lines/0`).
pub(crate) fn line(errors: &mut FieldErrors, pointer: &str, value: LineRequestBody, today: Date) -> Option<LineDraft> {
    let sku = required(errors, &format!("{pointer}/sku"), value.sku)
        .and_then(|s| errors.take(Sku::parse(s).map_err(|e| FieldError::new(format!("{pointer}/sku"), e.0))));
    let quantity_pointer = format!("{pointer}/quantity");
    let quantity = required(errors, &quantity_pointer, value.quantity)
        .and_then(|q| decimal(errors, &quantity_pointer, &q))
        .and_then(|q| {
            if q <= Decimal::ZERO {
                errors.push(&quantity_pointer, format!("must be greater than 0, got {q}"));
                None
            } else if significant_scale(q) > MAX_QUANTITY_SCALE {
                errors.push(&quantity_pointer, format!("may have at most {MAX_QUANTITY_SCALE} decimals, got {q}"));
                None
            } else if q > max_magnitude() {
                errors.push(&quantity_pointer, format!("must be at most {}", max_magnitude()));
                None
            } else {
                Some(q.normalize())
            }
        });
    let price_pointer = format!("{pointer}/unit_price");
    let unit_price = match value.unit_price {
        None => Some(None),
        Some(raw) => decimal(errors, &price_pointer, &raw).and_then(|p| {
            if p < Decimal::ZERO {
                errors.push(&price_pointer, format!("must not be negative, got {p}"));
                None
            } else if significant_scale(p) > MAX_PRICE_SCALE {
                errors.push(&price_pointer, format!("may have at most {MAX_PRICE_SCALE} decimals, got {p}"));
                None
            } else if p > max_magnitude() {
                errors.push(&price_pointer, format!("must be at most {}", max_magnitude()));
                None
            } else {
                Some(Some(p))
            }
        }),
    };
    let discount = match value.discount {
        None => Some(None),
        Some(d) => discount(errors, &format!("{pointer}/discount"), d).map(Some),
    };
    let requested_delivery_date = match value.requested_delivery_date {
        None => Some(None),
        Some(d) => date(errors, &format!("{pointer}/requested_delivery_date"), &d, today).map(Some),
    };
    Some(LineDraft {
        sku: sku?,
        request: LineRequest { quantity: quantity?, unit_price: unit_price?, discount: discount? },
        requested_delivery_date: requested_delivery_date?,
    })
}

fn validate(request: OrderRequest, today: Date) -> Result<OrderDraft, Vec<FieldError>> {
    let mut errors = FieldErrors::new();
    let order_number = required(&mut errors, "/order_number", request.order_number)
        .and_then(|v| text(&mut errors, "/order_number", v, 64, false));
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
    let lines = required(&mut errors, "/lines", request.lines).and_then(|lines| {
        if lines.is_empty() {
            errors.push("/lines", "an order needs at least one line");
            return None;
        }
        if lines.len() > MAX_LINES {
            errors.push("/lines", format!("an order holds at most {MAX_LINES} lines, this one has {}", lines.len()));
            return None;
        }
        let parsed: Vec<Option<LineDraft>> =
            lines.into_iter().enumerate().map(|(i, l)| line(&mut errors, &format!("/lines/{i}"), l, today)).collect();
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
        ) => Ok(OrderDraft {
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
        }),
        _ => Err(vec![FieldError::new("", "the order could not be read")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
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
    fn the_fingerprint_ignores_formatting() {
        let a = parse_order(&valid().to_string(), today()).expect("a");
        let b = parse_order(&serde_json::to_string_pretty(&valid()).expect("pretty"), today()).expect("b");
        assert_eq!(a.fingerprint, b.fingerprint);
    }
}
