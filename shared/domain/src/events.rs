//! Thin event envelopes carried by SQS (docs/api-conventions.md "Events"). Consumers read current state from the
//! table, so a late or repeated envelope is harmless; the one piece of state an envelope may carry is a hint
//! ([`StockHint`]) whose every use a conditional write checks.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalogue::StockHint;
use crate::despatch::Despatch;
use crate::ids::{new_event_id, OrderId, TenantId};
use crate::order::Order;

/// Event types, `<resource>.<past-tense verb>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    /// Intake stored a new order.
    #[serde(rename = "order.received")]
    OrderReceived,
    /// An order was changed and must be confirmed again.
    #[serde(rename = "order.changed")]
    OrderChanged,
    /// A despatch advice was recorded for an order (`ref` is the despatch number).
    #[serde(rename = "order.despatched")]
    OrderDespatched,
    /// Shipped quantities are ready to be invoiced (`ref`: the despatch number, or `order` for the whole order).
    #[serde(rename = "order.ready_to_invoice")]
    OrderReadyToInvoice,
    /// An invoice or debit note was issued by staff and still has to be archived and emailed (`ref`: its number).
    #[serde(rename = "invoice.issued")]
    InvoiceIssued,
    /// A credit note was issued and still has to be archived and emailed (`ref`: its number).
    #[serde(rename = "credit_note.issued")]
    CreditNoteIssued,
}

impl EventType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderReceived => "order.received",
            Self::OrderChanged => "order.changed",
            Self::OrderDespatched => "order.despatched",
            Self::OrderReadyToInvoice => "order.ready_to_invoice",
            Self::InvoiceIssued => "invoice.issued",
            Self::CreditNoteIssued => "credit_note.issued",
        }
    }
}

/// `{"type":"order.received","v":1,"event_id":"evt_…","tenant":"…","order_id":"ord_…","ref":"…","at":"…"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Envelope version.
    pub v: u32,
    /// Unique per event; consumers dedup on it.
    pub event_id: String,
    /// Seller.
    pub tenant: TenantId,
    /// Subject order.
    pub order_id: OrderId,
    /// A reference within the order (the order number, a despatch number, …).
    #[serde(rename = "ref")]
    pub reference: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The version of the tenant's settings the producer acted on: a consumer may use its cached copy of the
    /// settings when that is at least this new, and reads them otherwise (absent: always read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_version: Option<u64>,
    /// What the producer knew, so the consumer need not read it (`order.received` and `order.despatched` from
    /// intake; see [`Carried`]). Never part of a stored "publish pending" mark, so the relay's re-send is thin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Box<Carried>>,
}

/// The state an event carries from its producer (docs/api-conventions.md "Events"): the order as the producer
/// stored it, and what the consumer would otherwise read with it. The consumer plans from it and its one write is
/// conditional on that version, on the event still pending and on no seller note on the order; when any fails, it
/// reads the order and plans again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carried {
    /// The order as stored by the producer's write.
    pub order: Order,
    /// The version that write gave it.
    pub version: u64,
    /// `order.received`: the stock of the order's SKUs as read to price it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<StockHint>,
    /// `order.despatched`: the despatch recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub despatch: Option<Despatch>,
}

impl EventEnvelope {
    /// This event as its consumer finds it stored with the order's "publish pending" mark: without what it
    /// carries.
    pub fn thin(&self) -> Self {
        Self { carried: None, ..self.clone() }
    }
}

impl EventEnvelope {
    /// A new event with a fresh id.
    pub fn new(
        event_type: EventType,
        tenant: TenantId,
        order_id: OrderId,
        reference: String,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            event_type,
            v: 1,
            event_id: new_event_id(),
            tenant,
            order_id,
            reference,
            at,
            settings_version: None,
            carried: None,
        }
    }

    /// This event, saying it was produced with settings of `version` (see [`EventEnvelope::settings_version`]).
    pub fn with_settings_version(self, version: Option<u64>) -> Self {
        Self { settings_version: version, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `order.received` of order number WS-1 at the epoch.
    fn received() -> EventEnvelope {
        EventEnvelope::new(
            EventType::OrderReceived,
            TenantId::parse("acme").expect("tenant"),
            OrderId::generate(),
            "WS-1".into(),
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn envelopes_have_the_agreed_wire_shape() {
        let envelope = received();
        let json = serde_json::to_value(&envelope).expect("json");
        assert_eq!(json["type"], "order.received");
        assert_eq!(json["v"], 1);
        assert_eq!(json["ref"], "WS-1");
        assert_eq!(json["at"], "1970-01-01T00:00:00Z");
        assert!(json["event_id"].as_str().is_some_and(|id| id.starts_with("evt_")));
        let back: EventEnvelope = serde_json::from_value(json).expect("parse");
        assert_eq!(back, envelope);
    }

    #[test]
    fn carried_state_travels_with_decimals_as_strings_and_is_optional() {
        use crate::catalogue::{ReorderLevel, StockHint, StockLevel};
        use crate::ids::{Sku, WarehouseId};
        let sku = Sku::parse("SKU-1").expect("sku");
        let level = StockLevel {
            warehouse: WarehouseId::parse("malmo").expect("warehouse"),
            lot: Some("L1".into()),
            expires: Some(time::macros::date!(2027 - 03 - 01)),
            on_hand: "12.5".parse().expect("decimal"),
            reserved: "2".parse().expect("decimal"),
        };
        let minimum = ReorderLevel { minimum: "3".parse().expect("decimal"), target: "10".parse().expect("decimal") };
        let hint = StockHint {
            stock: [(sku.clone(), vec![level])].into_iter().collect(),
            reorder: [(sku, minimum)].into_iter().collect(),
        };
        let envelope = received();
        let order =
            crate::fixtures::order(crate::order::OrderType::Purchase, &[("SKU-1", "2".parse().expect("decimal"))]);
        let envelope = EventEnvelope {
            carried: Some(Box::new(Carried { order, version: 1, stock: Some(hint), despatch: None })),
            ..envelope
        };
        let json = serde_json::to_value(&envelope).expect("json");
        assert_eq!(json["carried"]["stock"]["stock"]["SKU-1"][0]["on_hand"], "12.5");
        assert_eq!(json["carried"]["stock"]["reorder"]["SKU-1"]["target"], "10");
        assert_eq!(json["carried"]["version"], 1);
        let back: EventEnvelope = serde_json::from_value(json.clone()).expect("parse");
        assert_eq!(back, envelope);
        assert_eq!(back.thin().carried, None);
        let mut thin = json;
        thin.as_object_mut().expect("object").remove("carried");
        let thin: EventEnvelope = serde_json::from_value(thin).expect("an envelope without what it carries");
        assert_eq!(thin, envelope.thin());
    }
}
