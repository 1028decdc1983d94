//! Tenant (seller) settings that steer the pipeline (docs/domain.md "Parties"), invoicing settings included.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::document_kind::DocumentKind;
use crate::ids::{TenantId, WarehouseId};
use crate::money::Currency;
use crate::party::{Address, EmailAddress, Language, PeppolId};

/// How a tenant answers orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponsePolicy {
    /// Confirmation answers automatically from stock.
    Automatic,
    /// Orders wait in `pending_response` for the back office.
    Manual,
}

/// What to do with a line that stock cannot fully cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortagePolicy {
    /// Confirm what is available and tell the buyer (accepted with changes).
    AcceptWithChanges,
    /// Reject the short line.
    RejectLine,
}

/// When shipped goods are invoiced (docs/domain.md "Documents": from a despatch or from the whole order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceTrigger {
    /// One invoice per despatch.
    #[default]
    PerDespatch,
    /// One invoice once the whole order is delivered.
    OnDelivery,
    /// No invoice by the pipeline: staff collect despatches of a customer into one invoice
    /// (`POST /v1/customers/{id}/invoices`, docs/decisions/0020-collective-invoices.md).
    Collected,
}

/// A seller's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// Id.
    pub tenant: TenantId,
    /// Legal / trading name.
    pub name: String,
    /// Default currency (catalogue prices).
    pub currency: Currency,
    /// Default language for emails when the buyer has none.
    pub language: Language,
    /// Warehouses in priority order (reservation order).
    pub warehouses: Vec<WarehouseId>,
    /// The seller's order desk (receives "new order" emails).
    pub order_desk_email: EmailAddress,
    /// Automatic or manual order response.
    pub response_policy: ResponsePolicy,
    /// What to do with short lines.
    pub shortage_policy: ShortagePolicy,
    /// Tracking link per carrier (lower-case name → URL with `{tracking_number}`), for despatches without a link.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tracking_url_templates: std::collections::BTreeMap<String, String>,
    /// When shipped goods are invoiced.
    #[serde(default)]
    pub invoice_trigger: InvoiceTrigger,
    /// The seller's Peppol address (Order Responses and Despatch Advices need one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peppol_id: Option<PeppolId>,
    /// What invoices need: VAT id, address, bank account, payment terms, series. No invoices without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoicing: Option<InvoicingSettings>,
    /// What buyers may do in the portal.
    #[serde(default)]
    pub portal: PortalSettings,
    /// How much the tenant's webshops and buyers may send.
    #[serde(default)]
    pub limits: TenantLimits,
    /// What Peppol BIS Orders (T01) may bring that a webshop's order cannot: prices of the buyer's own, and buyers
    /// the register does not know.
    #[serde(default, skip_serializing_if = "PeppolOrderSettings::is_default")]
    pub peppol_orders: PeppolOrderSettings,
    /// The version of the stored settings this copy was read at (set by the store, never serialised). Events
    /// carry it, so a consumer may use a cached copy that is at least this new (docs/architecture.md "Cost and
    /// speed budgets"). `None` for settings that were not read from the table.
    #[serde(skip)]
    pub stored_version: Option<u64>,
}

/// What a seller needs to issue invoices: the legal data EN 16931 requires of the seller and the bank account the
/// buyer pays into. Stored with the tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicingSettings {
    /// Seller VAT identifier with its country prefix (BT-31), e.g. `SE556036079301`.
    pub vat_id: String,
    /// Legal registration id (organisation number, BT-30), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration_id: Option<String>,
    /// Seller postal address (BG-5).
    pub address: Address,
    /// IBAN the buyer pays into (BT-84).
    pub iban: String,
    /// BIC of the bank (BT-86).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Days from issue to due date.
    #[serde(deserialize_with = "crate::parsing::whole_u32")]
    pub payment_terms_days: u32,
    /// Series prefix of invoices (`INV` gives `INV-2026-000123`).
    #[serde(default = "default_invoice_prefix")]
    pub invoice_prefix: String,
    /// Series prefix of credit notes.
    #[serde(default = "default_credit_note_prefix")]
    pub credit_note_prefix: String,
    /// Series prefix of debit notes.
    #[serde(default = "default_debit_note_prefix")]
    pub debit_note_prefix: String,
}

fn default_invoice_prefix() -> String {
    "INV".into()
}
fn default_credit_note_prefix() -> String {
    "CN".into()
}
fn default_debit_note_prefix() -> String {
    "DN".into()
}

impl InvoicingSettings {
    /// The series a document of `kind` issued on `date` is numbered in: the kind's prefix and the year.
    pub fn series(&self, kind: DocumentKind, date: Date) -> String {
        let prefix = match kind {
            DocumentKind::Invoice => &self.invoice_prefix,
            DocumentKind::CreditNote => &self.credit_note_prefix,
            DocumentKind::DebitNote => &self.debit_note_prefix,
        };
        format!("{prefix}-{}", date.year())
    }
}

/// How much a tenant's webshops and buyers may send (abuse and runaway-client limits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantLimits {
    /// New orders per minute, all webshops and the portal together (a retry of an order already stored does not
    /// count); beyond it intake answers 429 with `Retry-After`.
    #[serde(default = "TenantLimits::default_orders_per_minute", deserialize_with = "crate::parsing::whole_u32")]
    pub orders_per_minute: u32,
}

impl TenantLimits {
    fn default_orders_per_minute() -> u32 {
        6_000
    }
}

impl Default for TenantLimits {
    fn default() -> Self {
        Self { orders_per_minute: Self::default_orders_per_minute() }
    }
}

/// What a seller does with the prices a Peppol BIS Order (T01) states for its lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuyerPricePolicy {
    /// The catalogue's (or the buyer's agreed) price is the order's; the buyer's is kept beside it.
    #[default]
    OursWin,
    /// An order with a line whose stated price is not ours waits in `pending_response` for the seller's answer.
    Review,
}

/// What a seller does with a Peppol BIS Order (T01) from a buyer no customer of the register is named by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownBuyerPolicy {
    /// The document is refused: the seller registers the buyer with its Peppol id first.
    #[default]
    Refuse,
    /// The buyer is registered from the document (name, Peppol id, contact email, VAT id, postal address) in the
    /// order's own transaction.
    Register,
}

/// How a seller takes Peppol BIS Orders (docs/decisions/0016-peppol-order-intake.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeppolOrderSettings {
    /// The buyer's prices.
    #[serde(default)]
    pub buyer_prices: BuyerPricePolicy,
    /// Buyers the register does not know.
    #[serde(default)]
    pub unknown_buyers: UnknownBuyerPolicy,
}

impl PeppolOrderSettings {
    /// Whether these are the settings a tenant has without saying (stored settings leave them out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// What a seller lets buyers do in the portal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSettings {
    /// Whether a buyer with an account key may type a delivery address when ordering (otherwise orders go only
    /// to the addresses stored on the customer).
    #[serde(default)]
    pub typed_delivery_addresses: bool,
}
