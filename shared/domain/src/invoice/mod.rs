//! Invoices, credit notes and debit notes (docs/domain.md "Money", "Documents"): what an invoice of a despatch or of a
//! whole order contains, its totals per EN 16931 (BR-CO-10 … BR-CO-16), its number in a gapless series, and what
//! it does to the order's invoiced quantities and status. Pure code; the UBL and the PDF are rendered from the
//! [`Invoice`] as stored, so a document rendered twice is the same document.
//!
//! What to bill is planned (`plan`), drafted into a document with its totals (`draft`, `totals`, `vat`) and numbered
//! when issued (`document`); proformas are drafted the same way (`proforma`). Issued invoices are corrected by credit
//! and debit notes (`notes`, requested as `note_requests`), and the credit ledger says what was taken back (`ledger`).
//! Staff may bill several despatches of a customer in one invoice (`collective`).

mod collective;
mod document;
mod draft;
mod ledger;
mod note_requests;
mod notes;
mod plan;
mod proforma;
mod totals;
mod vat;

pub use collective::{
    credited_order, draft_collective_invoice, parse_collective_invoice, CollectedDespatch, CollectedOrder,
    CollectiveDraft, CollectiveInvoiceRequest, MAX_COLLECTED_DESPATCHES, MAX_COLLECTED_ORDERS,
};
pub use document::{
    document_number, BilledOrder, BillingReference, Invoice, InvoiceError, InvoiceLine, OrderRef, PaymentDetails,
    Seller,
};
pub use draft::{billing_status, draft_invoice, InvoiceDraft};
pub use ledger::{CreditLedger, InvoiceStatus};
pub use note_requests::{parse_credit_note, parse_debit_note, CreditNoteRequest, DebitNoteRequest};
pub use notes::{draft_credit_note, draft_debit_note, CreditScope, DebitLine};
pub use plan::{plan_despatch_invoice, plan_order_invoice, BillingPlan};
pub use proforma::draft_proforma;
pub use totals::{document_totals, line_amounts, DocumentTotals};
pub use vat::exemption_reason;

/// Document kinds live in [`crate::document_kind`] and invoicing settings with the tenant's ([`crate::tenant`]);
/// re-exported where they always were.
pub use crate::document_kind::DocumentKind;
pub use crate::tenant::InvoicingSettings;

/// Delivered orders and an issue time the tests bill.
#[cfg(test)]
mod testing {
    use rust_decimal::Decimal;
    use time::OffsetDateTime;

    use crate::fixtures;
    use crate::order::{Order, OrderStatus, OrderType};

    pub(super) fn delivered(lines: &[(&str, Decimal)]) -> Order {
        let mut order = fixtures::order(OrderType::Purchase, lines);
        for line in &mut order.lines {
            line.confirmed_quantity = line.quantity;
            line.shipped_quantity = line.quantity;
        }
        order.status = OrderStatus::Delivered;
        order
    }

    pub(super) fn at() -> OffsetDateTime {
        time::macros::datetime!(2026-11-30 12:00 UTC)
    }
}
