//! Credit and debit notes against an invoice. A note moves the invoice to its next version (a credit note also
//! takes back what it credits), so a request sent again with the `If-Match` it was first sent with is refused,
//! and one sent again with its `Idempotency-Key` gets the note issued the first time (docs/architecture.md
//! "Guarantees").

use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::ids::TenantId;
use orders_domain::invoice::{
    credited_order, draft_credit_note, draft_debit_note, CreditNoteRequest, DebitNoteRequest, DocumentKind,
};
use orders_domain::order::HistoryEntry;

use super::{
    check_if_match, document, issue_and_complete, operator, tenant_settings, BillingError, Issue, Issued,
    IssuedDocument,
};
use crate::documents::Documents;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};
use crate::staff::IfMatch;

/// A note the caller asks for, as parsed from its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteRequest {
    /// A credit note: all of the invoice, or lines and quantities of it.
    Credit(CreditNoteRequest),
    /// A debit note: more to pay for lines of the invoice.
    Debit(DebitNoteRequest),
}

impl NoteRequest {
    /// The kind of document the request issues.
    pub fn kind(&self) -> DocumentKind {
        match self {
            Self::Credit(_) => DocumentKind::CreditNote,
            Self::Debit(_) => DocumentKind::DebitNote,
        }
    }

    /// What the note is called in answers ("credit note").
    fn name(&self) -> &'static str {
        match self {
            Self::Credit(_) => "credit note",
            Self::Debit(_) => "debit note",
        }
    }
}

/// What keeps a note request, sent again, from issuing a second note: its `If-Match` and `Idempotency-Key`
/// headers (at least one of them), and the fingerprint ([`request_fingerprint`]) the key is bound to.
#[derive(Debug, Clone, Copy)]
pub struct NoteGuard<'a> {
    /// The `If-Match` header as sent (`Err` when it is not text), `None` when absent.
    pub if_match: Option<Result<&'a str, ()>>,
    /// The `Idempotency-Key` header, checked for its form.
    pub idempotency_key: Option<&'a str>,
    /// The request's fingerprint.
    pub fingerprint: &'a str,
}

impl NoteGuard<'_> {
    /// Whether `If-Match` names versions (is text, neither empty nor `*`), so that a retry cannot match again.
    fn names_versions(&self) -> bool {
        self.if_match.and_then(Result::ok).map(str::trim).is_some_and(|tag| !tag.is_empty() && tag != "*")
    }

    /// The `If-Match` to check the invoice's version against.
    fn if_match(&self) -> IfMatch {
        self.if_match.map_or_else(IfMatch::any, IfMatch::new)
    }
}

/// The fingerprint of a billing request bound to an `Idempotency-Key` (a note, a collective invoice): its path and
/// its JSON body (whatever its formatting); a body that is not JSON counts as `null`.
pub fn request_fingerprint(path: &str, body: &str) -> String {
    orders_domain::fingerprint::json_fingerprint(&json!({
        "path": path,
        "body": serde_json::from_str::<Value>(body).unwrap_or(Value::Null),
    }))
}

/// Issues `note` against the caller's invoice `number` under the next number of its series, in one transaction
/// with the order's invoiced quantities (credit notes), the invoice's next version and credit state (checked
/// against `If-Match` when sent), the order's history, the buyer's email and the `Idempotency-Key`; then archives
/// and sends it, retried when the invoice or the order changed meanwhile. Refused without `If-Match` naming a
/// version or `Idempotency-Key`; a key used before by the same request gives the note it issued (`replayed`),
/// by another request [`BillingError::IdempotencyKeyReused`].
pub async fn issue_note(
    documents: &Documents,
    caller: &ApiKeyRecord,
    number: &str,
    note: &NoteRequest,
    guard: &NoteGuard<'_>,
) -> Result<IssuedDocument, BillingError> {
    if guard.idempotency_key.is_none() && !guard.names_versions() {
        return Err(BillingError::PreconditionRequired(format!(
            "send If-Match with the invoice's ETag or an Idempotency-Key, so that a retry cannot issue a second {}",
            note.name()
        )));
    }
    let store = documents.store();
    if let Some(key) = guard.idempotency_key {
        if let Some(replayed) = replay(store, &caller.tenant, key, guard.fingerprint, documents.now()).await? {
            return Ok(replayed);
        }
    }
    let tenant = &tenant_settings(store, &caller.tenant).await?;
    let if_match = &guard.if_match();
    let attempt = |_| async move {
        let corrected = document(store, &caller.tenant, DocumentKind::Invoice.collection(), number).await?;
        if corrected.invoice.kind != DocumentKind::Invoice {
            return Err(BillingError::Conflict(format!("{number} is a debit note; correct the invoice it belongs to")));
        }
        check_if_match(if_match, corrected.version, "the invoice")?;
        // A credit note takes back quantities of one order: of a collective invoice, the order its lines bill.
        let order_id = match note {
            NoteRequest::Credit(credit) => credited_order(&corrected.invoice, credit.scope.line_ids().as_deref())?,
            NoteRequest::Debit(_) => &corrected.invoice.order_id,
        };
        let record = store
            .get_order_record(&caller.tenant, order_id)
            .await?
            .ok_or_else(|| BillingError::NotFound(format!("order {order_id}")))?;
        let now = documents.now();
        let draft = match note {
            NoteRequest::Credit(credit) => draft_credit_note(
                &corrected.invoice,
                &record.order,
                &corrected.credited,
                &credit.scope,
                &credit.reason,
                tenant,
                now,
            ),
            NoteRequest::Debit(debit) => {
                draft_debit_note(&corrected.invoice, &record.order, &debit.lines, &debit.reason, tenant, now)
            }
        }?;
        // The invoice moves to its next version with every note (a debit note leaves its ledger as it is), so a
        // retry with the If-Match it was sent with is 412, never a second note.
        let ledger = match note {
            NoteRequest::Credit(_) => corrected.credited.with(&draft.invoice),
            NoteRequest::Debit(_) => corrected.credited.clone(),
        };
        let status = ledger.status_of(&corrected.invoice);
        let history = HistoryEntry {
            at: now,
            actor: operator(caller),
            action: match note {
                NoteRequest::Credit(_) => draft.order.status.as_str().to_owned(),
                NoteRequest::Debit(_) => "debit_note".into(),
            },
            detail: format!(
                "{} for {number}: {} {} ({})",
                match note {
                    NoteRequest::Credit(_) => "Credit note",
                    NoteRequest::Debit(_) => "Debit note",
                },
                draft.invoice.totals.payable,
                draft.invoice.currency,
                draft.invoice.reason.as_deref().unwrap_or_default()
            ),
        };
        let issue = Issue {
            caller,
            tenant,
            record: &record,
            draft: &draft,
            credits: Some((&corrected, ledger, status)),
            history,
            idempotency: guard.idempotency_key.map(|key| (key, guard.fingerprint)),
            also: &[],
        };
        match issue_and_complete(documents, issue).await? {
            Issued::Done(stored) => Ok(Attempt::Done(IssuedDocument { stored: *stored, replayed: false })),
            Issued::Changed => Ok(Attempt::Conflict),
            Issued::KeyUsed => {
                let key = guard.idempotency_key.unwrap_or_default();
                replay_key_used(store, &caller.tenant, key, guard.fingerprint, documents.now()).await.map(Attempt::Done)
            }
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        BillingError::KeptChanging(format!("invoice {number} kept changing; try again"))
    })
    .await
}

/// After the issuing transaction found the `Idempotency-Key` claimed meanwhile: the document the other request
/// with this key issued (its answer), or — while that request has issued nothing yet — unavailable, so the client
/// retries once it has.
pub(super) async fn replay_key_used(
    store: &Store,
    tenant: &TenantId,
    key: &str,
    fingerprint: &str,
    now: OffsetDateTime,
) -> Result<IssuedDocument, BillingError> {
    replay(store, tenant, key, fingerprint, now).await?.ok_or_else(|| {
        BillingError::Unavailable(format!("Idempotency-Key {key:?} is in use by a request in flight; retry"))
    })
}

/// The document an earlier request with this `Idempotency-Key` issued (`replayed`); refused when it was another
/// request (another fingerprint); `None` when the key is unused or its request issued nothing yet.
pub(super) async fn replay(
    store: &Store,
    tenant: &TenantId,
    key: &str,
    fingerprint: &str,
    now: OffsetDateTime,
) -> Result<Option<IssuedDocument>, BillingError> {
    let Some(used) = store.idempotent_document(tenant, key, now).await? else {
        return Ok(None);
    };
    if used.fingerprint != fingerprint {
        return Err(BillingError::IdempotencyKeyReused(key.to_owned()));
    }
    let Some(number) = used.number else { return Ok(None) };
    let stored = store
        .get_invoice(tenant, &number)
        .await?
        .ok_or_else(|| BillingError::Unavailable(format!("{number} is not readable yet")))?;
    Ok(Some(IssuedDocument { stored, replayed: true }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard<'a>(if_match: Option<Result<&'a str, ()>>, idempotency_key: Option<&'a str>) -> NoteGuard<'a> {
        NoteGuard { if_match, idempotency_key, fingerprint: "f" }
    }

    #[test]
    fn only_an_if_match_naming_versions_guards_a_note() {
        assert!(guard(Some(Ok("\"3\"")), None).names_versions());
        assert!(guard(Some(Ok(" \"3\", \"4\" ")), None).names_versions());
        for unguarded in [None, Some(Ok("")), Some(Ok("  ")), Some(Ok("*")), Some(Ok(" * ")), Some(Err(()))] {
            assert!(!guard(unguarded, None).names_versions(), "{unguarded:?}");
        }
    }

    #[test]
    fn the_fingerprint_ignores_formatting_and_tells_paths_apart() {
        let path = "/v1/invoices/INV-1/credit-notes";
        assert_eq!(request_fingerprint(path, r#"{"reason":"x"}"#), request_fingerprint(path, "{ \"reason\" : \"x\" }"));
        assert_ne!(
            request_fingerprint(path, r#"{"reason":"x"}"#),
            request_fingerprint("/v1/invoices/INV-1/debit-notes", r#"{"reason":"x"}"#)
        );
    }
}
