//! The order's views (docs/api-conventions.md "Fields"): the detail the webshop and the buyer portal read, the
//! staff's detail with reservations, and the row of order lists. The buyer, address, line, amount and adjustment
//! views are the quote's too.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use orders_domain::adjustment::{AdjustmentKind, DocumentAdjustment};
use orders_domain::ids::{CustomerId, OrderId, QuoteId, Sku, WarehouseId};
use orders_domain::money::{Currency, Discount};
use orders_domain::order::{
    Buyer, Consignee, HistoryEntry, Order, OrderLine, OrderReferences, OrderStatus, OrderType, PriceSource,
    QuoteReference, StockWarning, Totals, VatBreakdown,
};
use orders_domain::party::{Address, EmailAddress, Language, PeppolId};
use orders_domain::stock::{LineOutcome, Reservation};
use orders_domain::tax::VatCategory;

use super::{decimal_string, iso_date, optional, rfc3339, to_json};

/// An order as the webshop sees it; with `history` for the detail view.
pub fn order_json(order: &Order, history: Option<&[HistoryEntry]>) -> Value {
    to_json(&OrderDetailView { order: OrderView::new(order), history: history.map(history_view) })
}

/// One row of an order list (the back office's and the buyer portal's): buyer, order number, type, amount,
/// requested delivery, received, status.
pub fn order_row_json(order: &Order) -> Value {
    to_json(&OrderRowView::new(order))
}

/// An order as the seller's staff see it: the webshop's view plus the stock reserved for it per warehouse and lot.
pub fn staff_order_json(order: &Order, history: &[HistoryEntry]) -> Value {
    to_json(&OrderDetailView { order: StaffOrderView::new(order), history: Some(history_view(history)) })
}

/// The history shown with an order, oldest first; empty if an entry's time cannot be written as RFC 3339.
fn history_view(history: &[HistoryEntry]) -> Vec<HistoryEntryView<'_>> {
    history.iter().map(HistoryEntryView::new).collect::<Option<Vec<_>>>().unwrap_or_default()
}

/// An order's detail (`V`: the webshop's [`OrderView`] or the staff's [`StaffOrderView`]) with its history. An
/// order whose timestamps RFC 3339 cannot express shows only its history.
#[derive(Serialize)]
struct OrderDetailView<'a, V> {
    /// The order.
    #[serde(flatten)]
    order: Option<V>,
    /// Its history log, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<HistoryEntryView<'a>>>,
}

/// An order as the webshop and the buyer see it: everything but the seller's tenant and the stock reserved for it
/// (docs/api-conventions.md "Fields": `tenant` is never shown, `reservations` to staff only).
#[derive(Serialize)]
struct OrderView<'a> {
    id: &'a OrderId,
    order_number: &'a str,
    #[serde(rename = "type")]
    order_type: OrderType,
    status: OrderStatus,
    /// The channel (webshop key id) that posted it.
    channel: &'a str,
    currency: Currency,
    buyer: BuyerView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_delivery_date: Option<String>,
    delivery_address: AddressView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_consignee: Option<ConsigneeView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blanket_order_id: Option<&'a OrderId>,
    /// A standing order's schedule: `every` (week, month) and `until` (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<&'a orders_domain::standing::Schedule>,
    lines: Vec<LineView<'a>>,
    totals: TotalsView,
    vat_breakdown: Vec<VatBreakdownView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    adjustments: Vec<AdjustmentView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    responded_at: Option<String>,
    #[serde(skip_serializing_if = "ReferencesView::is_empty")]
    references: ReferencesView<'a>,
}

impl<'a> OrderView<'a> {
    /// The view, or `None` when a timestamp or date cannot be written (docs/api-conventions.md "Time").
    fn new(order: &'a Order) -> Option<Self> {
        Some(Self {
            id: &order.id,
            order_number: &order.order_number,
            order_type: order.order_type,
            status: order.status,
            channel: &order.channel,
            currency: order.currency,
            buyer: BuyerView::from(&order.buyer),
            requested_delivery_date: optional(order.requested_delivery_date, iso_date)?,
            delivery_address: AddressView::from(&order.delivery_address),
            final_consignee: order.final_consignee.as_ref().map(ConsigneeView::from),
            blanket_order_id: order.blanket_order_id.as_ref(),
            schedule: order.schedule.as_ref(),
            lines: order.lines.iter().map(LineView::with_open_quantity).collect::<Option<_>>()?,
            totals: TotalsView::from(&order.totals),
            vat_breakdown: order.vat_breakdown.iter().map(VatBreakdownView::from).collect(),
            notes: order.notes.as_deref(),
            received_at: rfc3339(order.received_at)?,
            response_reason: order.response_reason.as_deref(),
            adjustments: order.adjustments.iter().map(AdjustmentView::from).collect(),
            responded_at: optional(order.responded_at, rfc3339)?,
            references: ReferencesView::from(&order.references),
        })
    }
}

/// An order as the seller's staff see it: the webshop's view plus the stock reserved for it.
#[derive(Serialize)]
struct StaffOrderView<'a> {
    #[serde(flatten)]
    order: OrderView<'a>,
    /// Per SKU, warehouse and lot; left out when nothing is reserved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reservations: Vec<ReservationView<'a>>,
}

impl<'a> StaffOrderView<'a> {
    /// The view, or `None` when a timestamp or date cannot be written (docs/api-conventions.md "Time").
    fn new(order: &'a Order) -> Option<Self> {
        Some(Self {
            order: OrderView::new(order)?,
            reservations: order.reservations.iter().map(ReservationView::from).collect(),
        })
    }
}

/// One row of an order list.
#[derive(Serialize)]
struct OrderRowView<'a> {
    id: &'a OrderId,
    order_number: &'a str,
    #[serde(rename = "type")]
    order_type: OrderType,
    /// Whether the order is an express order (flagged in lists).
    express: bool,
    status: OrderStatus,
    buyer: RowBuyerView<'a>,
    currency: Currency,
    #[serde(serialize_with = "decimal_string")]
    gross: Decimal,
    /// `null` when none was requested.
    requested_delivery_date: Option<String>,
    /// RFC 3339; empty if RFC 3339 cannot express it.
    received_at: String,
}

impl<'a> OrderRowView<'a> {
    fn new(order: &'a Order) -> Self {
        Self {
            id: &order.id,
            order_number: &order.order_number,
            order_type: order.order_type,
            express: order.order_type == OrderType::Express,
            status: order.status,
            buyer: RowBuyerView { customer_id: &order.buyer.customer_id, name: &order.buyer.name },
            currency: order.currency,
            gross: order.totals.gross,
            requested_delivery_date: order.requested_delivery_date.map(|d| d.to_string()),
            received_at: rfc3339(order.received_at).unwrap_or_default(),
        }
    }
}

/// The buyer in an order list row.
#[derive(Serialize)]
struct RowBuyerView<'a> {
    customer_id: &'a CustomerId,
    name: &'a str,
}

/// The buyer as the order or quote stores it (a snapshot of the customer register).
#[derive(Serialize)]
pub(super) struct BuyerView<'a> {
    customer_id: &'a CustomerId,
    name: &'a str,
    email: &'a EmailAddress,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vat_id: Option<&'a str>,
    /// Billing address.
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<AddressView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peppol_id: Option<PeppolIdView<'a>>,
}

impl<'a> From<&'a Buyer> for BuyerView<'a> {
    fn from(buyer: &'a Buyer) -> Self {
        Self {
            customer_id: &buyer.customer_id,
            name: &buyer.name,
            email: &buyer.email,
            language: buyer.language.as_ref(),
            vat_id: buyer.vat_id.as_deref(),
            address: buyer.address.as_ref().map(AddressView::from),
            peppol_id: buyer.peppol_id.as_ref().map(PeppolIdView::from),
        }
    }
}

/// A postal address (country: ISO 3166-1 alpha-2).
#[derive(Serialize)]
pub(super) struct AddressView<'a> {
    name: &'a str,
    street: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_street: Option<&'a str>,
    city: &'a str,
    postal_code: &'a str,
    country: &'a str,
}

impl<'a> From<&'a Address> for AddressView<'a> {
    fn from(address: &'a Address) -> Self {
        Self {
            name: &address.name,
            street: &address.street,
            additional_street: address.additional_street.as_deref(),
            city: &address.city,
            postal_code: &address.postal_code,
            country: &address.country,
        }
    }
}

/// A Peppol participant: Electronic Address Scheme code and identifier.
#[derive(Serialize)]
pub(super) struct PeppolIdView<'a> {
    scheme: &'a str,
    id: &'a str,
}

impl<'a> From<&'a PeppolId> for PeppolIdView<'a> {
    fn from(peppol_id: &'a PeppolId) -> Self {
        Self { scheme: &peppol_id.scheme, id: &peppol_id.id }
    }
}

/// The final consignee of a cross-docking order.
#[derive(Serialize)]
struct ConsigneeView<'a> {
    address: AddressView<'a>,
}

impl<'a> From<&'a Consignee> for ConsigneeView<'a> {
    fn from(consignee: &'a Consignee) -> Self {
        Self { address: AddressView::from(&consignee.address) }
    }
}

/// A priced line with its quantities (docs/api-conventions.md "Fields": per-line quantities); an order's lines also
/// show `open_quantity`, a quote's do not.
#[derive(Serialize)]
pub(super) struct LineView<'a> {
    line_no: u32,
    /// The buyer's id of the line, when it is not its position.
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer_line_id: Option<&'a str>,
    /// The net price per unit the buyer stated (Peppol BIS Orders), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer_price: Option<String>,
    /// `null` on a free-text line.
    sku: Option<&'a Sku>,
    description: &'a str,
    /// UN/ECE rec 20 unit code.
    unit: &'a str,
    #[serde(serialize_with = "decimal_string")]
    quantity: Decimal,
    #[serde(serialize_with = "decimal_string")]
    unit_price: Decimal,
    price_source: PriceSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount: Option<DiscountView>,
    /// The discount in money.
    #[serde(serialize_with = "decimal_string")]
    allowance: Decimal,
    #[serde(serialize_with = "decimal_string")]
    line_net: Decimal,
    vat_category: VatCategory,
    #[serde(serialize_with = "decimal_string")]
    vat_rate: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_delivery_date: Option<String>,
    #[serde(serialize_with = "decimal_string")]
    confirmed_quantity: Decimal,
    #[serde(serialize_with = "decimal_string")]
    shipped_quantity: Decimal,
    #[serde(serialize_with = "decimal_string")]
    invoiced_quantity: Decimal,
    /// Drawn down by call-off orders (blanket orders only); left out when zero.
    #[serde(serialize_with = "decimal_string", skip_serializing_if = "Decimal::is_zero")]
    called_off_quantity: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock_warning: Option<StockWarningView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_status: Option<LineOutcome>,
    /// Buyer-visible note on the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    /// Confirmed minus shipped (orders only).
    #[serde(skip_serializing_if = "Option::is_none")]
    open_quantity: Option<String>,
}

impl<'a> LineView<'a> {
    /// An order's line, with `open_quantity`; `None` when its date cannot be written.
    fn with_open_quantity(line: &'a OrderLine) -> Option<Self> {
        Some(Self { open_quantity: Some(line.open_quantity().to_string()), ..Self::new(line)? })
    }

    /// A quote's line; `None` when its date cannot be written.
    pub(super) fn new(line: &'a OrderLine) -> Option<Self> {
        Some(Self {
            line_no: line.line_no,
            buyer_line_id: line.buyer_line_id.as_deref(),
            buyer_price: line.buyer_price.map(|price| price.to_string()),
            sku: line.sku.as_ref(),
            description: &line.description,
            unit: &line.unit,
            quantity: line.quantity,
            unit_price: line.unit_price,
            price_source: line.price_source,
            discount: line.discount.map(DiscountView::from),
            allowance: line.allowance,
            line_net: line.line_net,
            vat_category: line.vat_category,
            vat_rate: line.vat_rate,
            requested_delivery_date: optional(line.requested_delivery_date, iso_date)?,
            confirmed_quantity: line.confirmed_quantity,
            shipped_quantity: line.shipped_quantity,
            invoiced_quantity: line.invoiced_quantity,
            called_off_quantity: line.called_off_quantity,
            stock_warning: line.stock_warning.as_ref().map(StockWarningView::from),
            line_status: line.line_status,
            note: line.note.as_deref(),
            open_quantity: None,
        })
    }
}

/// A line discount: `{"percent": "10"}` or `{"amount": "5.00"}`.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum DiscountView {
    /// Percent of the line's gross amount.
    Percent(#[serde(serialize_with = "decimal_string")] Decimal),
    /// Fixed amount off the line, in the parent's currency.
    Amount(#[serde(serialize_with = "decimal_string")] Decimal),
}

impl From<Discount> for DiscountView {
    fn from(discount: Discount) -> Self {
        match discount {
            Discount::Percent(percent) => Self::Percent(percent),
            Discount::Amount(amount) => Self::Amount(amount),
        }
    }
}

/// Stock looked short of the ordered quantity at intake.
#[derive(Serialize)]
struct StockWarningView<'a> {
    #[serde(serialize_with = "decimal_string")]
    available_quantity: Decimal,
    detail: &'a str,
}

impl<'a> From<&'a StockWarning> for StockWarningView<'a> {
    fn from(warning: &'a StockWarning) -> Self {
        Self { available_quantity: warning.available_quantity, detail: &warning.detail }
    }
}

/// `totals: {net, allowances, charges, vat, gross}` (docs/api-conventions.md "Fields").
#[derive(Serialize)]
pub(super) struct TotalsView {
    #[serde(serialize_with = "decimal_string")]
    net: Decimal,
    #[serde(serialize_with = "decimal_string")]
    allowances: Decimal,
    #[serde(serialize_with = "decimal_string")]
    charges: Decimal,
    #[serde(serialize_with = "decimal_string")]
    vat: Decimal,
    #[serde(serialize_with = "decimal_string")]
    gross: Decimal,
}

impl From<&Totals> for TotalsView {
    fn from(totals: &Totals) -> Self {
        Self {
            net: totals.net,
            allowances: totals.allowances,
            charges: totals.charges,
            vat: totals.vat,
            gross: totals.gross,
        }
    }
}

/// One entry of `vat_breakdown: [{category, rate, taxable, vat}]` (docs/api-conventions.md "Fields").
#[derive(Serialize)]
pub(super) struct VatBreakdownView {
    category: VatCategory,
    #[serde(serialize_with = "decimal_string")]
    rate: Decimal,
    #[serde(serialize_with = "decimal_string")]
    taxable: Decimal,
    #[serde(serialize_with = "decimal_string")]
    vat: Decimal,
}

impl From<&VatBreakdown> for VatBreakdownView {
    fn from(entry: &VatBreakdown) -> Self {
        Self { category: entry.category, rate: entry.rate, taxable: entry.taxable, vat: entry.vat }
    }
}

/// A document-level allowance or charge (freight, an order discount) with its VAT.
#[derive(Serialize)]
pub(super) struct AdjustmentView<'a> {
    kind: AdjustmentKind,
    reason: &'a str,
    #[serde(serialize_with = "decimal_string")]
    amount: Decimal,
    vat_category: VatCategory,
    #[serde(serialize_with = "decimal_string")]
    vat_rate: Decimal,
}

impl<'a> From<&'a DocumentAdjustment> for AdjustmentView<'a> {
    fn from(adjustment: &'a DocumentAdjustment) -> Self {
        Self {
            kind: adjustment.kind,
            reason: &adjustment.reason,
            amount: adjustment.amount,
            vat_category: adjustment.vat_category,
            vat_rate: adjustment.vat_rate,
        }
    }
}

/// Stock reserved for an order in one warehouse (and lot). Staff only.
#[derive(Serialize)]
struct ReservationView<'a> {
    sku: &'a Sku,
    warehouse: &'a WarehouseId,
    #[serde(skip_serializing_if = "Option::is_none")]
    lot: Option<&'a str>,
    #[serde(serialize_with = "decimal_string")]
    quantity: Decimal,
}

impl<'a> From<&'a Reservation> for ReservationView<'a> {
    fn from(reservation: &'a Reservation) -> Self {
        Self {
            sku: &reservation.sku,
            warehouse: &reservation.warehouse,
            lot: reservation.lot.as_deref(),
            quantity: reservation.quantity,
        }
    }
}

/// Where an order came from or went: splits, merges and the accepted quote version. Left out when there are none.
#[derive(Serialize)]
struct ReferencesView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    split_from: Option<&'a OrderId>,
    #[serde(skip_serializing_if = "<[OrderId]>::is_empty")]
    split_into: &'a [OrderId],
    #[serde(skip_serializing_if = "<[OrderId]>::is_empty")]
    merged_from: &'a [OrderId],
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_into: Option<&'a OrderId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote: Option<QuoteReferenceView<'a>>,
}

impl ReferencesView<'_> {
    /// No links: the order shows no `references`.
    fn is_empty(&self) -> bool {
        self.split_from.is_none()
            && self.split_into.is_empty()
            && self.merged_from.is_empty()
            && self.merged_into.is_none()
            && self.quote.is_none()
    }
}

impl<'a> From<&'a OrderReferences> for ReferencesView<'a> {
    fn from(references: &'a OrderReferences) -> Self {
        Self {
            split_from: references.split_from.as_ref(),
            split_into: &references.split_into,
            merged_from: &references.merged_from,
            merged_into: references.merged_into.as_ref(),
            quote: references.quote.as_ref().map(QuoteReferenceView::from),
        }
    }
}

/// The quote version the buyer accepted to place the order.
#[derive(Serialize)]
struct QuoteReferenceView<'a> {
    quote_id: &'a QuoteId,
    version: u32,
}

impl<'a> From<&'a QuoteReference> for QuoteReferenceView<'a> {
    fn from(reference: &'a QuoteReference) -> Self {
        Self { quote_id: &reference.quote_id, version: reference.version }
    }
}

/// One entry of an order's history log.
#[derive(Serialize)]
struct HistoryEntryView<'a> {
    /// RFC 3339.
    at: String,
    /// Who (`webshop:key_…`, `system:confirmation`, `operator:…`).
    actor: &'a str,
    /// What (`received`, `accepted`, …).
    action: &'a str,
    detail: &'a str,
}

impl<'a> HistoryEntryView<'a> {
    /// The entry, or `None` when its time cannot be written as RFC 3339.
    fn new(entry: &'a HistoryEntry) -> Option<Self> {
        Some(Self { at: rfc3339(entry.at)?, actor: &entry.actor, action: &entry.action, detail: &entry.detail })
    }
}
