//! The PDF of a billing document, for people: seller, buyer and delivery address, the key dates and references,
//! the lines, the VAT breakdown, the totals with the amount due, and how to pay (with an EPC/SEPA QR code for
//! EUR). A4, one page when it fits; longer documents continue on further pages with the table header repeated
//! and "Page p of t" on every page. Text is set in DejaVu Sans, embedded as a subset (Latin, Latin Extended,
//! Greek, Cyrillic), with a ToUnicode map so the text can be searched and extracted. The output is deterministic:
//! the same document renders to the same bytes.

mod delivery_note;
mod epc;
mod error;
mod fonts;
mod format;
mod invoice;
mod layout;
mod pages;
mod pen;
mod proforma;

#[cfg(test)]
mod preview;
#[cfg(test)]
mod tests;

pub use delivery_note::{delivery_note_needs_fallback_font, delivery_note_pdf};
pub use epc::epc_payload;
pub use error::PdfError;
pub use fonts::{has_fallback_font, install_fallback_font, needs_fallback_font};
pub use invoice::invoice_pdf;
pub use proforma::proforma_pdf;
