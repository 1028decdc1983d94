//! Quotes (docs/domain.md "Quotes and the buyer portal"): the order's shape plus a validity date and a version.
//! draft → sent → accepted | declined | expired; a sent, declined or expired quote is reopened as the next version
//! (earlier versions stay as they were). Accepting turns the quote's priced lines into an order, once.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::adjustment::DocumentAdjustment;
use crate::admin::{parse_adjustments, resolve_adjustments, AdjustmentBody, AdjustmentRequest};
use crate::ids::{OrderId, QuoteId, TenantId};
use crate::intake::{parse_order, OrderDraft};
use crate::money::Currency;
use crate::order::{Buyer, Order, OrderLine, OrderReferences, OrderStatus, OrderType, Totals, VatBreakdown};
use crate::parsing::{date, malformed_at, required, RequestError};
use crate::party::Address;
use crate::pricing::order_totals_with;
use crate::validation::{FieldError, FieldErrors};

/// Which quote version an order came from: it is part of the order's references ([`crate::order`]); re-exported
/// where it always was.
pub use crate::order::QuoteReference;

/// The channel of orders made from accepted quotes (their order numbers are `quo_…/v2`).
pub const QUOTE_CHANNEL: &str = "quotes";
/// How far ahead a quote may be valid.
pub const MAX_VALIDITY_DAYS: i64 = 366;

/// Where a quote version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Being written by the seller; the buyer cannot see it.
    Draft,
    /// Sent to the buyer, who may accept or decline it until its validity date.
    Sent,
    /// The buyer accepted it; it became an order.
    Accepted,
    /// The buyer declined it.
    Declined,
    /// Its validity date passed while it was sent.
    Expired,
}

impl QuoteStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Expired => "expired",
        }
    }
}

/// One version of a quote, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The quote (shared by its versions).
    pub id: QuoteId,
    /// The seller.
    pub tenant: TenantId,
    /// 1, 2, 3 …
    pub version: u32,
    /// As stored; see [`Quote::status_on`] for expiry.
    pub status: QuoteStatus,
    /// The order type the accepted quote becomes.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Currency of every amount.
    pub currency: Currency,
    /// Buyer snapshot.
    pub buyer: Buyer,
    /// Delivery address.
    pub delivery_address: Address,
    /// Requested delivery date.
    #[serde(default, with = "crate::order::iso_date::option", skip_serializing_if = "Option::is_none")]
    pub requested_delivery_date: Option<Date>,
    /// Priced lines: what the order will carry, whatever the catalogue says later.
    pub lines: Vec<OrderLine>,
    /// Document-level allowances and charges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<DocumentAdjustment>,
    /// Totals.
    pub totals: Totals,
    /// VAT breakdown.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// Last day the buyer may accept it.
    #[serde(with = "crate::order::iso_date")]
    pub valid_until_date: Date,
    /// Notes for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// When this version was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was sent.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<OffsetDateTime>,
    /// When the buyer accepted or declined it.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<OffsetDateTime>,
    /// Why the buyer declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// The order accepting it made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
}

/// Why a quote cannot do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteRefusal {
    /// Not in a state that allows it (409).
    #[error("{0}")]
    State(String),
}

impl Quote {
    /// The status on `today`: a sent quote past its validity date has expired.
    pub fn status_on(&self, today: Date) -> QuoteStatus {
        match self.status {
            QuoteStatus::Sent if self.valid_until_date < today => QuoteStatus::Expired,
            status => status,
        }
    }

    /// The order number of the order accepting this version makes (unique per version).
    pub fn order_number(&self) -> String {
        format!("{}/v{}", self.id, self.version)
    }

    /// A draft sent to the buyer at `now`.
    pub fn send(&self, now: OffsetDateTime) -> Result<Quote, QuoteRefusal> {
        if self.status != QuoteStatus::Draft {
            return Err(QuoteRefusal::State(format!(
                "quote {} version {} is {}; only a draft is sent",
                self.id,
                self.version,
                self.status.as_str()
            )));
        }
        if self.valid_until_date < now.date() {
            return Err(QuoteRefusal::State(format!(
                "quote {} was valid until {}; reopen it with a new validity date",
                self.id, self.valid_until_date
            )));
        }
        Ok(Quote { status: QuoteStatus::Sent, sent_at: Some(now), ..self.clone() })
    }

    /// Whether the buyer may accept or decline it on `today`; the refusal says why not.
    pub fn check_open(&self, today: Date) -> Result<(), QuoteRefusal> {
        match self.status_on(today) {
            QuoteStatus::Sent => Ok(()),
            QuoteStatus::Expired => Err(QuoteRefusal::State(format!(
                "quote {} expired on {}; ask the seller for a new version",
                self.id, self.valid_until_date
            ))),
            other => {
                Err(QuoteRefusal::State(format!("quote {} version {} is {}", self.id, self.version, other.as_str())))
            }
        }
    }

    /// Whether the seller may reopen this version (the latest) as the next one on `today`: a sent, declined or
    /// expired version may; an accepted one only once the order it became (`order_status`) was rejected.
    pub fn check_reopen(&self, today: Date, order_status: Option<OrderStatus>) -> Result<(), QuoteRefusal> {
        match self.status_on(today) {
            QuoteStatus::Sent | QuoteStatus::Declined | QuoteStatus::Expired => Ok(()),
            QuoteStatus::Accepted if order_status == Some(OrderStatus::Rejected) => Ok(()),
            QuoteStatus::Accepted => Err(QuoteRefusal::State(format!(
                "quote {} version {} became order {}; it is reopened only if that order is rejected",
                self.id,
                self.version,
                self.order_id.as_ref().map(OrderId::as_str).unwrap_or("?")
            ))),
            QuoteStatus::Draft => Err(QuoteRefusal::State(format!(
                "version {} of quote {} is still a draft; send it first",
                self.version, self.id
            ))),
        }
    }

    /// The sent quote accepted at `now` by making `order_id`.
    pub fn accept(&self, order_id: &OrderId, now: OffsetDateTime) -> Result<Quote, QuoteRefusal> {
        self.check_open(now.date())?;
        Ok(Quote {
            status: QuoteStatus::Accepted,
            decided_at: Some(now),
            order_id: Some(order_id.clone()),
            ..self.clone()
        })
    }

    /// The order accepting this version makes: the quote's lines, prices, allowances and charges as quoted.
    pub fn to_order(&self, now: OffsetDateTime) -> Order {
        let lines = self
            .lines
            .iter()
            .map(|line| OrderLine {
                confirmed_quantity: Decimal::ZERO,
                shipped_quantity: Decimal::ZERO,
                invoiced_quantity: Decimal::ZERO,
                called_off_quantity: Decimal::ZERO,
                stock_warning: None,
                line_status: None,
                note: None,
                ..line.clone()
            })
            .collect();
        Order {
            id: OrderId::generate(),
            tenant: self.tenant.clone(),
            order_number: self.order_number(),
            order_type: self.order_type,
            status: OrderStatus::Received,
            channel: QUOTE_CHANNEL.to_owned(),
            currency: self.currency,
            buyer: self.buyer.clone(),
            requested_delivery_date: self.requested_delivery_date,
            delivery_address: self.delivery_address.clone(),
            final_consignee: None,
            blanket_order_id: None,
            schedule: None,
            lines,
            totals: self.totals.clone(),
            vat_breakdown: self.vat_breakdown.clone(),
            notes: self.notes.clone(),
            received_at: now,
            response_reason: None,
            adjustments: self.adjustments.clone(),
            reservations: Vec::new(),
            responded_at: None,
            references: OrderReferences {
                quote: Some(QuoteReference { quote_id: self.id.clone(), version: self.version }),
                ..Default::default()
            },
        }
    }
}

/// A quote request that passed every check that needs no catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteDraft {
    /// Buyer, lines (with any agreed prices and discounts), delivery, notes: checked as an order is.
    pub order: OrderDraft,
    /// Last day the buyer may accept.
    pub valid_until_date: Date,
    /// Document-level allowances and charges.
    pub adjustments: Vec<AdjustmentRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustmentsBody {
    charges: Option<Vec<AdjustmentBody>>,
    allowances: Option<Vec<AdjustmentBody>>,
}

/// Parses `POST /v1/quotes`: an order document without `order_number` (the order is numbered after the quote),
/// plus `valid_until_date` and optional `charges` and `allowances`. `today` (UTC) bounds the dates.
pub fn parse_quote(json: &str, today: Date) -> Result<QuoteDraft, RequestError> {
    let mut value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| RequestError::Malformed { pointer: String::new(), detail: e.to_string() })?;
    let Some(object) = value.as_object_mut() else {
        return Err(RequestError::Malformed { pointer: String::new(), detail: "expected a JSON object".into() });
    };
    let mut errors = FieldErrors::new();
    if object.contains_key("order_number") {
        errors.push("/order_number", "a quote has no order number: the order it becomes is numbered after it");
    }
    let valid_until = object.remove("valid_until_date");
    let mut adjustments = serde_json::Map::new();
    for name in ["charges", "allowances"] {
        if let Some(list) = object.remove(name) {
            adjustments.insert(name.to_owned(), list);
        }
    }
    object.insert("order_number".into(), serde_json::Value::String("quote".into()));
    let adjustments_json = serde_json::Value::Object(adjustments).to_string();
    let mut deserializer = serde_json::Deserializer::from_str(&adjustments_json);
    let bodies: AdjustmentsBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let adjustments = parse_adjustments(&mut errors, bodies.charges, bodies.allowances);
    let valid_until_date = match required(&mut errors, "/valid_until_date", valid_until) {
        Some(serde_json::Value::String(raw)) => date(&mut errors, "/valid_until_date", &raw, today),
        Some(other) => {
            errors.push("/valid_until_date", format!("{other} is not a date in the form YYYY-MM-DD"));
            None
        }
        None => None,
    };
    if let Some(until) = valid_until_date {
        if until > today + Duration::days(MAX_VALIDITY_DAYS) {
            errors.push("/valid_until_date", format!("a quote is valid for at most {MAX_VALIDITY_DAYS} days"));
        }
    }
    let order = match parse_order(&value.to_string(), today) {
        Ok(parsed) => Some(parsed.draft),
        Err(RequestError::Invalid(found)) => {
            for error in found {
                errors.push(error.pointer, error.detail);
            }
            None
        }
        Err(malformed) => return Err(malformed),
    };
    match (order, valid_until_date, errors.is_empty()) {
        (Some(order), Some(valid_until_date), true) => Ok(QuoteDraft { order, valid_until_date, adjustments }),
        _ => Err(RequestError::Invalid(errors.into_vec())),
    }
}

/// Version `version` of quote `id`, a draft, from its request and its lines priced as an order would be.
pub fn draft_quote(
    id: QuoteId,
    version: u32,
    draft: &QuoteDraft,
    priced: Order,
    now: OffsetDateTime,
) -> Result<Quote, Vec<FieldError>> {
    let currency = priced.currency;
    let lines_net: Decimal = priced.lines.iter().map(|l| l.line_net).sum();
    let adjustments = resolve_adjustments(&draft.adjustments, lines_net, currency);
    let (totals, vat_breakdown) = order_totals_with(&priced.lines, &adjustments, currency);
    if totals.net - totals.allowances + totals.charges < Decimal::ZERO {
        return Err(vec![FieldError::new("/allowances", "the allowances exceed the quoted amount")]);
    }
    Ok(Quote {
        id,
        tenant: priced.tenant,
        version,
        status: QuoteStatus::Draft,
        order_type: priced.order_type,
        currency,
        buyer: priced.buyer,
        delivery_address: priced.delivery_address,
        requested_delivery_date: priced.requested_delivery_date,
        lines: priced.lines,
        adjustments,
        totals,
        vat_breakdown,
        valid_until_date: draft.valid_until_date,
        notes: priced.notes,
        created_at: now,
        sent_at: None,
        decided_at: None,
        decline_reason: None,
        order_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const QUOTE: &str = r#"{
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "delivery_address": {"name": "Anna", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [{"sku": "SKU-1", "quantity": "10", "unit_price": "9.50"}],
        "charges": [{"reason": "Freight", "amount": "25.00", "vat_category": "S", "vat_rate": 25}],
        "valid_until_date": "2026-12-31"
    }"#;

    #[test]
    fn a_quote_is_an_order_document_with_a_validity_date() {
        let draft = parse_quote(QUOTE, date!(2026 - 12 - 01)).expect("parsed");
        assert_eq!(draft.valid_until_date, date!(2026 - 12 - 31));
        assert_eq!(draft.order.lines[0].request.unit_price, Some(Decimal::new(950, 2)));
        assert_eq!(draft.adjustments.len(), 1);
    }

    #[test]
    fn quote_problems_point_into_the_request() {
        let body = QUOTE
            .replace(r#""valid_until_date": "2026-12-31""#, r#""valid_until_date": "2026-11-30", "order_number": "X""#)
            .replace(r#""quantity": "10""#, r#""quantity": "-1""#)
            .replace(r#""amount": "25.00""#, r#""amount": "-3""#);
        let Err(RequestError::Invalid(errors)) = parse_quote(&body, date!(2026 - 12 - 01)) else { panic!("invalid") };
        let mut pointers: Vec<String> = errors.into_iter().map(|e| e.pointer).collect();
        pointers.sort();
        assert_eq!(
            pointers,
            ["/charges/0", "/charges/0/amount", "/lines/0/quantity", "/order_number", "/valid_until_date"]
        );
        assert!(matches!(
            parse_quote(r#"{"charges": [{"reason": 5}]}"#, date!(2026 - 12 - 01)),
            Err(RequestError::Malformed { pointer, .. }) if pointer == "/charges/0/reason"
        ));
        assert!(parse_quote("[]", date!(2026 - 12 - 01)).is_err());
    }

    fn quote(status: QuoteStatus) -> Quote {
        let order = crate::fixtures::order(OrderType::Purchase, &[("S1", Decimal::new(4, 0))]);
        let draft = QuoteDraft {
            order: parse_quote(QUOTE, date!(2026 - 12 - 01)).expect("parsed").order,
            valid_until_date: date!(2026 - 12 - 31),
            adjustments: Vec::new(),
        };
        let mut quote =
            draft_quote(QuoteId::generate(), 1, &draft, order, datetime!(2026-12-01 10:00 UTC)).expect("quote");
        quote.status = status;
        quote
    }

    #[test]
    fn a_draft_is_sent_then_accepted_once_and_only_while_valid() {
        let draft = quote(QuoteStatus::Draft);
        assert!(draft.check_open(date!(2026 - 12 - 02)).is_err(), "the buyer cannot accept a draft");
        let sent = draft.send(datetime!(2026-12-02 09:00 UTC)).expect("sent");
        assert!(sent.send(datetime!(2026-12-02 09:00 UTC)).is_err(), "sent once");
        assert_eq!(sent.status_on(date!(2027 - 01 - 01)), QuoteStatus::Expired);
        assert!(sent.accept(&OrderId::generate(), datetime!(2027-01-01 00:00 UTC)).is_err(), "expired");
        let order_id = OrderId::generate();
        let accepted = sent.accept(&order_id, datetime!(2026-12-31 23:59 UTC)).expect("accepted on the last day");
        assert_eq!(accepted.order_id, Some(order_id));
        assert!(accepted.accept(&OrderId::generate(), datetime!(2026-12-31 23:59 UTC)).is_err());
    }

    #[test]
    fn a_quote_is_reopened_unless_it_is_a_draft_or_became_a_live_order() {
        let today = date!(2026 - 12 - 02);
        assert!(quote(QuoteStatus::Draft).check_reopen(today, None).is_err());
        for status in [QuoteStatus::Sent, QuoteStatus::Declined, QuoteStatus::Expired] {
            assert!(quote(status).check_reopen(today, None).is_ok(), "{status:?}");
        }
        let accepted = quote(QuoteStatus::Accepted);
        assert!(accepted.check_reopen(today, Some(OrderStatus::Accepted)).is_err());
        assert!(accepted.check_reopen(today, Some(OrderStatus::Rejected)).is_ok(), "renegotiation");
    }

    #[test]
    fn the_order_of_a_quote_carries_its_prices_and_reference() {
        let sent = quote(QuoteStatus::Sent);
        let order = sent.to_order(datetime!(2026-12-03 10:00 UTC));
        assert_eq!(order.order_number, format!("{}/v1", sent.id));
        assert_eq!(order.channel, QUOTE_CHANNEL);
        assert_eq!(order.totals, sent.totals);
        assert_eq!(order.lines[0].unit_price, sent.lines[0].unit_price);
        assert_eq!(order.references.quote, Some(QuoteReference { quote_id: sent.id.clone(), version: 1 }));
    }
}
