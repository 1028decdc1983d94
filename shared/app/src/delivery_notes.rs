//! Delivery notes (docs/architecture.md "Delivery notes"): the PDF of a despatch, rendered from the order and its
//! despatches and archived once beside the despatch's Despatch Advice (a conditional put: never overwritten). The
//! shipment stage makes it and attaches it to the buyer's despatch email; the billing API serves the archived copy,
//! and renders and archives it itself when the shipment stage has not yet.

use std::path::PathBuf;

use orders_aws::archive::{ArchiveError, DocumentArchive};
use orders_domain::delivery_note::delivery_note;
use orders_domain::despatch::Despatch;
use orders_domain::documents::{delivery_note_key, delivery_note_name};
use orders_domain::order::Order;
use orders_domain::tenant::TenantSettings;
use orders_mail::delivery_note_strings::delivery_note_strings;
use orders_mail::{Attachment, Lang};

use crate::documents::load_fallback_font;
use crate::outbox::DespatchFiles;

/// Making or archiving a delivery note failed (the caller retries).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryNoteError {
    /// The PDF could not be rendered.
    #[error(transparent)]
    Pdf(#[from] orders_pdf::PdfError),
    /// S3 failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}

/// A rendered delivery note.
#[derive(Debug, Clone)]
pub struct DeliveryNoteFile {
    /// `delivery-note-{number}.pdf`.
    pub filename: String,
    /// The PDF.
    pub pdf: Vec<u8>,
    /// The buyer's language it is written in.
    pub lang: Lang,
}

impl DeliveryNoteFile {
    fn new(despatch: &Despatch, pdf: Vec<u8>, lang: Lang) -> Self {
        Self { filename: format!("{}.pdf", delivery_note_name(&despatch.despatch_number)), pdf, lang }
    }

    /// The note as what its despatch email carries.
    pub fn into_despatch_files(self, despatch_number: &str) -> DespatchFiles {
        DespatchFiles {
            despatch_number: despatch_number.to_owned(),
            mention: delivery_note_strings(self.lang).attached,
            attachments: vec![Attachment { filename: self.filename, content_type: "application/pdf", bytes: self.pdf }],
        }
    }
}

/// Renders and archives delivery notes; built once per container.
#[derive(Debug, Clone)]
pub struct DeliveryNotes {
    archive: DocumentArchive,
    fallback_font: Option<PathBuf>,
}

impl DeliveryNotes {
    /// Notes archived in `archive`, CJK text set in the font at `fallback_font` (`PDF_FALLBACK_FONT`).
    pub fn new(archive: DocumentArchive, fallback_font: Option<PathBuf>) -> Self {
        Self { archive, fallback_font }
    }

    /// The note of `despatch` (of `order`, whose despatches known with it are `despatches`), in the buyer's
    /// language, archived once under its key.
    pub async fn archived(
        &self,
        order: &Order,
        despatch: &Despatch,
        despatches: &[Despatch],
        tenant: &TenantSettings,
    ) -> Result<DeliveryNoteFile, DeliveryNoteError> {
        let lang = Lang::pick(order.buyer.language.as_ref(), &tenant.language);
        let note = delivery_note(order, despatch, despatches, tenant);
        let needs_font = orders_pdf::delivery_note_needs_fallback_font(&note, lang);
        load_fallback_font(self.fallback_font.as_deref(), needs_font, &despatch.despatch_number).await;
        let pdf = orders_pdf::delivery_note_pdf(&note, lang)?;
        let key = delivery_note_key(&order.tenant, &order.id, &despatch.despatch_number);
        self.archive.put_once(&key, pdf.clone(), "application/pdf").await?;
        Ok(DeliveryNoteFile::new(despatch, pdf, lang))
    }

    /// The archived note of `despatch`, or, when there is none yet, [`DeliveryNotes::archived`].
    pub async fn fetch(
        &self,
        order: &Order,
        despatch: &Despatch,
        despatches: &[Despatch],
        tenant: &TenantSettings,
    ) -> Result<DeliveryNoteFile, DeliveryNoteError> {
        let key = delivery_note_key(&order.tenant, &order.id, &despatch.despatch_number);
        match self.archive.get(&key).await? {
            Some(pdf) => {
                Ok(DeliveryNoteFile::new(despatch, pdf, Lang::pick(order.buyer.language.as_ref(), &tenant.language)))
            }
            None => self.archived(order, despatch, despatches, tenant).await,
        }
    }
}
