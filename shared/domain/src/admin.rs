//! Requests of the back office, parsed like intake's: every problem with a JSON Pointer.

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::intake::{malformed_at, MAX_QUANTITY_SCALE};
use crate::money::{significant_scale, JsonDecimal};
use crate::validation::{FieldError, FieldErrors};

pub use crate::intake::RequestError;

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
            Ok(q)
                if q < Decimal::ZERO
                    || significant_scale(q) > MAX_QUANTITY_SCALE
                    || q > crate::intake::max_magnitude() =>
            {
                errors.push(
                    "/on_hand",
                    format!(
                        "must be from 0 to {} with at most {MAX_QUANTITY_SCALE} decimals",
                        crate::intake::max_magnitude()
                    ),
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

/// `PUT /v1/products/{sku}`: a catalogue entry (created or replaced).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductBody {
    name: Option<String>,
    unit: Option<String>,
    price: Option<JsonDecimal>,
    currency: Option<String>,
    vat_category: Option<String>,
    vat_rate: Option<JsonDecimal>,
    cost_price: Option<JsonDecimal>,
    min_stock: Option<JsonDecimal>,
    lot_tracked: Option<bool>,
}

fn non_negative(errors: &mut FieldErrors, pointer: &str, raw: &JsonDecimal, max_scale: u32) -> Option<Decimal> {
    let value = crate::intake::decimal(errors, pointer, raw)?;
    if value < Decimal::ZERO || significant_scale(value) > max_scale || value > crate::intake::max_magnitude() {
        errors.push(
            pointer,
            format!("must be from 0 to {} with at most {max_scale} decimals", crate::intake::max_magnitude()),
        );
        return None;
    }
    // Kept as written: a price sent as "120.00" is shown as "120.00".
    Some(value)
}

/// Parses a product for `sku`; prices default to `default_currency`.
pub fn parse_product(
    json: &str,
    sku: crate::ids::Sku,
    default_currency: crate::money::Currency,
) -> Result<crate::catalogue::Product, RequestError> {
    use crate::catalogue::VatCategory;
    use crate::intake::{required, text};
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: ProductBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let name = required(&mut errors, "/name", body.name).and_then(|n| text(&mut errors, "/name", n, 200, false));
    let unit = match body.unit {
        None => Some("C62".to_owned()),
        Some(unit)
            if (2..=3).contains(&unit.len()) && unit.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) =>
        {
            Some(unit)
        }
        Some(unit) => {
            errors.push("/unit", format!("{unit:?} is not a UN/ECE rec 20 unit code such as C62 or KGM"));
            None
        }
    };
    let price = required(&mut errors, "/price", body.price).and_then(|p| non_negative(&mut errors, "/price", &p, 4));
    let currency = match body.currency {
        None => Some(default_currency),
        Some(code) => {
            errors.take(crate::money::Currency::parse(&code).map_err(|e| FieldError::new("/currency", e.to_string())))
        }
    };
    let category = required(&mut errors, "/vat_category", body.vat_category).and_then(|c| {
        let parsed: Result<VatCategory, _> = serde_json::from_value(serde_json::Value::String(c.clone()));
        errors.take(
            parsed.map_err(|_| FieldError::new("/vat_category", format!("{c:?} is not one of S, Z, E, AE, K, G, O"))),
        )
    });
    let rate =
        required(&mut errors, "/vat_rate", body.vat_rate).and_then(|r| non_negative(&mut errors, "/vat_rate", &r, 2));
    if let (Some(category), Some(rate)) = (category, rate) {
        if rate > Decimal::ONE_HUNDRED {
            errors.push("/vat_rate", "must be at most 100");
        } else if category.requires_zero_rate() != rate.is_zero() {
            errors.push(
                "/vat_rate",
                if rate.is_zero() { "category S needs a rate above 0" } else { "only category S has a rate above 0" },
            );
        }
    }
    let cost_price = body.cost_price.and_then(|c| non_negative(&mut errors, "/cost_price", &c, 4));
    let min_stock = body.min_stock.and_then(|m| non_negative(&mut errors, "/min_stock", &m, MAX_QUANTITY_SCALE));
    match (name, unit, price, currency, category, rate, errors.is_empty()) {
        (Some(name), Some(unit), Some(price), Some(currency), Some(vat_category), Some(vat_rate), true) => {
            Ok(crate::catalogue::Product {
                sku,
                name,
                unit,
                price,
                currency,
                vat_category,
                vat_rate,
                cost_price,
                lot_tracked: body.lot_tracked.unwrap_or(false),
                min_stock,
            })
        }
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerPriceBody {
    price: Option<JsonDecimal>,
    discount: Option<crate::intake::DiscountRequest>,
}

/// `PUT /v1/customers/{id}/prices/{sku}`: an agreed price and/or discount.
pub fn parse_customer_price(json: &str) -> Result<crate::catalogue::CustomerPrice, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CustomerPriceBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    if body.price.is_none() && body.discount.is_none() {
        errors.push("", "give a price, a discount or both");
    }
    let price = body.price.and_then(|p| non_negative(&mut errors, "/price", &p, 4));
    let discount = body.discount.and_then(|d| crate::intake::discount(&mut errors, "/discount", d));
    errors.finish(|| crate::catalogue::CustomerPrice { price, discount }).map_err(RequestError::Invalid)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerBody {
    name: Option<String>,
    email: Option<String>,
    language: Option<String>,
    vat_id: Option<String>,
    address: Option<crate::intake::AddressRequest>,
    discount: Option<crate::intake::DiscountRequest>,
    peppol_id: Option<PeppolIdBody>,
    delivery_addresses: Option<Vec<DeliveryAddressBody>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryAddressBody {
    id: Option<String>,
    address: Option<crate::intake::AddressRequest>,
}

/// At most this many delivery addresses per customer.
const MAX_DELIVERY_ADDRESSES: usize = 50;

fn delivery_addresses(
    errors: &mut FieldErrors,
    bodies: Vec<DeliveryAddressBody>,
) -> Vec<crate::catalogue::DeliveryAddress> {
    if bodies.len() > MAX_DELIVERY_ADDRESSES {
        errors.push("/delivery_addresses", format!("at most {MAX_DELIVERY_ADDRESSES} delivery addresses"));
        return Vec::new();
    }
    let mut seen = std::collections::HashSet::new();
    let mut addresses = Vec::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let pointer = format!("/delivery_addresses/{i}");
        let id = crate::intake::required(errors, &format!("{pointer}/id"), body.id).and_then(|id| {
            let valid = !id.is_empty()
                && id.len() <= 40
                && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
            if !valid {
                errors.push(format!("{pointer}/id"), "1 to 40 letters, digits, '.', '_' or '-'");
                None
            } else if !seen.insert(id.clone()) {
                errors.push(format!("{pointer}/id"), format!("the id {id:?} is used twice"));
                None
            } else {
                Some(id)
            }
        });
        let address = crate::intake::address(errors, &format!("{pointer}/address"), body.address);
        if let (Some(id), Some(address)) = (id, address) {
            addresses.push(crate::catalogue::DeliveryAddress { id, address });
        }
    }
    addresses
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeppolIdBody {
    scheme: Option<String>,
    id: Option<String>,
}

/// `PUT /v1/customers/{id}`: the customer's master data (name, email, language, VAT id, billing address and the
/// discount on every line without a more specific one).
pub fn parse_customer(json: &str, id: crate::ids::CustomerId) -> Result<crate::catalogue::Customer, RequestError> {
    use crate::intake::{required, text};
    use crate::order::{EmailAddress, Language};
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: CustomerBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = FieldErrors::new();
    let name = required(&mut errors, "/name", body.name).and_then(|v| text(&mut errors, "/name", v, 200, false));
    let email = required(&mut errors, "/email", body.email)
        .and_then(|v| errors.take(EmailAddress::parse(v.trim()).map_err(|e| FieldError::new("/email", e))));
    let language =
        body.language.and_then(|v| errors.take(Language::parse(&v).map_err(|e| FieldError::new("/language", e))));
    let vat_id = body.vat_id.and_then(|v| text(&mut errors, "/vat_id", v, 32, false));
    let address = match body.address {
        Some(a) => crate::intake::address(&mut errors, "/address", Some(a)),
        None => None,
    };
    let discount = body.discount.and_then(|d| crate::intake::discount(&mut errors, "/discount", d));
    let delivery_addresses = delivery_addresses(&mut errors, body.delivery_addresses.unwrap_or_default());
    let peppol_id = body.peppol_id.and_then(|p| {
        let scheme = required(&mut errors, "/peppol_id/scheme", p.scheme)?;
        let identifier = required(&mut errors, "/peppol_id/id", p.id)?;
        errors.take(
            crate::ubl::PeppolId::parse(scheme.trim(), identifier.trim()).map_err(|e| FieldError::new("/peppol_id", e)),
        )
    });
    match (name, email, errors.is_empty()) {
        (Some(name), Some(email), true) => Ok(crate::catalogue::Customer {
            id,
            name,
            email,
            language,
            vat_id,
            address,
            discount,
            peppol_id,
            delivery_addresses,
        }),
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

#[cfg(test)]
mod catalogue_tests {
    use super::*;
    use crate::ids::Sku;
    use crate::money::Currency;

    fn pointers(result: Result<impl std::fmt::Debug, RequestError>) -> Vec<String> {
        match result {
            Ok(_) => vec![],
            Err(RequestError::Invalid(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
            Err(RequestError::Malformed { pointer, .. }) => vec![format!("malformed:{pointer}")],
        }
    }

    fn product(json: &str) -> Vec<String> {
        pointers(parse_product(json, Sku::parse("S").expect("sku"), Currency::parse("EUR").expect("EUR")))
    }

    #[test]
    fn products_need_a_name_a_price_and_a_consistent_vat() {
        assert!(product(r#"{"name": "Lamp", "price": "49.90", "vat_category": "S", "vat_rate": 25}"#).is_empty());
        assert_eq!(
            product(r#"{"price": "-1", "vat_category": "X", "vat_rate": 25}"#),
            ["/name", "/price", "/vat_category"]
        );
        assert_eq!(product(r#"{"name": "Book", "price": 1, "vat_category": "Z", "vat_rate": 6}"#), ["/vat_rate"]);
        assert_eq!(product(r#"{"name": "Lamp", "price": 1, "vat_category": "S", "vat_rate": 0}"#), ["/vat_rate"]);
        assert_eq!(
            product(r#"{"name": "Lamp", "price": 1, "vat_category": "S", "vat_rate": 25, "unit": "piece"}"#),
            ["/unit"]
        );
    }

    #[test]
    fn customers_need_a_name_and_an_email_and_valid_extras() {
        let id = || crate::ids::CustomerId::parse("C-9").expect("id");
        let customer = parse_customer(
            r#"{"name": "Åsa AB", "email": "asa@example.se", "language": "sv", "discount": {"percent": 3}}"#,
            id(),
        )
        .expect("valid");
        assert_eq!(customer.discount, Some(crate::order::Discount::Percent(Decimal::new(3, 0))));
        assert_eq!(
            pointers(parse_customer(r#"{"email": "nope", "language": "swedish", "discount": {"percent": 300}}"#, id())),
            ["/name", "/email", "/language", "/discount/percent"]
        );
    }

    #[test]
    fn customer_prices_need_a_price_or_a_discount() {
        assert!(pointers(parse_customer_price(r#"{"price": "45.00"}"#)).is_empty());
        assert!(pointers(parse_customer_price(r#"{"discount": {"percent": 10}}"#)).is_empty());
        assert_eq!(pointers(parse_customer_price("{}")), [""]);
        assert_eq!(pointers(parse_customer_price(r#"{"discount": {"percent": 150}}"#)), ["/discount/percent"]);
    }
}

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

/// An allowance or charge as requested: an amount, or (allowances) a percent of the lines' net.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRequest {
    /// Allowance or charge.
    pub kind: crate::pricing::AdjustmentKind,
    /// Why.
    pub reason: String,
    /// Fixed amount.
    pub amount: Option<Decimal>,
    /// Percent of the sum of line nets (allowances).
    pub percent: Option<Decimal>,
    /// VAT category.
    pub vat_category: crate::catalogue::VatCategory,
    /// VAT rate.
    pub vat_rate: Decimal,
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
    line_no: Option<u32>,
    confirmed_quantity: Option<JsonDecimal>,
    unit_price: Option<JsonDecimal>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdjustmentBody {
    reason: Option<String>,
    amount: Option<JsonDecimal>,
    percent: Option<JsonDecimal>,
    vat_category: Option<String>,
    vat_rate: Option<JsonDecimal>,
}

/// Parses a manual order response.
pub fn parse_manual_response(json: &str) -> Result<ManualResponse, RequestError> {
    use crate::intake::{required, text};
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
        let line_no = required(&mut errors, &format!("{p}/line_no"), line.line_no);
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

/// Document-level `charges` and `allowances` of a request (an order response, a quote): each with a reason, an
/// amount (allowances: or a percent of the lines), a VAT category and rate.
pub(crate) fn parse_adjustments(
    errors: &mut FieldErrors,
    charges: Option<Vec<AdjustmentBody>>,
    allowances: Option<Vec<AdjustmentBody>>,
) -> Vec<AdjustmentRequest> {
    use crate::catalogue::VatCategory;
    use crate::intake::{required, text};
    use crate::pricing::AdjustmentKind;
    let mut adjustments = Vec::new();
    for (kind, name, list) in
        [(AdjustmentKind::Charge, "charges", charges), (AdjustmentKind::Allowance, "allowances", allowances)]
    {
        for (i, adjustment) in list.unwrap_or_default().into_iter().enumerate() {
            let p = format!("/{name}/{i}");
            let reason = required(errors, &format!("{p}/reason"), adjustment.reason)
                .and_then(|r| text(errors, &format!("{p}/reason"), r, 100, false));
            let amount = adjustment.amount.and_then(|a| non_negative(errors, &format!("{p}/amount"), &a, 4));
            let percent = adjustment.percent.and_then(|a| non_negative(errors, &format!("{p}/percent"), &a, 4));
            if amount.is_some() == percent.is_some() || (percent.is_some() && kind == AdjustmentKind::Charge) {
                errors.push(
                    p.clone(),
                    if kind == AdjustmentKind::Charge {
                        "give an amount"
                    } else {
                        "give exactly one of amount or percent"
                    },
                );
            }
            if percent.is_some_and(|p| p > Decimal::ONE_HUNDRED) {
                errors.push(format!("{p}/percent"), "must be at most 100");
            }
            let category = required(errors, &format!("{p}/vat_category"), adjustment.vat_category).and_then(|c| {
                let parsed: Result<VatCategory, _> = serde_json::from_value(serde_json::Value::String(c.clone()));
                errors.take(parsed.map_err(|_| {
                    FieldError::new(format!("{p}/vat_category"), format!("{c:?} is not one of S, Z, E, AE, K, G, O"))
                }))
            });
            let rate = required(errors, &format!("{p}/vat_rate"), adjustment.vat_rate)
                .and_then(|r| non_negative(errors, &format!("{p}/vat_rate"), &r, 2));
            if let (Some(reason), Some(vat_category), Some(vat_rate)) = (reason, category, rate) {
                adjustments.push(AdjustmentRequest { kind, reason, amount, percent, vat_category, vat_rate });
            }
        }
    }
    adjustments
}

/// The allowances and charges of `requests` in money: a percent is of `lines_net`; rounded to the currency.
pub fn resolve_adjustments(
    requests: &[AdjustmentRequest],
    lines_net: Decimal,
    currency: crate::money::Currency,
) -> Vec<crate::pricing::DocumentAdjustment> {
    requests
        .iter()
        .map(|a| crate::pricing::DocumentAdjustment {
            kind: a.kind,
            reason: a.reason.clone(),
            amount: currency
                .round(a.amount.unwrap_or_else(|| lines_net * a.percent.unwrap_or_default() / Decimal::ONE_HUNDRED)),
            vat_category: a.vat_category,
            vat_rate: a.vat_rate,
        })
        .collect()
}

/// Applies a manual response to a `pending_response` order: the answered order (status, confirmed quantities,
/// repriced lines, allowances and charges, totals) or the problems, with pointers into the request.
pub fn apply_manual_response(
    order: &crate::order::Order,
    response: &ManualResponse,
) -> Result<crate::order::Order, Vec<FieldError>> {
    use crate::confirmation::LineOutcome;
    use crate::order::OrderStatus;
    use crate::pricing::order_totals_with;
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
            match crate::pricing::reprice(line, line.quantity, Some(price), currency) {
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
mod response_tests {
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
