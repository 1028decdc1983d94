//! Invoices, credit notes and debit notes (docs/domain.md "Money", "Documents"): what an invoice of a despatch or of a
//! whole order contains, its totals per EN 16931 (BR-CO-10 … BR-CO-16), its number in a gapless series, and what
//! it does to the order's invoiced quantities and status. Pure code; the UBL and the PDF are rendered from the
//! [`Invoice`] as stored, so a document rendered twice is the same document.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::catalogue::VatCategory;
use crate::despatch::Despatch;
use crate::ids::{OrderId, Sku, TenantId};
use crate::money::Currency;
use crate::order::{iso_date, Address, Buyer, Discount, Language, Order, OrderLine, OrderStatus, VatBreakdown};
use crate::pricing::{adjustment_totals, vat_breakdown, DocumentAdjustment};
use crate::tenant::TenantSettings;
use crate::ubl::PeppolId;

/// Which billing document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A commercial invoice (UNCL1001 380).
    Invoice,
    /// A credit note correcting an invoice (381).
    CreditNote,
    /// A debit note charging more on an invoice (383, an Invoice document).
    DebitNote,
}

impl DocumentKind {
    /// UNCL1001 document type code.
    pub fn type_code(self) -> u16 {
        match self {
            Self::Invoice => 380,
            Self::CreditNote => 381,
            Self::DebitNote => 383,
        }
    }

    /// The API collection documents of this kind are served under (`invoices` also holds debit notes).
    pub fn collection(self) -> &'static str {
        match self {
            Self::CreditNote => "credit-notes",
            Self::Invoice | Self::DebitNote => "invoices",
        }
    }

    /// The file name stem of this kind's documents (`invoice.pdf`, `credit-note.xml`).
    pub fn file_stem(self) -> &'static str {
        match self {
            Self::CreditNote => "credit-note",
            Self::Invoice | Self::DebitNote => "invoice",
        }
    }

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
            Self::DebitNote => "debit_note",
        }
    }
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

/// The document number of the `seq`-th document of `series` (`INV-2026` 123 → `INV-2026-000123`).
pub fn document_number(series: &str, seq: u64) -> String {
    format!("{series}-{seq:06}")
}

/// The seller as the document shows it, copied from the tenant's settings when the document is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    /// Legal name.
    pub name: String,
    /// VAT identifier.
    pub vat_id: String,
    /// Organisation number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_registration_id: Option<String>,
    /// Postal address.
    pub address: Address,
    /// Peppol address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peppol_id: Option<PeppolId>,
    /// Where buyers write.
    pub email: String,
}

/// How to pay (BG-16, BG-17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDetails {
    /// IBAN.
    pub iban: String,
    /// BIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Days from issue to due date.
    pub terms_days: u32,
    /// Remittance information the buyer quotes (the document number).
    pub reference: String,
}

/// One line of a billing document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// 1-based position in the document.
    pub line_id: u32,
    /// The order line it bills.
    pub order_line_no: u32,
    /// On a credit or debit note: the line of the corrected invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id_in_invoice: Option<u32>,
    /// Product.
    pub sku: Sku,
    /// Product name.
    pub description: String,
    /// UN/ECE rec 20 unit.
    pub unit: String,
    /// Billed quantity (> 0).
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// Net unit price (BT-146).
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    /// Line allowance (the order line's discount for this quantity), rounded.
    #[serde(with = "rust_decimal::serde::str")]
    pub allowance: Decimal,
    /// round(quantity × unit price) − allowance (BT-131).
    #[serde(with = "rust_decimal::serde::str")]
    pub line_net: Decimal,
    /// VAT category.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
}

/// Document totals (BG-22), each rounded to the currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentTotals {
    /// Σ line net amounts (BT-106, BR-CO-10).
    #[serde(with = "rust_decimal::serde::str")]
    pub line_extension: Decimal,
    /// Σ document-level allowances (BT-107, BR-CO-11).
    #[serde(with = "rust_decimal::serde::str")]
    pub allowances: Decimal,
    /// Σ document-level charges (BT-108, BR-CO-12).
    #[serde(with = "rust_decimal::serde::str")]
    pub charges: Decimal,
    /// line extension − allowances + charges (BT-109, BR-CO-13).
    #[serde(with = "rust_decimal::serde::str")]
    pub tax_exclusive: Decimal,
    /// Σ VAT breakdown tax amounts (BT-110, BR-CO-14).
    #[serde(with = "rust_decimal::serde::str")]
    pub vat: Decimal,
    /// tax exclusive + VAT (BT-112, BR-CO-15).
    #[serde(with = "rust_decimal::serde::str")]
    pub tax_inclusive: Decimal,
    /// Paid in advance (BT-113).
    #[serde(with = "rust_decimal::serde::str")]
    pub prepaid: Decimal,
    /// Rounding (BT-114).
    #[serde(with = "rust_decimal::serde::str")]
    pub rounding: Decimal,
    /// tax inclusive − prepaid + rounding (BT-115, BR-CO-16).
    #[serde(with = "rust_decimal::serde::str")]
    pub payable: Decimal,
}

/// Totals and VAT breakdown of document lines and document-level allowances and charges (EN 16931).
///
/// One breakdown entry per (category, rate): taxable = its line nets − its allowances + its charges (BR-S-08 and
/// its siblings); tax = round(taxable × rate / 100) (BR-CO-17); VAT total = Σ entries (BR-CO-14).
pub fn document_totals(
    lines: &[InvoiceLine],
    adjustments: &[DocumentAdjustment],
    currency: Currency,
) -> (DocumentTotals, Vec<VatBreakdown>) {
    let breakdown =
        vat_breakdown(lines.iter().map(|l| (l.vat_category, l.vat_rate, l.line_net)), adjustments, currency);
    let line_extension = currency.round(lines.iter().map(|l| l.line_net).sum());
    let (allowances, charges) = adjustment_totals(adjustments, currency);
    let tax_exclusive = currency.round(line_extension - allowances + charges);
    let vat = currency.round(breakdown.iter().map(|b| b.vat).sum());
    let tax_inclusive = currency.round(tax_exclusive + vat);
    let (prepaid, rounding) = (currency.round(Decimal::ZERO), currency.round(Decimal::ZERO));
    let payable = currency.round(tax_inclusive - prepaid + rounding);
    (
        DocumentTotals {
            line_extension,
            allowances,
            charges,
            tax_exclusive,
            vat,
            tax_inclusive,
            prepaid,
            rounding,
            payable,
        },
        breakdown,
    )
}

/// The invoice a credit or debit note corrects (BG-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingReference {
    /// Its number.
    pub number: String,
    /// Its issue date.
    #[serde(with = "iso_date")]
    pub issue_date: Date,
}

/// A billing document as issued: never changed afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Seller.
    pub tenant: TenantId,
    /// Invoice, credit note or debit note.
    pub kind: DocumentKind,
    /// Document number (`INV-2026-000123`), unique per tenant.
    pub number: String,
    /// The series it was numbered in (`INV-2026`).
    pub series: String,
    /// Its place in the series (1, 2, …; no gaps).
    pub seq: u64,
    /// Issue date (BT-2).
    #[serde(with = "iso_date")]
    pub issue_date: Date,
    /// Payment due date (BT-9); none on credit notes.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The order billed.
    pub order_id: OrderId,
    /// The webshop's order number (BT-13 order reference, and BT-10 buyer reference).
    pub order_number: String,
    /// What it bills: a despatch number, or `order` for a whole delivered order; a credit note's own reference.
    pub source: String,
    /// The despatch it bills (BT-16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub despatch_number: Option<String>,
    /// When the goods were delivered (BT-72): the despatch date.
    #[serde(default, with = "iso_date::option", skip_serializing_if = "Option::is_none")]
    pub delivery_date: Option<Date>,
    /// Seller.
    pub seller: Seller,
    /// Buyer, as on the order.
    pub buyer: Buyer,
    /// Delivered to.
    pub delivery_address: Address,
    /// Language of the PDF and the email.
    pub language: Language,
    /// Payment.
    pub payment: PaymentDetails,
    /// Currency of every amount.
    pub currency: crate::money::Currency,
    /// Lines.
    pub lines: Vec<InvoiceLine>,
    /// Document-level allowances and charges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<DocumentAdjustment>,
    /// Totals.
    pub totals: DocumentTotals,
    /// VAT breakdown.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// The invoice a credit or debit note corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_reference: Option<BillingReference>,
    /// Why a credit or debit note was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Invoice {
    /// File name stem of its documents (`INV-2026-000123`).
    pub fn file_stem(&self) -> String {
        self.number.clone()
    }
}

/// What is billed: which quantities of which order lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingPlan {
    /// (order line no., quantity) pairs, quantity > 0.
    pub quantities: Vec<(u32, Decimal)>,
    /// The document-level allowances and charges billed with them.
    pub adjustments: Vec<DocumentAdjustment>,
    /// The despatch billed, if one.
    pub despatch_number: Option<String>,
    /// Delivery date.
    pub delivery_date: Option<Date>,
}

/// Why a document cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    /// The seller has not set up invoicing.
    #[error("tenant {0} has no invoicing settings (VAT id, address, bank account)")]
    NotConfigured(String),
    /// Nothing left to bill.
    #[error("nothing to invoice: {0}")]
    NothingToBill(String),
    /// The quantities do not fit the order.
    #[error("{0}")]
    Quantity(String),
    /// VAT categories EN 16931 does not allow together or without data.
    #[error("{0}")]
    Vat(String),
}

/// The plan for invoicing one despatch: its delivered quantities, less what was invoiced since; with the order's
/// document-level charges and allowances when nothing of the order has been invoiced before.
pub fn plan_despatch_invoice(order: &Order, despatch: &Despatch) -> Result<BillingPlan, InvoiceError> {
    let mut quantities = Vec::new();
    for line in &despatch.lines {
        let ordered = order
            .lines
            .iter()
            .find(|l| l.line_no == line.line_no)
            .ok_or_else(|| InvoiceError::Quantity(format!("despatch line {} is not on the order", line.line_no)))?;
        let billable = (ordered.shipped_quantity - ordered.invoiced_quantity).max(Decimal::ZERO);
        let quantity = line.quantity.min(billable);
        if quantity > Decimal::ZERO {
            quantities.push((line.line_no, quantity));
        }
    }
    if quantities.is_empty() {
        return Err(InvoiceError::NothingToBill(format!(
            "despatch {} of order {} is invoiced already",
            despatch.despatch_number, order.id
        )));
    }
    Ok(BillingPlan {
        quantities,
        adjustments: first_invoice_adjustments(order),
        despatch_number: Some(despatch.despatch_number.clone()),
        delivery_date: Some(despatch.despatch_date),
    })
}

/// The plan for invoicing a whole delivered order: every shipped quantity not invoiced yet.
pub fn plan_order_invoice(order: &Order, delivery_date: Option<Date>) -> Result<BillingPlan, InvoiceError> {
    let quantities: Vec<(u32, Decimal)> = order
        .lines
        .iter()
        .map(|l| (l.line_no, (l.shipped_quantity - l.invoiced_quantity).max(Decimal::ZERO)))
        .filter(|(_, q)| *q > Decimal::ZERO)
        .collect();
    if quantities.is_empty() {
        return Err(InvoiceError::NothingToBill(format!("order {} has no shipped quantity left to invoice", order.id)));
    }
    Ok(BillingPlan { quantities, adjustments: first_invoice_adjustments(order), despatch_number: None, delivery_date })
}

fn first_invoice_adjustments(order: &Order) -> Vec<DocumentAdjustment> {
    if order.lines.iter().all(|l| l.invoiced_quantity.is_zero()) {
        order.adjustments.clone()
    } else {
        Vec::new()
    }
}

/// The allowance and net amount of billing `quantity` of `line` when `billed_before` of it was billed already.
///
/// A percentage discount is computed on the billed amount. A fixed discount is spread over the confirmed quantity
/// in proportion, the document completing the line taking the remainder, so the parts add up to the line's
/// discount exactly.
pub fn line_amounts(
    line: &OrderLine,
    quantity: Decimal,
    billed_before: Decimal,
    currency: Currency,
) -> (Decimal, Decimal) {
    let gross = currency.round(quantity * line.unit_price);
    let allowance = match line.discount {
        Some(Discount::Percent(percent)) => currency.round(quantity * line.unit_price * percent / Decimal::ONE_HUNDRED),
        _ if line.allowance.is_zero() => currency.round(Decimal::ZERO),
        _ => {
            let base = if line.confirmed_quantity > Decimal::ZERO { line.confirmed_quantity } else { line.quantity };
            let share = |q: Decimal| currency.round(line.allowance * q / base);
            if billed_before + quantity >= base {
                currency.round(line.allowance - share(billed_before))
            } else {
                share(quantity)
            }
        }
    };
    let allowance = allowance.min(gross).max(Decimal::ZERO);
    (allowance, currency.round(gross - allowance))
}

/// Everything of an invoice but its number, which the store assigns in the transaction that issues it.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDraft {
    /// Kind.
    pub kind: DocumentKind,
    /// The invoice with an empty number (`seq` 0).
    pub invoice: Invoice,
    /// The order with its invoiced quantities and status updated.
    pub order: Order,
}

impl InvoiceDraft {
    /// The draft numbered as the `seq`-th document of its series.
    pub fn numbered(&self, seq: u64) -> Invoice {
        let mut invoice = self.invoice.clone();
        invoice.seq = seq;
        invoice.number = document_number(&invoice.series, seq);
        invoice.payment.reference = invoice.number.clone();
        invoice
    }
}

/// A proforma invoice of `order` (type 325, not a tax invoice and not numbered): what is confirmed (or, before
/// confirmation, ordered) and not invoiced yet, with the order's allowances and charges while nothing is invoiced.
pub fn draft_proforma(order: &Order, tenant: &TenantSettings, at: OffsetDateTime) -> Result<Invoice, InvoiceError> {
    let mut shadow = order.clone();
    let mut quantities = Vec::new();
    for line in &mut shadow.lines {
        let basis = if line.confirmed_quantity > Decimal::ZERO { line.confirmed_quantity } else { line.quantity };
        let open = basis - line.invoiced_quantity;
        if open > Decimal::ZERO {
            // billed as if shipped, on a copy of the order that is thrown away
            line.shipped_quantity = line.invoiced_quantity + open;
            quantities.push((line.line_no, open));
        }
    }
    if quantities.is_empty() || !order.status.can_proforma() {
        return Err(InvoiceError::NothingToBill(format!("order {} has nothing left to invoice", order.id)));
    }
    let plan = BillingPlan {
        quantities,
        adjustments: first_invoice_adjustments(order),
        despatch_number: None,
        delivery_date: order.requested_delivery_date,
    };
    let mut proforma = draft_invoice(&shadow, &plan, tenant, "proforma", at)?.invoice;
    proforma.number = format!("PROFORMA-{}", order.order_number);
    proforma.series = "PROFORMA".into();
    proforma.payment.reference = order.order_number.clone();
    Ok(proforma)
}

/// Drafts the invoice (or debit note) of `plan` on `issue_date`, and the order as it will be once issued.
pub fn draft_invoice(
    order: &Order,
    plan: &BillingPlan,
    tenant: &TenantSettings,
    source: &str,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    let mut updated = order.clone();
    let mut lines = Vec::new();
    for (index, (line_no, quantity)) in plan.quantities.iter().enumerate() {
        let line = updated
            .lines
            .iter_mut()
            .find(|l| l.line_no == *line_no)
            .ok_or_else(|| InvoiceError::Quantity(format!("line {line_no} is not on the order")))?;
        if *quantity <= Decimal::ZERO || line.invoiced_quantity + *quantity > line.shipped_quantity {
            return Err(InvoiceError::Quantity(format!(
                "line {line_no}: {quantity} more invoiced would exceed the shipped {}",
                line.shipped_quantity
            )));
        }
        let (allowance, line_net) = line_amounts(line, *quantity, line.invoiced_quantity, order.currency);
        line.invoiced_quantity += *quantity;
        lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            order_line_no: *line_no,
            line_id_in_invoice: None,
            sku: line.sku.clone(),
            description: line.description.clone(),
            unit: line.unit.clone(),
            quantity: *quantity,
            unit_price: line.unit_price,
            allowance,
            line_net,
            vat_category: line.vat_category,
            vat_rate: line.vat_rate,
        });
    }
    updated.status = billing_status(&updated);
    check_vat_categories(&lines, &plan.adjustments, order)?;
    let (totals, vat_breakdown) = document_totals(&lines, &plan.adjustments, order.currency);
    let issue_date = issued_at.date();
    let kind = DocumentKind::Invoice;
    let invoice = Invoice {
        tenant: tenant.tenant.clone(),
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: issue_date.checked_add(time::Duration::days(i64::from(settings.payment_terms_days))),
        issued_at,
        order_id: order.id.clone(),
        order_number: order.order_number.clone(),
        source: source.to_owned(),
        despatch_number: plan.despatch_number.clone(),
        delivery_date: plan.delivery_date,
        seller: seller_of(tenant, settings),
        buyer: order.buyer.clone(),
        delivery_address: order.delivery_address.clone(),
        language: order.buyer.language.clone().unwrap_or_else(|| tenant.language.clone()),
        payment: PaymentDetails {
            iban: settings.iban.clone(),
            bic: settings.bic.clone(),
            terms_days: settings.payment_terms_days,
            reference: String::new(),
        },
        currency: order.currency,
        lines,
        adjustments: plan.adjustments.clone(),
        totals,
        vat_breakdown,
        billing_reference: None,
        reason: None,
    };
    Ok(InvoiceDraft { kind, invoice, order: updated })
}

fn seller_of(tenant: &TenantSettings, settings: &InvoicingSettings) -> Seller {
    Seller {
        name: tenant.name.clone(),
        vat_id: settings.vat_id.clone(),
        legal_registration_id: settings.legal_registration_id.clone(),
        address: settings.address.clone(),
        peppol_id: tenant.peppol_id.clone(),
        email: tenant.order_desk_email.to_string(),
    }
}

/// EN 16931 does not allow "not subject to VAT" (O) beside other categories (BR-O-11 … BR-O-14), and reverse
/// charge and intra-community supply need the buyer's VAT id (BR-AE-02, BR-IC-02).
fn check_vat_categories(
    lines: &[InvoiceLine],
    adjustments: &[DocumentAdjustment],
    order: &Order,
) -> Result<(), InvoiceError> {
    let categories: Vec<VatCategory> =
        lines.iter().map(|l| l.vat_category).chain(adjustments.iter().map(|a| a.vat_category)).collect();
    if categories.contains(&VatCategory::O) && categories.iter().any(|c| *c != VatCategory::O) {
        return Err(InvoiceError::Vat(
            "lines outside the scope of VAT (O) cannot be invoiced together with taxed lines; split the order".into(),
        ));
    }
    if categories.iter().any(|c| matches!(c, VatCategory::AE | VatCategory::K)) && order.buyer.vat_id.is_none() {
        return Err(InvoiceError::Vat(
            "reverse charge (AE) and intra-community supply (K) need the buyer's VAT id; add it to the customer".into(),
        ));
    }
    Ok(())
}

/// What a credit note takes back: some quantity of some lines of one invoice, or all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditScope {
    /// Every line and every document-level allowance and charge still uncredited.
    Full,
    /// (invoice line id, quantity) pairs; document-level allowances and charges are not credited.
    Lines(Vec<(u32, Decimal)>),
}

/// Where an invoice stands after credit notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// As issued (credit and debit notes are always this).
    Issued,
    /// Some of it was credited.
    PartiallyCredited,
    /// All of it was credited.
    Credited,
}

impl InvoiceStatus {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::PartiallyCredited => "partially_credited",
            Self::Credited => "credited",
        }
    }

    /// Parses [`InvoiceStatus::as_str`].
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Issued, Self::PartiallyCredited, Self::Credited].into_iter().find(|s| s.as_str() == value)
    }
}

/// What earlier credit notes took back of an invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditLedger {
    /// Invoice line id → quantity credited.
    #[serde(default)]
    pub lines: BTreeMap<u32, Decimal>,
    /// Whether its document-level allowances and charges were credited.
    #[serde(default)]
    pub adjustments: bool,
}

impl CreditLedger {
    /// The status of `invoice` with this ledger: credited when every line quantity and every document-level
    /// allowance or charge was taken back.
    pub fn status_of(&self, invoice: &Invoice) -> InvoiceStatus {
        let credited = |line: &InvoiceLine| self.lines.get(&line.line_id).copied().unwrap_or_default();
        let nothing = self.lines.values().all(|q| q.is_zero()) && !self.adjustments;
        let everything = invoice.lines.iter().all(|l| credited(l) >= l.quantity)
            && (invoice.adjustments.is_empty() || self.adjustments);
        match (nothing, everything) {
            (true, _) => InvoiceStatus::Issued,
            (false, true) => InvoiceStatus::Credited,
            (false, false) => InvoiceStatus::PartiallyCredited,
        }
    }

    /// The ledger once `credit_note` (of this invoice) is issued too.
    pub fn with(&self, credit_note: &Invoice) -> Self {
        let mut next = self.clone();
        for line in &credit_note.lines {
            let source = line.line_id_in_invoice.unwrap_or(line.line_id);
            *next.lines.entry(source).or_default() += line.quantity;
        }
        next.adjustments |= !credit_note.adjustments.is_empty();
        next
    }
}

/// Drafts a credit note (381) for `invoice`, given what earlier credit notes took back of it (`ledger`). The
/// order's invoiced quantities go down by the credited quantities and its status follows.
pub fn draft_credit_note(
    invoice: &Invoice,
    order: &Order,
    ledger: &CreditLedger,
    scope: &CreditScope,
    reason: &str,
    tenant: &TenantSettings,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let (credited, adjustments_credited) = (&ledger.lines, ledger.adjustments);
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    if invoice.kind != DocumentKind::Invoice {
        return Err(InvoiceError::Quantity(format!(
            "{} is a {}, not an invoice",
            invoice.number,
            invoice.kind.as_str()
        )));
    }
    let wanted: Vec<(u32, Decimal)> = match scope {
        CreditScope::Full => invoice
            .lines
            .iter()
            .map(|l| (l.line_id, l.quantity - credited.get(&l.line_id).copied().unwrap_or_default()))
            .filter(|(_, q)| *q > Decimal::ZERO)
            .collect(),
        CreditScope::Lines(lines) => lines.clone(),
    };
    let adjustments =
        if *scope == CreditScope::Full && !adjustments_credited { invoice.adjustments.clone() } else { Vec::new() };
    if wanted.is_empty() && adjustments.is_empty() {
        return Err(InvoiceError::NothingToBill(format!("{} is credited in full already", invoice.number)));
    }
    let mut updated = order.clone();
    let mut lines = Vec::new();
    for (index, (line_id, quantity)) in wanted.iter().enumerate() {
        let billed = invoice
            .lines
            .iter()
            .find(|l| l.line_id == *line_id)
            .ok_or_else(|| InvoiceError::Quantity(format!("{} has no line {line_id}", invoice.number)))?;
        let open = billed.quantity - credited.get(line_id).copied().unwrap_or_default();
        if *quantity <= Decimal::ZERO || *quantity > open {
            return Err(InvoiceError::Quantity(format!(
                "line {line_id}: {quantity} cannot be credited; {open} of {} is left to credit",
                billed.quantity
            )));
        }
        let (allowance, line_net) = if *quantity == open && credited.get(line_id).is_none() {
            (billed.allowance, billed.line_net)
        } else {
            let gross = invoice.currency.round(*quantity * billed.unit_price);
            let share = |q: Decimal| invoice.currency.round(billed.allowance * q / billed.quantity);
            let before = credited.get(line_id).copied().unwrap_or_default();
            let allowance = if *quantity == open { billed.allowance - share(before) } else { share(*quantity) };
            (allowance, invoice.currency.round(gross - allowance))
        };
        if let Some(order_line) = updated.lines.iter_mut().find(|l| l.line_no == billed.order_line_no) {
            order_line.invoiced_quantity = (order_line.invoiced_quantity - *quantity).max(Decimal::ZERO);
        }
        lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            line_id_in_invoice: Some(billed.line_id),
            quantity: *quantity,
            allowance,
            line_net,
            ..billed.clone()
        });
    }
    updated.status = billing_status(&updated);
    let (totals, vat_breakdown) = document_totals(&lines, &adjustments, invoice.currency);
    let kind = DocumentKind::CreditNote;
    let issue_date = issued_at.date();
    let credit_note = Invoice {
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: None,
        issued_at,
        source: invoice.number.clone(),
        seller: seller_of(tenant, settings),
        lines,
        adjustments,
        totals,
        vat_breakdown,
        billing_reference: Some(BillingReference { number: invoice.number.clone(), issue_date: invoice.issue_date }),
        reason: Some(reason.to_owned()),
        ..invoice.clone()
    };
    Ok(InvoiceDraft { kind, invoice: credit_note, order: updated })
}

/// One line of a debit note: more to pay for an order line of the invoice (a price correction or an extra
/// quantity), at `unit_price` each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitLine {
    /// The invoice line it adds to.
    pub line_id: u32,
    /// Quantity (> 0).
    pub quantity: Decimal,
    /// Net unit price of the addition (> 0).
    pub unit_price: Decimal,
}

/// Drafts a debit note (383) adding `lines` to `invoice`; invoiced quantities do not change.
pub fn draft_debit_note(
    invoice: &Invoice,
    order: &Order,
    lines: &[DebitLine],
    reason: &str,
    tenant: &TenantSettings,
    issued_at: OffsetDateTime,
) -> Result<InvoiceDraft, InvoiceError> {
    let settings = tenant.invoicing.as_ref().ok_or_else(|| InvoiceError::NotConfigured(tenant.tenant.to_string()))?;
    if lines.is_empty() {
        return Err(InvoiceError::NothingToBill("a debit note needs at least one line".into()));
    }
    let mut debit_lines = Vec::new();
    for (index, debit) in lines.iter().enumerate() {
        let billed = invoice
            .lines
            .iter()
            .find(|l| l.line_id == debit.line_id)
            .ok_or_else(|| InvoiceError::Quantity(format!("{} has no line {}", invoice.number, debit.line_id)))?;
        if debit.quantity <= Decimal::ZERO || debit.unit_price <= Decimal::ZERO {
            return Err(InvoiceError::Quantity(format!(
                "line {}: quantity and unit price must be greater than zero",
                debit.line_id
            )));
        }
        debit_lines.push(InvoiceLine {
            line_id: u32::try_from(index).unwrap_or(u32::MAX - 1) + 1,
            line_id_in_invoice: Some(billed.line_id),
            quantity: debit.quantity,
            unit_price: debit.unit_price,
            allowance: invoice.currency.round(Decimal::ZERO),
            line_net: invoice.currency.round(debit.quantity * debit.unit_price),
            ..billed.clone()
        });
    }
    let (totals, vat_breakdown) = document_totals(&debit_lines, &[], invoice.currency);
    let kind = DocumentKind::DebitNote;
    let issue_date = issued_at.date();
    let debit_note = Invoice {
        kind,
        number: String::new(),
        series: settings.series(kind, issue_date),
        seq: 0,
        issue_date,
        due_date: issue_date.checked_add(time::Duration::days(i64::from(settings.payment_terms_days))),
        issued_at,
        source: invoice.number.clone(),
        seller: seller_of(tenant, settings),
        lines: debit_lines,
        adjustments: Vec::new(),
        totals,
        vat_breakdown,
        billing_reference: Some(BillingReference { number: invoice.number.clone(), issue_date: invoice.issue_date }),
        reason: Some(reason.to_owned()),
        ..invoice.clone()
    };
    Ok(InvoiceDraft { kind, invoice: debit_note, order: order.clone() })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteLineBody {
    line_id: Option<u32>,
    quantity: Option<crate::money::JsonDecimal>,
    unit_price: Option<crate::money::JsonDecimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    reason: Option<String>,
    lines: Option<Vec<NoteLineBody>>,
}

fn positive(
    errors: &mut crate::FieldErrors,
    pointer: &str,
    raw: &crate::money::JsonDecimal,
    max_scale: u32,
) -> Option<Decimal> {
    let value = crate::intake::decimal(errors, pointer, raw)?;
    if value <= Decimal::ZERO
        || crate::money::significant_scale(value) > max_scale
        || value > crate::intake::max_magnitude()
    {
        errors.push(pointer, format!("must be greater than 0 with at most {max_scale} decimals"));
        return None;
    }
    Some(value)
}

/// `POST /v1/invoices/{number}/credit-notes`: a reason, and the lines to credit (all of the invoice when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteRequest {
    /// Why (shown to the buyer).
    pub reason: String,
    /// What to credit.
    pub scope: CreditScope,
}

/// Parses a credit note request.
pub fn parse_credit_note(json: &str) -> Result<CreditNoteRequest, crate::intake::RequestError> {
    let (reason, lines) = parse_note(json, false)?;
    Ok(CreditNoteRequest {
        reason,
        scope: match lines {
            None => CreditScope::Full,
            Some(lines) => CreditScope::Lines(lines.into_iter().map(|l| (l.line_id, l.quantity)).collect()),
        },
    })
}

/// `POST /v1/invoices/{number}/debit-notes`: a reason and the lines to charge more for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitNoteRequest {
    /// Why (shown to the buyer).
    pub reason: String,
    /// What to charge.
    pub lines: Vec<DebitLine>,
}

/// Parses a debit note request.
pub fn parse_debit_note(json: &str) -> Result<DebitNoteRequest, crate::intake::RequestError> {
    let (reason, lines) = parse_note(json, true)?;
    Ok(DebitNoteRequest { reason, lines: lines.unwrap_or_default() })
}

fn parse_note(json: &str, debit: bool) -> Result<(String, Option<Vec<DebitLine>>), crate::intake::RequestError> {
    use crate::intake::{malformed_at, required, text, RequestError};
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let body: NoteBody = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let mut errors = crate::FieldErrors::new();
    let reason =
        required(&mut errors, "/reason", body.reason).and_then(|r| text(&mut errors, "/reason", r, 500, false));
    if debit && body.lines.as_ref().is_none_or(Vec::is_empty) {
        errors.push("/lines", "a debit note needs at least one line");
    }
    if body.lines.as_ref().is_some_and(|l| l.len() > 500) {
        errors.push("/lines", "at most 500 lines");
    }
    let lines = body.lines.map(|lines| {
        let mut parsed = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in lines.into_iter().enumerate() {
            let p = format!("/lines/{i}");
            let line_id = required(&mut errors, &format!("{p}/line_id"), line.line_id);
            if let Some(id) = line_id {
                if !seen.insert(id) {
                    errors.push(format!("{p}/line_id"), format!("line {id} is named twice"));
                }
            }
            let quantity = required(&mut errors, &format!("{p}/quantity"), line.quantity)
                .and_then(|q| positive(&mut errors, &format!("{p}/quantity"), &q, 4));
            let unit_price = match (debit, line.unit_price) {
                (true, price) => required(&mut errors, &format!("{p}/unit_price"), price)
                    .and_then(|q| positive(&mut errors, &format!("{p}/unit_price"), &q, 4)),
                (false, Some(_)) => {
                    errors.push(format!("{p}/unit_price"), "a credit note credits at the invoiced price");
                    None
                }
                (false, None) => Some(Decimal::ZERO),
            };
            if let (Some(line_id), Some(quantity), Some(unit_price)) = (line_id, quantity, unit_price) {
                parsed.push(DebitLine { line_id, quantity, unit_price });
            }
        }
        parsed
    });
    if !errors.is_empty() {
        return Err(RequestError::Invalid(errors.into_vec()));
    }
    Ok((reason.unwrap_or_default(), lines))
}

/// The billing status the line quantities call for: invoiced when every confirmed quantity is invoiced,
/// partially invoiced when some is, otherwise the delivery status (after a credit note takes everything back).
pub fn billing_status(order: &Order) -> OrderStatus {
    let invoiced_any = order.lines.iter().any(|l| !l.invoiced_quantity.is_zero());
    let all_invoiced = order.lines.iter().all(|l| l.invoiced_quantity >= l.confirmed_quantity);
    if order.status.kept_on_billing() {
        return order.status;
    }
    match (invoiced_any, all_invoiced) {
        (true, true) => OrderStatus::Invoiced,
        (true, false) => OrderStatus::PartiallyInvoiced,
        (false, _) => {
            let shipped_any = order.lines.iter().any(|l| !l.shipped_quantity.is_zero());
            let all_shipped = order.lines.iter().all(|l| l.shipped_quantity >= l.confirmed_quantity);
            match (shipped_any, all_shipped) {
                (true, true) => OrderStatus::Delivered,
                (true, false) => OrderStatus::PartiallyDelivered,
                (false, _) => order.status,
            }
        }
    }
}

/// The exemption reason EN 16931 requires for categories other than S and Z (BR-E-10, BR-AE-10, BR-IC-10,
/// BR-G-10, BR-O-10): a VATEX code where one fits, and a text.
pub fn exemption_reason(category: VatCategory) -> Option<(&'static str, &'static str)> {
    match category {
        VatCategory::S | VatCategory::Z => None,
        VatCategory::E => Some(("", "Exempt from VAT")),
        VatCategory::AE => Some(("VATEX-EU-AE", "Reverse charge")),
        VatCategory::K => Some(("VATEX-EU-IC", "Intra-Community supply")),
        VatCategory::G => Some(("VATEX-EU-G", "Export outside the EU")),
        VatCategory::O => Some(("VATEX-EU-O", "Not subject to VAT")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::order::OrderType;
    use crate::pricing::AdjustmentKind;
    use rust_decimal_macros::dec;

    pub(crate) fn delivered(lines: &[(&str, Decimal)]) -> Order {
        let mut order = fixtures::order(OrderType::Purchase, lines);
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = line.quantity;
        }
        order.status = OrderStatus::Delivered;
        order
    }

    fn at() -> OffsetDateTime {
        time::macros::datetime!(2026-11-30 12:00 UTC)
    }

    #[test]
    fn a_whole_order_invoice_bills_every_shipped_quantity_and_marks_the_order_invoiced() {
        let order = delivered(&[("A", dec!(3)), ("B", dec!(1.5))]);
        let plan = plan_order_invoice(&order, None).expect("plan");
        let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft");
        // 3 × 10.00 + 1.5 × 10.00 = 45.00; 25 % VAT 11.25; 56.25 payable
        let totals = &draft.invoice.totals;
        assert_eq!((totals.line_extension, totals.vat, totals.payable), (dec!(45.00), dec!(11.25), dec!(56.25)));
        assert_eq!(draft.order.status, OrderStatus::Invoiced);
        assert_eq!(draft.invoice.series, "INV-2026");
        assert_eq!(draft.numbered(123).number, "INV-2026-000123");
        assert_eq!(draft.invoice.due_date, Some(time::macros::date!(2026 - 12 - 30)));
        assert!(plan_order_invoice(&draft.order, None).is_err(), "nothing is left to invoice");
    }

    #[test]
    fn a_fixed_line_discount_is_spread_over_partial_invoices_and_adds_up() {
        let mut order = delivered(&[("A", dec!(3))]);
        order.lines[0].discount = Some(Discount::Amount(dec!(1.00)));
        order.lines[0].allowance = dec!(1.00);
        let eur = order.currency;
        // 1 of 3: 0.33; then 1 more: 0.33; the last takes 1.00 − round(1.00 × 2 / 3) = 0.33
        let first = line_amounts(&order.lines[0], dec!(1), dec!(0), eur);
        let second = line_amounts(&order.lines[0], dec!(1), dec!(1), eur);
        let last = line_amounts(&order.lines[0], dec!(1), dec!(2), eur);
        assert_eq!((first.0, second.0, last.0), (dec!(0.33), dec!(0.33), dec!(0.33)));
        let two_then_one = (
            line_amounts(&order.lines[0], dec!(2), dec!(0), eur),
            line_amounts(&order.lines[0], dec!(1), dec!(2), eur),
        );
        assert_eq!(two_then_one.0 .0 + two_then_one.1 .0, dec!(1.00));
        assert_eq!(two_then_one.0 .1, dec!(19.33));
    }

    #[test]
    fn freight_goes_on_the_first_invoice_only() {
        let mut order = delivered(&[("A", dec!(2)), ("B", dec!(2))]);
        order.adjustments = vec![DocumentAdjustment {
            kind: AdjustmentKind::Charge,
            reason: "Freight".into(),
            amount: dec!(9.90),
            vat_category: VatCategory::S,
            vat_rate: dec!(25),
        }];
        let mut despatch = fixtures::despatch(&order, "D-1", &[(1, dec!(2))]);
        let plan = plan_despatch_invoice(&order, &despatch).expect("plan");
        let first = draft_invoice(&order, &plan, &fixtures::tenant(), "D-1", at()).expect("first");
        // 20.00 + 9.90 freight = 29.90; VAT 7.475 → 7.48
        assert_eq!((first.invoice.totals.charges, first.invoice.totals.vat), (dec!(9.90), dec!(7.48)));
        assert_eq!(first.order.status, OrderStatus::PartiallyInvoiced);
        despatch = fixtures::despatch(&first.order, "D-2", &[(2, dec!(2))]);
        let plan = plan_despatch_invoice(&first.order, &despatch).expect("plan");
        let second = draft_invoice(&first.order, &plan, &fixtures::tenant(), "D-2", at()).expect("second");
        assert!(second.invoice.adjustments.is_empty());
        assert_eq!(second.order.status, OrderStatus::Invoiced);
    }

    #[test]
    fn reverse_charge_needs_the_buyers_vat_id_and_o_stands_alone() {
        let mut order = delivered(&[("A", dec!(1)), ("B", dec!(1))]);
        order.lines[0].vat_category = VatCategory::AE;
        order.lines[0].vat_rate = dec!(0);
        let plan = plan_order_invoice(&order, None).expect("plan");
        assert!(matches!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()), Err(InvoiceError::Vat(_))));
        order.buyer.vat_id = Some("DE123456789".into());
        assert!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).is_ok());
        order.lines[1].vat_category = VatCategory::O;
        order.lines[1].vat_rate = dec!(0);
        assert!(matches!(draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()), Err(InvoiceError::Vat(_))));
    }

    #[test]
    fn a_partial_credit_note_restores_invoiced_quantities_and_the_rest_can_be_credited_later() {
        let order = delivered(&[("A", dec!(4)), ("B", dec!(1))]);
        let plan = plan_order_invoice(&order, None).expect("plan");
        let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("invoice");
        let invoice = draft.numbered(7);
        let scope = CreditScope::Lines(vec![(1, dec!(1))]);
        let credit = draft_credit_note(
            &invoice,
            &draft.order,
            &CreditLedger::default(),
            &scope,
            "Damaged",
            &fixtures::tenant(),
            at(),
        )
        .expect("credit");
        assert_eq!(credit.order.lines[0].invoiced_quantity, dec!(3));
        assert_eq!(credit.order.status, OrderStatus::PartiallyInvoiced);
        // 1 × 10.00 + 25 % = 12.50
        assert_eq!(credit.invoice.totals.payable, dec!(12.50));
        let credit_note = credit.numbered(1);
        assert_eq!(credit_note.billing_reference.as_ref().map(|r| r.number.as_str()), Some("INV-2026-000007"));
        assert_eq!(credit_note.number, "CN-2026-000001");
        let ledger = CreditLedger::default().with(&credit_note);
        let too_much = CreditScope::Lines(vec![(1, dec!(4))]);
        assert!(draft_credit_note(&invoice, &credit.order, &ledger, &too_much, "x", &fixtures::tenant(), at()).is_err());
        let rest =
            draft_credit_note(&invoice, &credit.order, &ledger, &CreditScope::Full, "x", &fixtures::tenant(), at())
                .expect("the rest");
        assert_eq!(rest.invoice.lines.iter().map(|l| l.quantity).collect::<Vec<_>>(), vec![dec!(3), dec!(1)]);
        assert_eq!(rest.order.status, OrderStatus::Delivered);
    }

    #[test]
    fn note_requests_are_parsed_with_pointers_to_what_is_wrong() {
        let full = parse_credit_note(r#"{"reason": "Returned"}"#).expect("full credit");
        assert_eq!(full.scope, CreditScope::Full);
        let partial = parse_credit_note(r#"{"reason": "Damaged", "lines": [{"line_id": 2, "quantity": "1.5"}]}"#)
            .expect("partial");
        assert_eq!(partial.scope, CreditScope::Lines(vec![(2, dec!(1.5))]));
        let bad = parse_credit_note(
            r#"{"lines": [{"line_id": 1, "quantity": 0}, {"line_id": 1, "quantity": 1, "unit_price": 2}]}"#,
        );
        let Err(crate::intake::RequestError::Invalid(errors)) = bad else { panic!("invalid: {bad:?}") };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/reason", "/lines/0/quantity", "/lines/1/line_id", "/lines/1/unit_price"]);
        assert!(matches!(parse_debit_note(r#"{"reason": "x"}"#), Err(crate::intake::RequestError::Invalid(_))));
        let debit =
            parse_debit_note(r#"{"reason": "Price", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "0.5"}]}"#)
                .expect("debit");
        assert_eq!(debit.lines, vec![DebitLine { line_id: 1, quantity: dec!(1), unit_price: dec!(0.5) }]);
        assert!(matches!(
            parse_credit_note(r#"{"reason": "x", "extra": 1}"#),
            Err(crate::intake::RequestError::Malformed { .. })
        ));
    }

    #[test]
    fn billing_status_falls_back_to_delivery_once_everything_is_credited() {
        let mut order = delivered(&[("A", dec!(2))]);
        order.status = OrderStatus::Invoiced;
        assert_eq!(billing_status(&order), OrderStatus::Delivered);
        order.lines[0].invoiced_quantity = dec!(1);
        assert_eq!(billing_status(&order), OrderStatus::PartiallyInvoiced);
        order.lines[0].invoiced_quantity = dec!(2);
        assert_eq!(billing_status(&order), OrderStatus::Invoiced);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn arb_line() -> impl Strategy<Value = (i64, u32, i64, usize, Option<i64>)> {
            // quantity (4 decimals), unit price (0–4 decimals), rate index, percent discount in hundredths
            (1i64..2_000_000, 0u32..5, 1i64..10_000_000, 0usize..6, prop::option::of(0i64..5_000))
        }

        fn arb_adjustment() -> impl Strategy<Value = (bool, i64, usize)> {
            (any::<bool>(), 1i64..50_000, 0usize..6)
        }

        const RATES: [(VatCategory, i64); 6] = [
            (VatCategory::S, 25),
            (VatCategory::S, 12),
            (VatCategory::S, 6),
            (VatCategory::Z, 0),
            (VatCategory::E, 0),
            (VatCategory::S, 19),
        ];

        proptest! {
            #[test]
            fn totals_satisfy_br_co_10_to_16_and_the_breakdown_matches(
                lines in prop::collection::vec(arb_line(), 1..=50),
                adjustments in prop::collection::vec(arb_adjustment(), 0..4),
                yen in any::<bool>(),
            ) {
                let currency = Currency::parse(if yen { "JPY" } else { "EUR" }).expect("currency");
                let minor = currency.minor_units();
                let quantities: Vec<(String, Decimal)> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (q, ..))| (format!("S{i}"), Decimal::new(*q, 4)))
                    .collect();
                let refs: Vec<(&str, Decimal)> = quantities.iter().map(|(s, q)| (s.as_str(), *q)).collect();
                let mut order = delivered(&refs);
                order.currency = currency;
                order.buyer.vat_id = Some("SE999999999901".into());
                for (line, (_, price_scale, price, rate, discount)) in order.lines.iter_mut().zip(&lines) {
                    line.unit_price = Decimal::new(*price, *price_scale);
                    line.vat_category = RATES[*rate].0;
                    line.vat_rate = Decimal::from(RATES[*rate].1);
                    line.discount = discount.map(|d| Discount::Percent(Decimal::new(d, 2)));
                }
                order.adjustments = adjustments
                    .iter()
                    .map(|(charge, cents, rate)| DocumentAdjustment {
                        kind: if *charge { AdjustmentKind::Charge } else { AdjustmentKind::Allowance },
                        reason: "x".into(),
                        amount: currency.round(Decimal::new(*cents, 2)),
                        vat_category: RATES[*rate].0,
                        vat_rate: Decimal::from(RATES[*rate].1),
                    })
                    .collect();
                let plan = plan_order_invoice(&order, None).expect("plan");
                let draft = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft");
                let invoice = draft.numbered(1);
                let t = &invoice.totals;
                let round = |d: Decimal| currency.round(d);
                for line in &invoice.lines {
                    prop_assert_eq!(line.line_net.scale(), minor);
                    // PEPPOL-EN16931-R120 with no slack: net = round(quantity × price) − allowance
                    prop_assert_eq!(line.line_net, round(line.quantity * line.unit_price) - line.allowance);
                }
                let sum_lines: Decimal = invoice.lines.iter().map(|l| l.line_net).sum();
                let sum_allowances: Decimal = invoice.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Allowance).map(|a| a.amount).sum();
                let sum_charges: Decimal = invoice.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Charge).map(|a| a.amount).sum();
                prop_assert_eq!(t.line_extension, sum_lines); // BR-CO-10
                prop_assert_eq!(t.allowances, sum_allowances); // BR-CO-11
                prop_assert_eq!(t.charges, sum_charges); // BR-CO-12
                prop_assert_eq!(t.tax_exclusive, t.line_extension - t.allowances + t.charges); // BR-CO-13
                prop_assert_eq!(t.vat, invoice.vat_breakdown.iter().map(|b| b.vat).sum::<Decimal>()); // BR-CO-14
                prop_assert_eq!(t.tax_inclusive, t.tax_exclusive + t.vat); // BR-CO-15
                prop_assert_eq!(t.payable, t.tax_inclusive - t.prepaid + t.rounding); // BR-CO-16
                // the breakdown: one entry per (category, rate), taxable = its lines ± its adjustments, tax rounded
                prop_assert_eq!(invoice.vat_breakdown.iter().map(|b| b.taxable).sum::<Decimal>(), t.tax_exclusive);
                for entry in &invoice.vat_breakdown {
                    let lines: Decimal = invoice.lines.iter().filter(|l| l.vat_category == entry.category && l.vat_rate == entry.rate).map(|l| l.line_net).sum();
                    let adjustments: Decimal = invoice.adjustments.iter().filter(|a| a.vat_category == entry.category && a.vat_rate == entry.rate).map(DocumentAdjustment::signed_amount).sum();
                    prop_assert_eq!(entry.taxable, lines + adjustments);
                    prop_assert_eq!(entry.vat, round(entry.taxable * entry.rate / Decimal::ONE_HUNDRED)); // BR-CO-17
                }
                let keys: std::collections::BTreeSet<_> = invoice.vat_breakdown.iter().map(|b| (b.category, b.rate)).collect();
                prop_assert_eq!(keys.len(), invoice.vat_breakdown.len());
                for amount in [t.line_extension, t.tax_exclusive, t.vat, t.tax_inclusive, t.payable] {
                    prop_assert_eq!(amount.scale(), minor);
                }
            }
        }
    }

    #[test]
    fn a_worked_example_checked_by_hand() {
        // Line 1: 3 × 19.99 = 59.97, 10 % off = 6.00 (5.997), net 53.97, 25 %
        // Line 2: 2.5 × 4.10 = 10.25, net 10.25, 12 %
        // Freight 49.00 at 25 %; discount 5.00 at 12 %
        // 25 %: 53.97 + 49.00 = 102.97 → VAT 25.7425 → 25.74
        // 12 %: 10.25 − 5.00 = 5.25 → VAT 0.63
        // lines 64.22; exclusive 64.22 − 5.00 + 49.00 = 108.22; VAT 26.37; inclusive 134.59
        let mut order = delivered(&[("A", dec!(3)), ("B", dec!(2.5))]);
        order.lines[0].unit_price = dec!(19.99);
        order.lines[0].discount = Some(Discount::Percent(dec!(10)));
        order.lines[1].unit_price = dec!(4.10);
        order.lines[1].vat_rate = dec!(12);
        order.adjustments = vec![
            DocumentAdjustment {
                kind: AdjustmentKind::Charge,
                reason: "Freight".into(),
                amount: dec!(49.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(25),
            },
            DocumentAdjustment {
                kind: AdjustmentKind::Allowance,
                reason: "Discount".into(),
                amount: dec!(5.00),
                vat_category: VatCategory::S,
                vat_rate: dec!(12),
            },
        ];
        let plan = plan_order_invoice(&order, None).expect("plan");
        let invoice = draft_invoice(&order, &plan, &fixtures::tenant(), "order", at()).expect("draft").numbered(1);
        assert_eq!((invoice.lines[0].allowance, invoice.lines[0].line_net), (dec!(6.00), dec!(53.97)));
        let t = &invoice.totals;
        assert_eq!(
            (t.line_extension, t.allowances, t.charges, t.tax_exclusive, t.vat, t.tax_inclusive, t.payable),
            (dec!(64.22), dec!(5.00), dec!(49.00), dec!(108.22), dec!(26.37), dec!(134.59), dec!(134.59))
        );
        let breakdown: Vec<_> = invoice.vat_breakdown.iter().map(|b| (b.rate, b.taxable, b.vat)).collect();
        assert_eq!(breakdown, vec![(dec!(12), dec!(5.25), dec!(0.63)), (dec!(25), dec!(102.97), dec!(25.74))]);
    }
}
