//! The files of billing documents: a document's PDF as archived (rendered again, to the same bytes, when the
//! archive does not have it yet) and its UBL, the proforma PDF of an order, and the delivery note of a despatch.

use orders_aws::store::StoredInvoice;
use orders_domain::ids::{CustomerId, OrderId, TenantId};
use orders_domain::invoice::draft_proforma;
use orders_domain::invoice_ubl::peppol_invoice;

use super::{tenant_settings, BillingError};
use crate::documents::Documents;

/// A file to hand out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its media type (`application/pdf`, `application/xml`).
    pub content_type: &'static str,
    /// The name it is saved under (`INV-2026-000001.pdf`).
    pub filename: String,
}

/// The file `file` of `stored` (`invoice.pdf` / `invoice.xml`, `credit-note.pdf` / `credit-note.xml`). The PDF
/// is the archived one, or rendered again when the archive does not have it yet; the UBL is rendered from the
/// stored document, a pure function of it (its archived copy is in the tenant's document bundles,
/// docs/decisions/0014-document-bundles.md). Not found for another name, and for the UBL of a document without
/// one (the buyer or the seller has no Peppol address).
pub async fn document_file(
    documents: &Documents,
    stored: &StoredInvoice,
    file: &str,
) -> Result<DocumentFile, BillingError> {
    let stem = stored.invoice.kind.file_stem();
    let number = &stored.invoice.number;
    if file == format!("{stem}.xml") {
        let ubl = stored.ubl_key.as_ref().and_then(|_| peppol_invoice(&stored.invoice)).ok_or_else(|| {
            BillingError::NotFound(format!("UBL of {number}: the buyer or the seller has no Peppol address"))
        })?;
        return Ok(DocumentFile {
            bytes: ubl.into_bytes(),
            content_type: "application/xml",
            filename: format!("{number}.xml"),
        });
    }
    if file != format!("{stem}.pdf") {
        return Err(BillingError::NotFound(format!("document {file}")));
    }
    let archived =
        documents.archive().get(&stored.pdf_key).await.map_err(|e| BillingError::Unavailable(e.to_string()))?;
    let bytes = match archived {
        Some(bytes) => bytes,
        None => {
            documents.prepare_fonts(&stored.invoice).await;
            orders_pdf::invoice_pdf(&stored.invoice)
                .map_err(|e| BillingError::Unavailable(format!("render the PDF: {e}")))?
        }
    };
    Ok(DocumentFile { bytes, content_type: "application/pdf", filename: format!("{number}.pdf") })
}

/// The proforma of the order `order_id` of `tenant`: what is left to invoice of it, as a PDF (not a tax invoice,
/// not numbered, not a Peppol document). Not found for another tenant's order; a conflict when nothing is left
/// to invoice or the order's state has no proforma.
pub async fn proforma(
    documents: &Documents,
    tenant: &TenantId,
    order_id: &OrderId,
) -> Result<DocumentFile, BillingError> {
    let store = documents.store();
    let record = store
        .get_order_record(tenant, order_id)
        .await?
        .ok_or_else(|| BillingError::NotFound(format!("order {order_id}")))?;
    let settings = tenant_settings(store, tenant).await?;
    let proforma = draft_proforma(&record.order, &settings, documents.now())?;
    documents.prepare_fonts(&proforma).await;
    let pdf =
        orders_pdf::proforma_pdf(&proforma).map_err(|e| BillingError::Unavailable(format!("render the PDF: {e}")))?;
    Ok(DocumentFile {
        bytes: pdf,
        content_type: "application/pdf",
        filename: format!("proforma-{}.pdf", record.order.order_number.replace(['"', '\\'], "_")),
    })
}

/// The delivery note of despatch `number` of the order `order_id` of `tenant` (of `customer` when named): the
/// archived PDF, or made and archived now when the shipment stage has not yet. Not found for another tenant's or
/// customer's order and for an unknown despatch.
pub async fn delivery_note(
    documents: &Documents,
    tenant: &TenantId,
    customer: Option<&CustomerId>,
    order_id: &OrderId,
    number: &str,
) -> Result<DocumentFile, BillingError> {
    let store = documents.store();
    let not_found = || BillingError::NotFound(format!("despatch {number} of order {order_id}"));
    let found = store.order_with_parts(tenant, order_id).await?.ok_or_else(not_found)?;
    if customer.is_some_and(|customer| *customer != found.record.order.buyer.customer_id) {
        return Err(not_found());
    }
    let despatches = &found.parts.despatches;
    let despatch = despatches.iter().find(|d| d.despatch_number == number).ok_or_else(not_found)?;
    let settings = tenant_settings(store, tenant).await?;
    let note = documents
        .delivery_notes()
        .fetch(&found.record.order, despatch, despatches, &settings)
        .await
        .map_err(|e| BillingError::Unavailable(format!("the delivery note: {e}")))?;
    Ok(DocumentFile { bytes: note.pdf, content_type: "application/pdf", filename: note.filename })
}
