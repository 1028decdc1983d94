//! The credit ledger (docs/domain.md "Invoice rules"): what earlier credit notes took back of an invoice, and the
//! status that follows — issued, partially credited, credited. The document never changes; its ledger moves.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::document::{Invoice, InvoiceLine};

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
