//! VAT categories of EN 16931 (docs/domain.md "Money"): the codes every priced line, adjustment and invoice line
//! carries.

use serde::{Deserialize, Serialize};

/// VAT category codes of EN 16931 (UNCL 5305 subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VatCategory {
    /// Standard rate.
    S,
    /// Zero rated goods.
    Z,
    /// Exempt from tax.
    E,
    /// Reverse charge.
    AE,
    /// Intra-community supply.
    K,
    /// Export outside the EU.
    G,
    /// Outside the scope of VAT.
    O,
}

impl VatCategory {
    /// True when the category must carry a 0 % rate.
    pub fn requires_zero_rate(self) -> bool {
        !matches!(self, Self::S)
    }
}
