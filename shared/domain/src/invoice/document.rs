//! The billing document as issued (docs/domain.md "Invoice rules"): seller, payment, lines, the reference a credit
//! or debit note carries, its number in a gapless series, and why a document cannot be issued.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::totals::DocumentTotals;
use crate::adjustment::DocumentAdjustment;
use crate::document_kind::DocumentKind;
use crate::ids::{OrderId, Sku, TenantId};
use crate::money::Currency;
use crate::order::{iso_date, Address, Buyer, Language, VatBreakdown};
use crate::party::PeppolId;
use crate::tax::VatCategory;

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
    /// The buyer's id of that order line, when it is not its position (BT-132 references it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_ref: Option<String>,
    /// On a credit or debit note: the line of the corrected invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_id_in_invoice: Option<u32>,
    /// On an invoice of several orders (a collective invoice): the order this line bills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderRef>,
    /// Product (`None`: a free-text line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Sku>,
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

/// An order as a line of a collective invoice names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRef {
    /// Our id.
    pub order_id: OrderId,
    /// The webshop's order number.
    pub order_number: String,
}

/// One order a collective invoice bills, with the despatches of it billed (docs/decisions/0020).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledOrder {
    /// Our id.
    pub order_id: OrderId,
    /// The webshop's order number.
    pub order_number: String,
    /// The despatches billed, in the order they were named.
    pub despatch_numbers: Vec<String>,
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
    /// The order billed (of a collective invoice: the first; its files are kept under it).
    pub order_id: OrderId,
    /// The webshop's order number (BT-13 order reference, and BT-10 buyer reference); of a collective invoice
    /// of several orders, their numbers joined (BT-10 only: BT-13 names one order).
    pub order_number: String,
    /// Of a collective invoice (staff invoicing several despatches at once): every order billed with its
    /// despatches. Empty for the invoice of one despatch or one order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<BilledOrder>,
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
    pub currency: Currency,
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

    /// Every order the document bills: the one order, or each of a collective invoice.
    pub fn order_ids(&self) -> Vec<&OrderId> {
        if self.orders.is_empty() {
            vec![&self.order_id]
        } else {
            self.orders.iter().map(|o| &o.order_id).collect()
        }
    }

    /// Whether it bills several orders: then BT-13 is left out and each line names its order.
    pub fn bills_several_orders(&self) -> bool {
        self.orders.len() > 1
    }
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
    /// Despatches that cannot go in one invoice together (other customers, currencies), or a correction of a
    /// collective invoice that would span its orders.
    #[error("{0}")]
    NotTogether(String),
}
