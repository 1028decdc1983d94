//! The billing API's use cases (docs/architecture.md "What goes where"): issue an invoice of what shipped, issue
//! one invoice of several despatches of a customer (a collective invoice), issue
//! credit and debit notes against an invoice (a retried request never issues a second note: docs/architecture.md
//! "Guarantees"), print the proforma of an order, and read a document and its files. Numbering, archiving and
//! emailing are [`crate::documents`], exactly as for the invoicing stage. The HTTP adapter parses the request and
//! renders the answer; [`BillingError`] says why a request was refused, and the adapter maps it to a problem
//! document (docs/api-conventions.md).

mod collective;
mod files;
mod invoice;
mod notes;

pub use collective::issue_collective_invoice;
pub use files::{delivery_note, document_file, proforma, DocumentFile};
pub use invoice::issue_invoice;
pub use notes::{issue_note, request_fingerprint, NoteGuard, NoteRequest};

use orders_aws::store::{AlsoBilled, ApiKeyRecord, IssueOutcome, IssueWrite, NewEmail, OrderRecord, StoredInvoice};
use orders_aws::{Store, StoreError};
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::ids::TenantId;
use orders_domain::invoice::{CreditLedger, DocumentKind, InvoiceDraft, InvoiceError, InvoiceStatus};
use orders_domain::order::HistoryEntry;
use orders_domain::tenant::TenantSettings;
use orders_domain::FieldError;
use orders_mail::EmailKind;

use crate::documents::{Documents, Issuance};
use crate::staff::{ActionError, IfMatch};

/// Why a billing request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// No such document or order for the caller's tenant; the text names what ("invoice INV-2026-000001").
    #[error("{0} not found")]
    NotFound(String),
    /// The document or the order does not allow it as things stand (nothing left to invoice, a debit note
    /// corrected, the tenant's invoicing not set up).
    #[error("{0}")]
    Conflict(String),
    /// The request's content does not fit the document (quantities), each problem with a JSON Pointer.
    #[error("invalid request: {0:?}")]
    Invalid(Vec<FieldError>),
    /// `If-Match` names another version than the current one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A note was asked for without `If-Match` or `Idempotency-Key`, so a retry could issue it twice.
    #[error("{0}")]
    PreconditionRequired(String),
    /// `If-Match` is not a list of ETags.
    #[error("If-Match: {0}")]
    BadIfMatch(String),
    /// The `Idempotency-Key` was used before for another request.
    #[error("Idempotency-Key {0:?} was already used with a different request body")]
    IdempotencyKeyReused(String),
    /// The order or the invoice kept changing while the request was retried.
    #[error("{0}")]
    KeptChanging(String),
    /// Something the request needs is not there or not readable yet (tenant settings, a document a concurrent
    /// request is issuing, the archive, the PDF renderer); the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<InvoiceError> for BillingError {
    /// Quantities that do not fit are the request's fault (`/lines`); the rest is the state of the order or the
    /// tenant.
    fn from(error: InvoiceError) -> Self {
        match error {
            InvoiceError::Quantity(detail) => Self::Invalid(vec![FieldError::new("/lines", detail)]),
            InvoiceError::NothingToBill(detail)
            | InvoiceError::Vat(detail)
            | InvoiceError::NotConfigured(detail)
            | InvoiceError::NotTogether(detail) => Self::Conflict(detail),
        }
    }
}

/// A document a request issued, or an earlier request with the same `Idempotency-Key` did.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedDocument {
    /// The document as stored.
    pub stored: StoredInvoice,
    /// Issued by an earlier request with the same `Idempotency-Key` (the answer is a replay).
    pub replayed: bool,
}

/// 404 for the document `number` of `collection` (`invoices`, `credit-notes`): "invoice INV-…", "credit note …".
pub fn document_not_found(collection: &str, number: &str) -> BillingError {
    BillingError::NotFound(format!("{} {number}", collection.trim_end_matches('s').replace('-', " ")))
}

/// The document `number` of `tenant`, listed under `collection` (`invoices` holds invoices and debit notes,
/// `credit-notes` credit notes); not found for another tenant's, another collection's or a malformed number.
pub async fn document(
    store: &Store,
    tenant: &TenantId,
    collection: &str,
    number: &str,
) -> Result<StoredInvoice, BillingError> {
    if number.is_empty() || number.len() > 64 {
        return Err(document_not_found(collection, number));
    }
    let stored = store.get_invoice(tenant, number).await?.ok_or_else(|| document_not_found(collection, number))?;
    if stored.invoice.kind.collection() != collection {
        return Err(document_not_found(collection, number));
    }
    Ok(stored)
}

/// The settings `tenant`'s documents are issued under.
async fn tenant_settings(store: &Store, tenant: &TenantId) -> Result<TenantSettings, BillingError> {
    store.get_tenant(tenant).await?.ok_or_else(|| BillingError::Unavailable(format!("tenant {tenant} has no settings")))
}

/// Refuses when `if_match` names another version than `version` of `what` ("the invoice"), or is no list of
/// ETags.
fn check_if_match(if_match: &IfMatch, version: u64, what: &str) -> Result<(), BillingError> {
    if_match.check(version, what).map_err(|refusal| match refusal {
        ActionError::BadIfMatch(detail) => BillingError::BadIfMatch(detail),
        ActionError::PreconditionFailed(detail) => BillingError::PreconditionFailed(detail),
        // `IfMatch::check` refuses with the two above only.
        other => BillingError::PreconditionFailed(other.to_string()),
    })
}

/// Who issues documents through the API, as the order's history records it.
fn operator(caller: &ApiKeyRecord) -> String {
    format!("operator:{}", caller.key_id)
}

/// A drafted document to issue, with everything written in its transaction.
struct Issue<'a> {
    /// The caller (its tenant owns the document).
    caller: &'a ApiKeyRecord,
    /// The tenant's settings.
    tenant: &'a TenantSettings,
    /// The order as read (its version must still hold).
    record: &'a OrderRecord,
    /// The document and the order after it.
    draft: &'a InvoiceDraft,
    /// For a note: the corrected invoice as read, and its ledger and status after the note.
    credits: Option<(&'a StoredInvoice, CreditLedger, InvoiceStatus)>,
    /// The order's history entry.
    history: HistoryEntry,
    /// The request's `Idempotency-Key` and fingerprint, claimed in the same transaction.
    idempotency: Option<(&'a str, &'a str)>,
    /// A collective invoice's further orders, written in the same transaction.
    also: &'a [AlsoBilled<'a>],
}

/// What an attempt to issue a document did.
enum Issued {
    /// Issued now, as stored.
    Done(Box<StoredInvoice>),
    /// The order or the invoice changed since they were read: read again and retry.
    Changed,
    /// The request's Idempotency-Key was used meanwhile.
    KeyUsed,
}

/// Issues the draft in one transaction with the order (at the version read), the corrected invoice's next
/// version and credit state, the order's history, the buyer's email and the request's Idempotency-Key, then
/// archives and sends it (`crate::documents`, as the invoicing stage does). A document whose archiving or email
/// fails stays issued; its completion request stays pending and the relay hands it to the invoicing stage
/// (docs/architecture.md "Guarantees").
async fn issue_and_complete(documents: &Documents, issue: Issue<'_>) -> Result<Issued, BillingError> {
    let Issue { caller, tenant, record, draft, credits, history, idempotency, also } = issue;
    let now = history.at;
    let completion = EventEnvelope::new(
        if draft.invoice.kind == DocumentKind::CreditNote {
            EventType::CreditNoteIssued
        } else {
            EventType::InvoiceIssued
        },
        caller.tenant.clone(),
        record.order.id.clone(),
        String::new(),
        now,
    );
    let write = IssueWrite {
        draft,
        expected_version: record.version,
        order_pending: record.pending_event.as_ref(),
        consumes: None,
        credits,
        history,
        email: Some(NewEmail {
            kind: EmailKind::BuyerBillingDocument.as_str().into(),
            reference: String::new(),
            to_name: record.order.buyer.name.clone(),
            to_address: record.order.buyer.email.to_string(),
            claimed_at: now,
        }),
        completion: Some(&completion),
        idempotency,
        also,
        last_number: None,
    };
    match documents.issue(&write, tenant).await? {
        Issuance::Issued { stored, completed } => {
            if let Err(error) = completed {
                tracing::warn!(number = %stored.invoice.number, %error, "document issued; archive or email left to invoicing");
            }
            Ok(Issued::Done(stored))
        }
        Issuance::NotIssued(IssueOutcome::IdempotencyKeyUsed) => Ok(Issued::KeyUsed),
        Issuance::NotIssued(IssueOutcome::OrderChanged | IssueOutcome::AlreadyIssued(_) | IssueOutcome::Issued(_)) => {
            Ok(Issued::Changed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_named_by_their_collection() {
        let named = |collection, number| match document_not_found(collection, number) {
            BillingError::NotFound(what) => what,
            other => format!("{other:?}"),
        };
        assert_eq!(named("invoices", "INV-1"), "invoice INV-1");
        assert_eq!(named("credit-notes", "CN-1"), "credit note CN-1");
    }

    #[test]
    fn quantities_are_the_requests_fault_and_the_rest_a_conflict() {
        match BillingError::from(InvoiceError::Quantity("too much".into())) {
            BillingError::Invalid(errors) => assert_eq!(errors, vec![FieldError::new("/lines", "too much")]),
            other => panic!("{other:?}"),
        }
        for error in [
            InvoiceError::NothingToBill("none".into()),
            InvoiceError::Vat("vat".into()),
            InvoiceError::NotConfigured("T".into()),
        ] {
            assert!(matches!(BillingError::from(error), BillingError::Conflict(_)));
        }
    }

    #[test]
    fn if_match_refusals_keep_their_kind() {
        let check = |if_match: IfMatch| check_if_match(&if_match, 2, "the invoice");
        assert!(check(IfMatch::any()).is_ok() && check(IfMatch::new(Ok("\"2\""))).is_ok());
        assert!(matches!(check(IfMatch::new(Ok("\"1\""))), Err(BillingError::PreconditionFailed(_))));
        assert!(matches!(check(IfMatch::new(Err(()))), Err(BillingError::BadIfMatch(_))));
    }
}
