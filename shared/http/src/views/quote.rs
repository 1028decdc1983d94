//! The quote's views (docs/api-conventions.md "Fields"): one version, and a quote with all its versions, as both
//! its seller (`/v1/quotes`) and its buyer (`/v1/portal/quotes`) read them.

use serde::Serialize;
use serde_json::Value;
use time::Date;

use orders_domain::ids::{OrderId, QuoteId};
use orders_domain::money::Currency;
use orders_domain::order::OrderType;
use orders_domain::quote::{Quote, QuoteStatus};

use super::order::{AddressView, AdjustmentView, BuyerView, LineView, TotalsView, VatBreakdownView};
use super::{iso_date, optional, rfc3339, to_json};

/// A quote version as the API shows it: its status as of `today` (a sent quote past its date has expired).
pub fn quote_json(quote: &Quote, today: Date) -> Value {
    to_json(&QuoteEntry::new(quote, today))
}

/// A quote as both its seller and its buyer read it: `versions` (oldest first) shown as the latest, with every
/// version, newest first, under `versions`.
pub fn quote_versions_json(versions: &[Quote], today: Date) -> Value {
    to_json(&QuoteVersionsView {
        latest: versions.last().map(|q| QuoteEntry::new(q, today)),
        versions: versions.iter().rev().map(|q| QuoteEntry::new(q, today)).collect(),
    })
}

/// A quote's latest version with every version under `versions`, newest first (just `versions: []` when there are
/// none).
#[derive(Serialize)]
struct QuoteVersionsView<'a> {
    #[serde(flatten)]
    latest: Option<QuoteEntry<'a>>,
    versions: Vec<QuoteEntry<'a>>,
}

/// One quote version: the full view, or only its status when its timestamps or dates cannot be written
/// (docs/api-conventions.md "Time").
#[derive(Serialize)]
#[serde(untagged)]
enum QuoteEntry<'a> {
    /// The version.
    View(Box<QuoteView<'a>>),
    /// A version RFC 3339 cannot express: its status alone.
    StatusOnly { status: QuoteStatus },
}

impl<'a> QuoteEntry<'a> {
    fn new(quote: &'a Quote, today: Date) -> Self {
        match QuoteView::new(quote, today) {
            Some(view) => Self::View(Box::new(view)),
            None => Self::StatusOnly { status: quote.status_on(today) },
        }
    }
}

/// One quote version: the order it would become (type, buyer, delivery, priced lines, amounts) plus its version,
/// status, validity and the buyer's decision. The seller's tenant is never shown.
#[derive(Serialize)]
struct QuoteView<'a> {
    id: &'a QuoteId,
    /// 1, 2, 3 …
    version: u32,
    /// As of today: a sent quote past `valid_until_date` is `expired`.
    status: QuoteStatus,
    /// The order type the accepted quote becomes.
    #[serde(rename = "type")]
    order_type: OrderType,
    currency: Currency,
    buyer: BuyerView<'a>,
    delivery_address: AddressView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_delivery_date: Option<String>,
    lines: Vec<LineView<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    adjustments: Vec<AdjustmentView<'a>>,
    totals: TotalsView,
    vat_breakdown: Vec<VatBreakdownView>,
    /// Last day the buyer may accept it.
    valid_until_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_at: Option<String>,
    /// When the buyer accepted or declined it.
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decline_reason: Option<&'a str>,
    /// The order accepting it made.
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a OrderId>,
}

impl<'a> QuoteView<'a> {
    /// The view, or `None` when a timestamp or date cannot be written (docs/api-conventions.md "Time").
    fn new(quote: &'a Quote, today: Date) -> Option<Self> {
        Some(Self {
            id: &quote.id,
            version: quote.version,
            status: quote.status_on(today),
            order_type: quote.order_type,
            currency: quote.currency,
            buyer: BuyerView::from(&quote.buyer),
            delivery_address: AddressView::from(&quote.delivery_address),
            requested_delivery_date: optional(quote.requested_delivery_date, iso_date)?,
            lines: quote.lines.iter().map(LineView::new).collect::<Option<_>>()?,
            adjustments: quote.adjustments.iter().map(AdjustmentView::from).collect(),
            totals: TotalsView::from(&quote.totals),
            vat_breakdown: quote.vat_breakdown.iter().map(VatBreakdownView::from).collect(),
            valid_until_date: iso_date(quote.valid_until_date)?,
            notes: quote.notes.as_deref(),
            created_at: rfc3339(quote.created_at)?,
            sent_at: optional(quote.sent_at, rfc3339)?,
            decided_at: optional(quote.decided_at, rfc3339)?,
            decline_reason: quote.decline_reason.as_deref(),
            order_id: quote.order_id.as_ref(),
        })
    }
}
