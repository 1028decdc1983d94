//! The proforma invoice: the invoice layout for a document that is not issued.

use orders_domain::invoice::Invoice;

use crate::error::PdfError;
use crate::invoice::render;

/// A proforma invoice (type 325): the PDF of a document that is not issued: no number series, no tax invoice.
pub fn proforma_pdf(invoice: &Invoice) -> Result<Vec<u8>, PdfError> {
    render(invoice, true)
}
