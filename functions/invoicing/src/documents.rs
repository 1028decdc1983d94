//! What follows an issued billing document: its UBL and PDF in the archive and the buyer's email with both
//! attached. Every step is idempotent, so completing a document twice (a redelivery, a retry) does nothing new.

use orders_aws::archive::ArchiveError;
use orders_aws::outbox::EmailError;
use orders_aws::store::EmailRecord;
use orders_aws::StoreError;
use orders_domain::invoice::Invoice;
use orders_domain::invoice_ubl::peppol_invoice;
use orders_domain::order::Order;
use orders_domain::tenant::TenantSettings;
use orders_mail::invoice::render_invoice;
use orders_mail::{Attachment, MailError};

use crate::Invoicing;

/// Completing a document failed; the caller retries (the message stays on the queue).
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The PDF could not be rendered.
    #[error(transparent)]
    Pdf(#[from] orders_pdf::PdfError),
    /// S3 failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// SES failed (throttled).
    #[error(transparent)]
    Email(#[from] EmailError),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The files of a document: its PDF and, when both parties are on Peppol, its UBL.
pub struct Files {
    /// PDF bytes.
    pub pdf: Vec<u8>,
    /// UBL XML.
    pub ubl: Option<String>,
}

/// Renders the files of `invoice`.
pub fn files(invoice: &Invoice) -> Result<Files, orders_pdf::PdfError> {
    Ok(Files { pdf: orders_pdf::invoice_pdf(invoice)?, ubl: peppol_invoice(invoice) })
}

/// Archives the files of `invoice` (under `ubl_key` and `pdf_key`) and sends `emails` (claimed now, or left
/// `sending` by an attempt that died) with both attached.
pub async fn complete(
    app: &Invoicing,
    invoice: &Invoice,
    ubl_key: Option<&str>,
    pdf_key: &str,
    order: &Order,
    tenant: &TenantSettings,
    emails: Vec<EmailRecord>,
) -> Result<(), DocumentError> {
    app.prepare_fonts(invoice).await;
    let Files { pdf, ubl } = files(invoice)?;
    app.archive.put_once(pdf_key, pdf.clone(), "application/pdf").await?;
    if let (Some(key), Some(xml)) = (ubl_key, ubl.as_ref()) {
        app.archive.put_once(key, xml.clone().into_bytes(), "application/xml").await?;
    }
    let mut attachments =
        vec![Attachment { filename: format!("{}.pdf", invoice.number), content_type: "application/pdf", bytes: pdf }];
    if let Some(xml) = ubl {
        attachments.push(Attachment {
            filename: format!("{}.xml", invoice.number),
            content_type: "application/xml",
            bytes: xml.into_bytes(),
        });
    }
    app.outbox
        .send_billing(order, tenant, emails, |record| {
            if record.reference != invoice.number {
                return Err(MailError::Render(format!("email {} is not for {}", record.reference, invoice.number)));
            }
            Ok((render_invoice(invoice)?, attachments.clone()))
        })
        .await?;
    tracing::info!(tenant = %invoice.tenant, number = %invoice.number, order_id = %invoice.order_id, "document archived and sent");
    Ok(())
}
