//! Document-level allowances and charges (docs/domain.md "Money"): freight, an order discount — each with its own
//! VAT category and rate, set by the seller's response or a quote and billed with the first invoice.

use rust_decimal::Decimal;

use crate::tax::VatCategory;

/// Whether a document-level adjustment lowers or raises the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// A discount on the whole order (EN 16931 BG-20).
    Allowance,
    /// A charge such as freight (EN 16931 BG-21).
    Charge,
}

/// A document-level allowance or charge with its VAT category and rate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentAdjustment {
    /// Allowance or charge.
    pub kind: AdjustmentKind,
    /// Why ("Freight", "Loyalty discount").
    pub reason: String,
    /// Amount, rounded to the currency, ≥ 0.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// VAT category it is taxed in.
    pub vat_category: VatCategory,
    /// VAT rate in percent.
    #[serde(with = "rust_decimal::serde::str")]
    pub vat_rate: Decimal,
}

impl DocumentAdjustment {
    /// The amount with its sign in the taxable base: charges add, allowances subtract.
    pub fn signed_amount(&self) -> Decimal {
        match self.kind {
            AdjustmentKind::Charge => self.amount,
            AdjustmentKind::Allowance => -self.amount,
        }
    }
}
