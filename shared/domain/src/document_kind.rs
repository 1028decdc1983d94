//! The kinds of billing document (docs/domain.md "Documents"): invoice, credit note, debit note — their UNCL1001
//! codes and the names they go by in the API and in file names.

use serde::{Deserialize, Serialize};

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
