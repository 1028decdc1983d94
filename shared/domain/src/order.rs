//! The order as stored and shown: header, priced lines, totals, statuses, history.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::adjustment::DocumentAdjustment;
use crate::ids::{CustomerId, OrderId, QuoteId, Sku, TenantId};
use crate::money::Currency;
use crate::party::PeppolId;
use crate::stock::{LineOutcome, Reservation};
use crate::tax::VatCategory;

/// Line discounts are money values ([`crate::money`]); re-exported where they always were.
pub use crate::money::Discount;
/// Email addresses, languages and postal addresses are party values ([`crate::party`]); re-exported where they
/// always were.
pub use crate::party::{Address, EmailAddress, Language};

// Calendar dates as `YYYY-MM-DD` (docs/api-conventions.md "Time").
time::serde::format_description!(
    pub iso_date,
    Date,
    "[year]-[month]-[day]"
);

/// Order types (Pagero Manage Orders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// The default.
    Purchase,
    /// Priority: processed first, flagged in emails and lists.
    Express,
    /// Framework agreement: quantities and prices, never shipped itself.
    Blanket,
    /// Draws down a blanket order's remaining quantities.
    CallOff,
    /// Sales order.
    Sales,
    /// Recurring order.
    Standing,
    /// Ships to a final consignee through a hub.
    CrossDocking,
}

impl OrderType {
    /// Parses the API name (`purchase`, `call_off`, …).
    pub fn parse(value: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
            format!(
                "{value:?} is not an order type (purchase, express, blanket, call_off, sales, standing, cross_docking)"
            )
        })
    }
}

/// Where an order stands: the lifecycle and its decisions live in [`crate::lifecycle`].
pub use crate::lifecycle::OrderStatus;

/// Where a line's unit price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// The tenant's catalogue price.
    Catalogue,
    /// The customer's agreed price.
    Customer,
    /// The price the webshop sent with the line.
    Webshop,
    /// Set by the seller in the back office (a manual response or an order change).
    Seller,
}

/// The buyer as stored on the order (a snapshot; the customer register may change later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Buyer {
    /// Register id.
    pub customer_id: CustomerId,
    /// Name.
    pub name: String,
    /// Where buyer emails go.
    pub email: EmailAddress,
    /// Preferred language for emails and documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// VAT identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// Billing address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Peppol address, for Peppol order documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peppol_id: Option<PeppolId>,
}

/// Available stock was short of the ordered quantity when the order arrived; confirmation decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockWarning {
    /// On hand minus reserved, summed over the tenant's warehouses, at intake.
    #[serde(with = "rust_decimal::serde::str")]
    pub available_quantity: Decimal,
    /// Human-readable explanation.
    pub detail: String,
}

/// A priced order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// 1-based position.
    pub line_no: u32,
    /// The buyer's own id of the line when it is not its position (a Peppol BIS Order's `cbc:ID`, `10`, `20`, …):
    /// what the Order Response, Despatch Advice and invoice reference it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_line_id: Option<String>,
    /// The net price per unit the buyer stated (a Peppol BIS Order's `cac:Price`), kept beside ours: the tenant's
    /// `peppol_orders.buyer_prices` says whether a difference holds the order for the seller's answer.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub buyer_price: Option<Decimal>,
    /// Product; `None` on a free-text line (staff-entered orders and quotes: a description, a quantity, a unit
    /// price and a VAT rate, no product), which reserves no stock.
    #[serde(default)]
    pub sku: Option<Sku>,
    /// Product name from the catalogue, or a free-text line's own text.
    pub description: String,
    /// UN/ECE rec 20 unit code (`C62` = piece).
    pub unit: String,
    /// Ordered quantity.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// Net unit price before the line discount.
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    /// Where the unit price came from.
    pub price_source: PriceSource,
    /// Discount applied to the line, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// Line allowance amount (the discount in money), rounded.
    #[serde(with = "rust_decimal::serde::str")]
    pub allowance: Decimal,
    /// quantity × unit price − allowance, rounded to the currency's minor unit.
    #[serde(with = "rust_decimal::serde::str")]
    pub line_net: Decimal,
    /// VAT category of the product.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
    /// Line-level requested delivery date.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub requested_delivery_date: Option<Date>,
    /// Confirmed so far (set by confirmation).
    #[serde(with = "rust_decimal::serde::str")]
    pub confirmed_quantity: Decimal,
    /// Shipped so far.
    #[serde(with = "rust_decimal::serde::str")]
    pub shipped_quantity: Decimal,
    /// Invoiced so far.
    #[serde(with = "rust_decimal::serde::str")]
    pub invoiced_quantity: Decimal,
    /// Drawn down by call-off orders (blanket orders only).
    #[serde(default, with = "rust_decimal::serde::str", skip_serializing_if = "Decimal::is_zero")]
    pub called_off_quantity: Decimal,
    /// Set when stock looked short at intake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_warning: Option<StockWarning>,
    /// How the seller answered this line (set by confirmation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_status: Option<LineOutcome>,
    /// Buyer-visible note on the line (why it changed or was rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The product's cost price per unit when the line was priced, in the order's currency: what the sale cost
    /// the seller (the order-line facts' `cost`). `None` on a free-text line and for a product with no cost
    /// price or one in another currency. The seller's own figure: no view for webshops or buyers shows it.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub unit_cost: Option<Decimal>,
}

impl OrderLine {
    /// Whether the line names no product (see [`OrderLine::sku`]).
    pub fn is_free_text(&self) -> bool {
        self.sku.is_none()
    }

    /// What the line is, in words for messages: its SKU, or a free-text line's description.
    pub fn article(&self) -> &str {
        self.sku.as_ref().map_or(self.description.as_str(), Sku::as_str)
    }

    /// The SKU as text; empty on a free-text line (report rows, exports).
    pub fn sku_text(&self) -> &str {
        self.sku.as_ref().map_or("", Sku::as_str)
    }

    /// What documents reference the line by: the buyer's line id, else its position.
    pub fn reference(&self) -> String {
        self.buyer_line_id.clone().unwrap_or_else(|| self.line_no.to_string())
    }

    /// The price the buyer stated when it is not ours: neither the unit price nor the net price per unit (after the
    /// line's discount, to the buyer's decimals, at least cents).
    pub fn buyer_price_difference(&self) -> Option<Decimal> {
        let asked = self.buyer_price?;
        if asked == self.unit_price {
            return None;
        }
        let net = self.net_unit_price(asked.scale().max(2))?;
        (asked != net).then_some(asked)
    }

    /// The line amount per unit (after the line's discount) to `decimals`; `None` for a line of no quantity.
    pub fn net_unit_price(&self, decimals: u32) -> Option<Decimal> {
        (!self.quantity.is_zero()).then(|| (self.line_net / self.quantity).round_dp(decimals))
    }

    /// Confirmed minus shipped.
    pub fn open_quantity(&self) -> Decimal {
        (self.confirmed_quantity - self.shipped_quantity).max(Decimal::ZERO)
    }
}

/// One VAT breakdown entry (EN 16931 BG-23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatBreakdown {
    /// VAT category code.
    pub category: VatCategory,
    /// Rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// Taxable amount of the category.
    #[serde(with = "rust_decimal::serde::str")]
    pub taxable: Decimal,
    /// Tax amount: taxable × rate / 100, rounded.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
}

/// Order totals (docs/api-conventions.md): `net` is the sum of line nets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Σ line_net (BR-CO-10).
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    /// Document-level allowances (BR-CO-11).
    #[serde(with = "rust_decimal::serde::str")]
    pub allowances: Decimal,
    /// Document-level charges (BR-CO-12).
    #[serde(with = "rust_decimal::serde::str")]
    pub charges: Decimal,
    /// Σ VAT breakdown tax amounts (BR-CO-14).
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    /// net − allowances + charges + vat (BR-CO-13, BR-CO-15).
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

/// The final consignee of a cross-docking order (delivered to through the hub in `delivery_address`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consignee {
    /// Final delivery address.
    pub address: Address,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Our id.
    pub id: OrderId,
    /// Seller.
    pub tenant: TenantId,
    /// The webshop's own order number (unique per tenant and channel).
    pub order_number: String,
    /// Order type.
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// Current status.
    pub status: OrderStatus,
    /// The channel (webshop key id) that posted it.
    pub channel: String,
    /// Currency of every amount.
    pub currency: Currency,
    /// Buyer snapshot.
    pub buyer: Buyer,
    /// Requested delivery date.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub requested_delivery_date: Option<Date>,
    /// Delivery address.
    pub delivery_address: Address,
    /// Final consignee (cross-docking orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_consignee: Option<Consignee>,
    /// The blanket order a call-off draws from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blanket_order_id: Option<OrderId>,
    /// When a standing order recurs ([`crate::standing`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<crate::standing::Schedule>,
    /// Priced lines.
    pub lines: Vec<OrderLine>,
    /// Totals.
    pub totals: Totals,
    /// VAT breakdown.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// Buyer's notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// When intake stored it.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The seller's answer in words (rejection reason, summary of changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_reason: Option<String>,
    /// Document-level allowances and charges (freight, order discount) set by the seller's response.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<DocumentAdjustment>,
    /// Stock reserved for this order, per SKU and warehouse (internal; not shown to webshops).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<Reservation>,
    /// When the order was answered (accepted, changed or rejected).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub responded_at: Option<OffsetDateTime>,
    /// Where the order came from or went: splits and merges.
    #[serde(default, skip_serializing_if = "OrderReferences::is_empty")]
    pub references: OrderReferences,
}

impl Order {
    /// The final consignee that documents and emails name beside the delivery address: a cross-docking order's
    /// (its `delivery_address` is the hub); `None` for every other type.
    pub fn final_consignee_address(&self) -> Option<&Address> {
        self.final_consignee.as_ref().filter(|_| self.order_type == OrderType::CrossDocking).map(|c| &c.address)
    }
}

/// Links between orders made by splitting and merging them in the back office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReferences {
    /// The order this one was split off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_from: Option<OrderId>,
    /// Orders split off this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split_into: Vec<OrderId>,
    /// The orders merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<OrderId>,
    /// The order this one was merged into (it is cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<OrderId>,
    /// The quote version the buyer accepted to place this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<QuoteReference>,
}

impl OrderReferences {
    /// No links.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Which quote version an order came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteReference {
    /// The quote.
    pub quote_id: QuoteId,
    /// Its version the buyer accepted.
    pub version: u32,
}

/// One entry of an order's append-only history log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (`webshop:key_…`, `system:confirmation`, `operator:…`).
    pub actor: String,
    /// What (`received`, `accepted`, …).
    pub action: String,
    /// Details in words.
    pub detail: String,
}

/// Who may read a seller's note on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteVisibility {
    /// Staff only.
    Internal,
    /// Also the buyer: shown to the webshop and in the next buyer email.
    Buyer,
}

/// A note the seller's staff added to an order ("temporarily out of stock").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerNote {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (`operator:key_…`).
    pub author: String,
    /// Who may read it.
    pub visibility: NoteVisibility,
    /// The note.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_types_use_snake_case_names() {
        assert_eq!(OrderType::parse("call_off"), Ok(OrderType::CallOff));
        assert!(OrderType::parse("CallOff").is_err());
    }
}
