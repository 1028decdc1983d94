//! Issuing a billing document, the one flow the invoicing stage and the billing API share: the document is
//! numbered in one transaction with the order (see `Store::issue_document`), then completed — its PDF in the
//! archive (a conditional put: never overwritten) and the buyer's email with the PDF and the UBL attached, claimed
//! in that transaction and sent once. The UBL, a pure function of the stored document, is archived by the archive
//! function from the table's stream, in the tenant's document bundle (docs/decisions/0014-document-bundles.md).
//! Every completion step is idempotent, so completing a document twice (a redelivery, a retry) does nothing new.

use std::path::PathBuf;

use time::OffsetDateTime;

use orders_aws::archive::{ArchiveError, DocumentArchive};
use orders_aws::store::{completion_request_key, EmailRecord, IssueOutcome, IssueWrite, NewEmail, StoredInvoice};
use orders_aws::{required_var, ConfigError, Settings, Store, StoreError};
use orders_domain::invoice::Invoice;
use orders_domain::invoice_ubl::peppol_invoice;
use orders_domain::order::Order;
use orders_domain::tenant::TenantSettings;
use orders_mail::invoice::render_invoice;
use orders_mail::{Attachment, MailError};

use crate::outbox::{EmailError, EmailOutbox, MailSettings};

/// Settings of a function that issues billing documents (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct DocumentsConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `DOCUMENTS_BUCKET`.
    pub documents_bucket: String,
    /// `SENDER_EMAIL` (and the portal's, when set).
    pub mail: MailSettings,
    /// `PDF_FALLBACK_FONT` (optional): a TrueType font for text DejaVu Sans lacks (CJK), read when a document
    /// needs it.
    pub pdf_fallback_font: Option<String>,
}

impl Settings for DocumentsConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            documents_bucket: get("DOCUMENTS_BUCKET")?,
            mail: MailSettings::from_vars(&var)?,
            pdf_fallback_font: var("PDF_FALLBACK_FONT").filter(|p| !p.is_empty()),
        })
    }
}

/// What issuing and completing documents needs, built once per container.
#[derive(Debug, Clone)]
pub struct Documents {
    store: Store,
    archive: DocumentArchive,
    outbox: EmailOutbox,
    clock: fn() -> OffsetDateTime,
    fallback_font: Option<PathBuf>,
}

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

/// Loads the fallback font (CJK) from `path` once per process, when a document (`what`) `needs` it and none is
/// loaded yet; without it such text shows as boxes (and stays searchable).
pub(crate) async fn load_fallback_font(path: Option<&std::path::Path>, needs: bool, what: &str) {
    if orders_pdf::has_fallback_font() || !needs {
        return;
    }
    let Some(path) = path else {
        tracing::warn!(document = %what, "the document needs a fallback font (CJK) and none is configured");
        return;
    };
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            if orders_pdf::install_fallback_font(bytes) {
                tracing::info!(path = %path.display(), "fallback font loaded");
            }
        }
        Err(error) => tracing::warn!(path = %path.display(), %error, "fallback font not readable"),
    }
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

/// What an attempt to issue a document did.
#[derive(Debug)]
pub enum Issuance {
    /// Issued now, as stored; `completed` says whether archiving and emailing it went through (when not, a
    /// redelivery or the document's completion request finishes it).
    Issued {
        /// The document as stored.
        stored: Box<StoredInvoice>,
        /// Archiving and emailing.
        completed: Result<(), DocumentError>,
    },
    /// Nothing issued now: the store's answer (a consumed request, a changed order, a used key).
    NotIssued(IssueOutcome),
}

impl Documents {
    /// Builds the state from settings and clients.
    pub fn new(
        config: &DocumentsConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        Self {
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            archive: DocumentArchive::new(s3, &config.documents_bucket),
            store,
            clock: OffsetDateTime::now_utc,
            fallback_font: config.pdf_fallback_font.as_ref().map(PathBuf::from),
        }
    }

    /// The table.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Delivery notes, archived in the same bucket with the same fallback font.
    pub fn delivery_notes(&self) -> crate::delivery_notes::DeliveryNotes {
        crate::delivery_notes::DeliveryNotes::new(self.archive.clone(), self.fallback_font.clone())
    }

    /// The documents bucket.
    pub fn archive(&self) -> &DocumentArchive {
        &self.archive
    }

    /// The email outbox.
    pub fn outbox(&self) -> &EmailOutbox {
        &self.outbox
    }

    /// The time now.
    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// Loads the fallback font (once per container) when `invoice` has text the embedded fonts lack. A missing or
    /// unreadable font is logged: such text then shows as boxes, and stays searchable.
    pub async fn prepare_fonts(&self, invoice: &Invoice) {
        load_fallback_font(self.fallback_font.as_deref(), orders_pdf::needs_fallback_font(invoice), &invoice.number)
            .await;
    }

    /// Issues `write`'s document in one transaction and, when this call issued it, completes it (archive, the
    /// email `write` claims). A document issued with a completion request has that request cleared once complete;
    /// otherwise it stays pending and the relay hands it to the invoicing stage.
    pub async fn issue(&self, write: &IssueWrite<'_>, tenant: &TenantSettings) -> Result<Issuance, StoreError> {
        let stored = match self.store.issue_document(write).await? {
            IssueOutcome::Issued(stored) => stored,
            other => return Ok(Issuance::NotIssued(other)),
        };
        let document = &stored.invoice;
        orders_aws::metrics::count(orders_aws::metrics::DOCUMENTS_ISSUED, 1);
        tracing::info!(tenant = %document.tenant, order_id = %document.order_id, number = %document.number, kind = document.kind.as_str(), payable = %document.totals.payable, "billing document issued");
        let claimed = EmailOutbox::claimed(
            write.email.iter().map(|email| NewEmail { reference: document.number.clone(), ..email.clone() }).collect(),
        );
        let completed = self.complete(document, &stored.pdf_key, &write.draft.order, tenant, claimed.clone()).await;
        if let Err(error) = &completed {
            // Rendering or archiving failed before any email was tried: give up this attempt's claim, so that
            // whoever completes the document sends them at once rather than after the claim goes stale. (A
            // refused send released its own claim; a failure after sending keeps it, so nothing is sent twice.)
            if matches!(error, DocumentError::Pdf(_) | DocumentError::Archive(_)) {
                self.store.release_email_claims(&document.tenant, &document.order_id, &claimed).await?;
            }
        }
        if let (Ok(()), Some(completion)) = (&completed, write.completion) {
            let request = completion_request_key(&document.number);
            self.store
                .dismiss_request(&document.tenant, &document.order_id, &request, &completion.event_id, "completed")
                .await?;
        }
        Ok(Issuance::Issued { stored, completed })
    }

    /// Archives the PDF of `invoice` (under `pdf_key`) and sends `emails` (claimed now, or left `sending` by an
    /// attempt that died) with the PDF and the UBL attached.
    pub async fn complete(
        &self,
        invoice: &Invoice,
        pdf_key: &str,
        order: &Order,
        tenant: &TenantSettings,
        emails: Vec<EmailRecord>,
    ) -> Result<(), DocumentError> {
        self.prepare_fonts(invoice).await;
        let Files { pdf, ubl } = files(invoice)?;
        self.archive.put_once(pdf_key, pdf.clone(), "application/pdf").await?;
        let mut attachments = vec![Attachment {
            filename: format!("{}.pdf", invoice.number),
            content_type: "application/pdf",
            bytes: pdf,
        }];
        if let Some(xml) = ubl {
            attachments.push(Attachment {
                filename: format!("{}.xml", invoice.number),
                content_type: "application/xml",
                bytes: xml.into_bytes(),
            });
        }
        self.outbox
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

    /// Completes a document issued by an earlier attempt: archives what is missing and sends the email if that
    /// attempt died before sending it. `None` when there is no such document.
    pub async fn finish_issued(
        &self,
        tenant: &TenantSettings,
        order: &Order,
        number: &str,
    ) -> Result<Option<Finished>, DocumentError> {
        let Some(stored) = self.store.get_invoice(&tenant.tenant, number).await? else {
            return Ok(None);
        };
        let outstanding = self.outbox.outstanding_billing(order, Some(number)).await?;
        tracing::info!(%number, resend = outstanding.reclaimed.len(), held = outstanding.held, "completing a document issued before");
        self.complete(&stored.invoice, &stored.pdf_key, order, tenant, outstanding.reclaimed).await?;
        Ok(Some(if outstanding.held { Finished::EmailHeld } else { Finished::Complete }))
    }
}

/// How far [`Documents::finish_issued`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Archived, and its email sent (or refused for good).
    Complete,
    /// Archived, but its email is claimed by an attempt that may still be running: someone must come back once
    /// that claim is stale, or the email is never sent.
    EmailHeld,
}
