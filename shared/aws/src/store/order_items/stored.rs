//! The stored attributes of an order item and of a history entry, as types of the store's own.
//!
//! The table's data is a contract: changing it needs a data migration (docs/decisions/0001-single-table.md
//! "Consequences"). So the attributes of an order item are not whatever the domain's [`Order`] looks like today:
//! every stored struct here names its attributes explicitly (`#[serde(rename = …)]`), with the formats, defaults and
//! omissions they have always had, and converts to and from its domain type. Renaming a domain field is then a
//! compile error here, not silently different data. Plain values (ids, SKUs, currency, statuses, VAT categories,
//! price sources, email addresses, language tags) keep their domain serde form: that form is their value format.
//!
//! Each conversion destructures its source without `..`, so a field added on either side does not compile until it
//! is given a stored attribute (or a decision not to store it).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use orders_domain::adjustment::{AdjustmentKind, DocumentAdjustment};
use orders_domain::ids::{CustomerId, OrderId, QuoteId, Sku, TenantId, WarehouseId};
use orders_domain::money::Currency;
use orders_domain::order::{
    Buyer, Consignee, HistoryEntry, Order, OrderReferences, OrderStatus, OrderType, QuoteReference, Totals,
    VatBreakdown,
};
use orders_domain::party::{Address, EmailAddress, Language, PeppolId};
use orders_domain::stock::Reservation;
use orders_domain::tax::VatCategory;

use super::stored_line::StoredOrderLine;

// Calendar dates as stored: `YYYY-MM-DD`.
time::serde::format_description!(pub(super) stored_date, Date, "[year]-[month]-[day]");

/// The attributes of an order item that hold the order itself (beside its keys, `version`, `pending_event` and the
/// search helpers of [`super::OrderItem`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredOrder {
    #[serde(rename = "id")]
    id: OrderId,
    #[serde(rename = "tenant")]
    tenant: TenantId,
    #[serde(rename = "order_number")]
    order_number: String,
    #[serde(rename = "type")]
    order_type: OrderType,
    #[serde(rename = "status")]
    status: OrderStatus,
    /// The webshop key id that posted the order.
    #[serde(rename = "channel")]
    channel: String,
    #[serde(rename = "currency")]
    currency: Currency,
    #[serde(rename = "buyer")]
    buyer: StoredBuyer,
    #[serde(
        rename = "requested_delivery_date",
        default,
        with = "stored_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    requested_delivery_date: Option<Date>,
    #[serde(rename = "delivery_address")]
    delivery_address: StoredAddress,
    #[serde(rename = "final_consignee", default, skip_serializing_if = "Option::is_none")]
    final_consignee: Option<StoredConsignee>,
    #[serde(rename = "blanket_order_id", default, skip_serializing_if = "Option::is_none")]
    blanket_order_id: Option<OrderId>,
    #[serde(rename = "schedule", default, skip_serializing_if = "Option::is_none")]
    schedule: Option<StoredSchedule>,
    #[serde(rename = "lines")]
    lines: Vec<StoredOrderLine>,
    #[serde(rename = "totals")]
    totals: StoredTotals,
    #[serde(rename = "vat_breakdown")]
    vat_breakdown: Vec<StoredVatBreakdown>,
    #[serde(rename = "notes", default, skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    /// RFC 3339.
    #[serde(rename = "received_at", with = "time::serde::rfc3339")]
    received_at: OffsetDateTime,
    #[serde(rename = "response_reason", default, skip_serializing_if = "Option::is_none")]
    response_reason: Option<String>,
    #[serde(rename = "adjustments", default, skip_serializing_if = "Vec::is_empty")]
    adjustments: Vec<StoredAdjustment>,
    #[serde(rename = "reservations", default, skip_serializing_if = "Vec::is_empty")]
    reservations: Vec<StoredReservation>,
    /// RFC 3339.
    #[serde(
        rename = "responded_at",
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    responded_at: Option<OffsetDateTime>,
    #[serde(rename = "references", default, skip_serializing_if = "StoredReferences::is_empty")]
    references: StoredReferences,
}

impl From<&Order> for StoredOrder {
    fn from(order: &Order) -> Self {
        let Order {
            id,
            tenant,
            order_number,
            order_type,
            status,
            channel,
            currency,
            buyer,
            requested_delivery_date,
            delivery_address,
            final_consignee,
            blanket_order_id,
            schedule,
            lines,
            totals,
            vat_breakdown,
            notes,
            received_at,
            response_reason,
            adjustments,
            reservations,
            responded_at,
            references,
        } = order;
        Self {
            id: id.clone(),
            tenant: tenant.clone(),
            order_number: order_number.clone(),
            order_type: *order_type,
            status: *status,
            channel: channel.clone(),
            currency: *currency,
            buyer: buyer.into(),
            requested_delivery_date: *requested_delivery_date,
            delivery_address: delivery_address.into(),
            final_consignee: final_consignee.as_ref().map(StoredConsignee::from),
            blanket_order_id: blanket_order_id.clone(),
            schedule: schedule.map(|s| StoredSchedule { every: s.every, until: s.until }),
            lines: lines.iter().map(StoredOrderLine::from).collect(),
            totals: totals.into(),
            vat_breakdown: vat_breakdown.iter().map(StoredVatBreakdown::from).collect(),
            notes: notes.clone(),
            received_at: *received_at,
            response_reason: response_reason.clone(),
            adjustments: adjustments.iter().map(StoredAdjustment::from).collect(),
            reservations: reservations.iter().map(StoredReservation::from).collect(),
            responded_at: *responded_at,
            references: references.into(),
        }
    }
}

impl From<StoredOrder> for Order {
    fn from(stored: StoredOrder) -> Self {
        let StoredOrder {
            id,
            tenant,
            order_number,
            order_type,
            status,
            channel,
            currency,
            buyer,
            requested_delivery_date,
            delivery_address,
            final_consignee,
            blanket_order_id,
            schedule,
            lines,
            totals,
            vat_breakdown,
            notes,
            received_at,
            response_reason,
            adjustments,
            reservations,
            responded_at,
            references,
        } = stored;
        Self {
            id,
            tenant,
            order_number,
            order_type,
            status,
            channel,
            currency,
            buyer: buyer.into(),
            requested_delivery_date,
            delivery_address: delivery_address.into(),
            final_consignee: final_consignee.map(Consignee::from),
            blanket_order_id,
            schedule: schedule.map(|s| orders_domain::standing::Schedule { every: s.every, until: s.until }),
            lines: lines.into_iter().map(Into::into).collect(),
            totals: totals.into(),
            vat_breakdown: vat_breakdown.into_iter().map(VatBreakdown::from).collect(),
            notes,
            received_at,
            response_reason,
            adjustments: adjustments.into_iter().map(DocumentAdjustment::from).collect(),
            reservations: reservations.into_iter().map(Reservation::from).collect(),
            responded_at,
            references: references.into(),
        }
    }
}

/// The stored buyer snapshot (attribute `buyer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredBuyer {
    #[serde(rename = "customer_id")]
    customer_id: CustomerId,
    #[serde(rename = "name")]
    name: String,
    #[serde(rename = "email")]
    email: EmailAddress,
    #[serde(rename = "language", default, skip_serializing_if = "Option::is_none")]
    language: Option<Language>,
    #[serde(rename = "vat_id", default, skip_serializing_if = "Option::is_none")]
    vat_id: Option<String>,
    #[serde(rename = "address", default, skip_serializing_if = "Option::is_none")]
    address: Option<StoredAddress>,
    #[serde(rename = "peppol_id", default, skip_serializing_if = "Option::is_none")]
    peppol_id: Option<StoredPeppolId>,
}

impl From<&Buyer> for StoredBuyer {
    fn from(buyer: &Buyer) -> Self {
        let Buyer { customer_id, name, email, language, vat_id, address, peppol_id } = buyer;
        Self {
            customer_id: customer_id.clone(),
            name: name.clone(),
            email: email.clone(),
            language: language.clone(),
            vat_id: vat_id.clone(),
            address: address.as_ref().map(StoredAddress::from),
            peppol_id: peppol_id.as_ref().map(StoredPeppolId::from),
        }
    }
}

impl From<StoredBuyer> for Buyer {
    fn from(stored: StoredBuyer) -> Self {
        let StoredBuyer { customer_id, name, email, language, vat_id, address, peppol_id } = stored;
        Self {
            customer_id,
            name,
            email,
            language,
            vat_id,
            address: address.map(Address::from),
            peppol_id: peppol_id.map(PeppolId::from),
        }
    }
}

/// A stored postal address (the buyer's billing address, the delivery address, the final consignee's address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredAddress {
    #[serde(rename = "name")]
    name: String,
    #[serde(rename = "street")]
    street: String,
    #[serde(rename = "additional_street", default, skip_serializing_if = "Option::is_none")]
    additional_street: Option<String>,
    #[serde(rename = "city")]
    city: String,
    #[serde(rename = "postal_code")]
    postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[serde(rename = "country")]
    country: String,
}

impl From<&Address> for StoredAddress {
    fn from(address: &Address) -> Self {
        let Address { name, street, additional_street, city, postal_code, country } = address;
        Self {
            name: name.clone(),
            street: street.clone(),
            additional_street: additional_street.clone(),
            city: city.clone(),
            postal_code: postal_code.clone(),
            country: country.clone(),
        }
    }
}

impl From<StoredAddress> for Address {
    fn from(stored: StoredAddress) -> Self {
        let StoredAddress { name, street, additional_street, city, postal_code, country } = stored;
        Self { name, street, additional_street, city, postal_code, country }
    }
}

/// The buyer's stored Peppol participant id (attribute `buyer.peppol_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredPeppolId {
    /// Electronic Address Scheme code.
    #[serde(rename = "scheme")]
    scheme: String,
    #[serde(rename = "id")]
    id: String,
}

impl From<&PeppolId> for StoredPeppolId {
    fn from(peppol: &PeppolId) -> Self {
        let PeppolId { scheme, id } = peppol;
        Self { scheme: scheme.clone(), id: id.clone() }
    }
}

impl From<StoredPeppolId> for PeppolId {
    fn from(stored: StoredPeppolId) -> Self {
        let StoredPeppolId { scheme, id } = stored;
        Self { scheme, id }
    }
}

/// The stored schedule of a standing order (attribute `schedule`: `every`, `until` as `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredSchedule {
    #[serde(rename = "every")]
    every: orders_domain::standing::Period,
    #[serde(rename = "until", with = "stored_date")]
    until: time::Date,
}

/// The stored final consignee of a cross-docking order (attribute `final_consignee`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredConsignee {
    #[serde(rename = "address")]
    address: StoredAddress,
}

impl From<&Consignee> for StoredConsignee {
    fn from(consignee: &Consignee) -> Self {
        let Consignee { address } = consignee;
        Self { address: address.into() }
    }
}

impl From<StoredConsignee> for Consignee {
    fn from(stored: StoredConsignee) -> Self {
        let StoredConsignee { address } = stored;
        Self { address: address.into() }
    }
}

/// The stored order totals (attribute `totals`), every amount a decimal string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredTotals {
    #[serde(rename = "net", with = "rust_decimal::serde::str")]
    net: Decimal,
    #[serde(rename = "allowances", with = "rust_decimal::serde::str")]
    allowances: Decimal,
    #[serde(rename = "charges", with = "rust_decimal::serde::str")]
    charges: Decimal,
    #[serde(rename = "vat", with = "rust_decimal::serde::str")]
    vat: Decimal,
    #[serde(rename = "gross", with = "rust_decimal::serde::str")]
    gross: Decimal,
}

impl From<&Totals> for StoredTotals {
    fn from(totals: &Totals) -> Self {
        let Totals { net, allowances, charges, vat, gross } = *totals;
        Self { net, allowances, charges, vat, gross }
    }
}

impl From<StoredTotals> for Totals {
    fn from(stored: StoredTotals) -> Self {
        let StoredTotals { net, allowances, charges, vat, gross } = stored;
        Self { net, allowances, charges, vat, gross }
    }
}

/// One stored VAT breakdown entry (an element of attribute `vat_breakdown`), amounts as decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredVatBreakdown {
    #[serde(rename = "category")]
    category: VatCategory,
    #[serde(rename = "rate", with = "rust_decimal::serde::str")]
    rate: Decimal,
    #[serde(rename = "taxable", with = "rust_decimal::serde::str")]
    taxable: Decimal,
    #[serde(rename = "vat", with = "rust_decimal::serde::str")]
    vat: Decimal,
}

impl From<&VatBreakdown> for StoredVatBreakdown {
    fn from(entry: &VatBreakdown) -> Self {
        let VatBreakdown { category, rate, taxable, vat } = *entry;
        Self { category, rate, taxable, vat }
    }
}

impl From<StoredVatBreakdown> for VatBreakdown {
    fn from(stored: StoredVatBreakdown) -> Self {
        let StoredVatBreakdown { category, rate, taxable, vat } = stored;
        Self { category, rate, taxable, vat }
    }
}

/// One stored document-level allowance or charge (an element of attribute `adjustments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredAdjustment {
    #[serde(rename = "kind")]
    kind: AdjustmentKind,
    #[serde(rename = "reason")]
    reason: String,
    #[serde(rename = "amount", with = "rust_decimal::serde::str")]
    amount: Decimal,
    #[serde(rename = "vat_category")]
    vat_category: VatCategory,
    #[serde(rename = "vat_rate", with = "rust_decimal::serde::str")]
    vat_rate: Decimal,
}

impl From<&DocumentAdjustment> for StoredAdjustment {
    fn from(adjustment: &DocumentAdjustment) -> Self {
        let DocumentAdjustment { kind, reason, amount, vat_category, vat_rate } = adjustment;
        Self { kind: *kind, reason: reason.clone(), amount: *amount, vat_category: *vat_category, vat_rate: *vat_rate }
    }
}

impl From<StoredAdjustment> for DocumentAdjustment {
    fn from(stored: StoredAdjustment) -> Self {
        let StoredAdjustment { kind, reason, amount, vat_category, vat_rate } = stored;
        Self { kind, reason, amount, vat_category, vat_rate }
    }
}

/// One stored stock reservation of the order (an element of attribute `reservations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredReservation {
    #[serde(rename = "sku")]
    sku: Sku,
    #[serde(rename = "warehouse")]
    warehouse: WarehouseId,
    #[serde(rename = "lot", default, skip_serializing_if = "Option::is_none")]
    lot: Option<String>,
    #[serde(rename = "quantity", with = "rust_decimal::serde::str")]
    quantity: Decimal,
}

impl From<&Reservation> for StoredReservation {
    fn from(reservation: &Reservation) -> Self {
        let Reservation { sku, warehouse, lot, quantity } = reservation;
        Self { sku: sku.clone(), warehouse: warehouse.clone(), lot: lot.clone(), quantity: *quantity }
    }
}

impl From<StoredReservation> for Reservation {
    fn from(stored: StoredReservation) -> Self {
        let StoredReservation { sku, warehouse, lot, quantity } = stored;
        Self { sku, warehouse, lot, quantity }
    }
}

/// The stored links to other orders from splits, merges and the accepted quote (attribute `references`, left out
/// when there are none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredReferences {
    #[serde(rename = "split_from", default, skip_serializing_if = "Option::is_none")]
    split_from: Option<OrderId>,
    #[serde(rename = "split_into", default, skip_serializing_if = "Vec::is_empty")]
    split_into: Vec<OrderId>,
    #[serde(rename = "merged_from", default, skip_serializing_if = "Vec::is_empty")]
    merged_from: Vec<OrderId>,
    #[serde(rename = "merged_into", default, skip_serializing_if = "Option::is_none")]
    merged_into: Option<OrderId>,
    #[serde(rename = "quote", default, skip_serializing_if = "Option::is_none")]
    quote: Option<StoredQuoteReference>,
}

impl StoredReferences {
    /// No links: the attribute is left out.
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

impl From<&OrderReferences> for StoredReferences {
    fn from(references: &OrderReferences) -> Self {
        let OrderReferences { split_from, split_into, merged_from, merged_into, quote } = references;
        Self {
            split_from: split_from.clone(),
            split_into: split_into.clone(),
            merged_from: merged_from.clone(),
            merged_into: merged_into.clone(),
            quote: quote.as_ref().map(StoredQuoteReference::from),
        }
    }
}

impl From<StoredReferences> for OrderReferences {
    fn from(stored: StoredReferences) -> Self {
        let StoredReferences { split_from, split_into, merged_from, merged_into, quote } = stored;
        Self { split_from, split_into, merged_from, merged_into, quote: quote.map(QuoteReference::from) }
    }
}

/// The stored quote version an order was placed from (attribute `references.quote`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredQuoteReference {
    #[serde(rename = "quote_id")]
    quote_id: QuoteId,
    #[serde(rename = "version")]
    version: u32,
}

impl From<&QuoteReference> for StoredQuoteReference {
    fn from(reference: &QuoteReference) -> Self {
        let QuoteReference { quote_id, version } = reference;
        Self { quote_id: quote_id.clone(), version: *version }
    }
}

impl From<StoredQuoteReference> for QuoteReference {
    fn from(stored: StoredQuoteReference) -> Self {
        let StoredQuoteReference { quote_id, version } = stored;
        Self { quote_id, version }
    }
}

/// The attributes of a history item that hold the entry itself (beside its keys and `entity`; see
/// [`super::HistoryItem`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredHistoryEntry {
    /// RFC 3339.
    #[serde(rename = "at", with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    #[serde(rename = "actor")]
    actor: String,
    #[serde(rename = "action")]
    action: String,
    #[serde(rename = "detail")]
    detail: String,
}

impl From<&HistoryEntry> for StoredHistoryEntry {
    fn from(entry: &HistoryEntry) -> Self {
        let HistoryEntry { at, actor, action, detail } = entry;
        Self { at: *at, actor: actor.clone(), action: action.clone(), detail: detail.clone() }
    }
}

impl From<StoredHistoryEntry> for HistoryEntry {
    fn from(stored: StoredHistoryEntry) -> Self {
        let StoredHistoryEntry { at, actor, action, detail } = stored;
        Self { at, actor, action, detail }
    }
}
