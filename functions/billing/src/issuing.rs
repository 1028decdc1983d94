//! Issuing billing documents from the API: an invoice of what shipped, credit and debit notes against an invoice
//! (idempotent by If-Match or Idempotency-Key), and the proforma of an order; numbering, archiving and emailing
//! are `orders_app::documents`, as for the invoicing stage.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use orders_app::documents::Issuance;
use orders_app::retry::{retry_on_conflict, Attempt, ATTEMPTS};
use orders_aws::store::{ApiKeyRecord, IssueOutcome, IssueWrite, NewEmail, OrderRecord, StoredInvoice};
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::ids::OrderId;
use orders_domain::invoice::{
    draft_credit_note, draft_debit_note, draft_invoice, draft_proforma, parse_credit_note, parse_debit_note,
    plan_order_invoice, CreditLedger, DocumentKind, Invoice, InvoiceDraft, InvoiceError, InvoiceStatus,
};
use orders_domain::order::HistoryEntry;
use orders_domain::FieldError;
use orders_http::{check_if_match, etag, json_body, json_response, ApiError};
use orders_mail::EmailKind;

use crate::documents::{document, file_response, view};
use crate::Billing;

/// The caller's tenant settings (what its documents are issued under).
pub(crate) async fn tenant_settings(
    app: &Billing,
    caller: &ApiKeyRecord,
) -> Result<orders_domain::tenant::TenantSettings, ApiError> {
    app.documents
        .store()
        .get_tenant(&caller.tenant)
        .await?
        .ok_or_else(|| ApiError::Unavailable(format!("tenant {} has no settings", caller.tenant)))
}

pub(crate) fn invoice_problem(error: InvoiceError) -> ApiError {
    match error {
        InvoiceError::Quantity(detail) => ApiError::Validation(vec![FieldError::new("/lines", detail)]),
        InvoiceError::NothingToBill(detail) | InvoiceError::Vat(detail) => ApiError::Conflict(detail),
        InvoiceError::NotConfigured(detail) => ApiError::Conflict(detail),
    }
}

/// `POST /v1/invoices/{number}/credit-notes` and `…/debit-notes`: issues the note under the next number of its
/// series, in one transaction with the order's invoiced quantities (credit notes), the invoice's credit state
/// (checked against `If-Match` when sent), the order's history and the buyer's email; then archives and sends
/// it. 201 with the note and its `Location`.
pub(crate) async fn issue_note(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    number: &str,
    kind: DocumentKind,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let (credit, debit) = match kind {
        DocumentKind::CreditNote => (Some(parse_credit_note(body)?), None),
        _ => (None, Some(parse_debit_note(body)?)),
    };
    // A retry (a double click, a client timing out before us) must not issue a second note.
    let idempotency = orders_http::idempotency_key(request.headers())?;
    let if_match = request.headers().get("if-match").and_then(|v| v.to_str().ok()).map(str::trim);
    if idempotency.is_none() && if_match.is_none_or(|tag| tag.is_empty() || tag == "*") {
        return Err(ApiError::PreconditionRequired(format!(
            "send If-Match with the invoice's ETag or an Idempotency-Key, so that a retry cannot issue a second {}",
            if kind == DocumentKind::CreditNote { "credit note" } else { "debit note" }
        )));
    }
    let fingerprint = orders_domain::fingerprint::json_fingerprint(&json!({
        "path": request.uri().path(),
        "body": serde_json::from_str::<Value>(body).unwrap_or(Value::Null),
    }));
    let store = app.documents.store();
    if let Some(key) = &idempotency {
        if let Some(replayed) = replay(app, caller, key, &fingerprint).await? {
            return Ok(replayed);
        }
    }
    let tenant = &tenant_settings(app, caller).await?;
    let (credit, debit, idempotency, fingerprint) = (&credit, &debit, &idempotency, &fingerprint);
    let attempt = |_| async move {
        let corrected = document(app, &caller.tenant, "invoices", number).await?;
        if corrected.invoice.kind != DocumentKind::Invoice {
            return Err(ApiError::Conflict(format!("{number} is a debit note; correct the invoice it belongs to")));
        }
        check_if_match(request, corrected.version, "the invoice")?;
        let record = store
            .get_order_record(&caller.tenant, &corrected.invoice.order_id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("order {}", corrected.invoice.order_id)))?;
        let now = time::OffsetDateTime::now_utc();
        let draft: InvoiceDraft = match (&credit, &debit) {
            (Some(credit), _) => draft_credit_note(
                &corrected.invoice,
                &record.order,
                &corrected.credited,
                &credit.scope,
                &credit.reason,
                tenant,
                now,
            ),
            (_, Some(debit)) => {
                draft_debit_note(&corrected.invoice, &record.order, &debit.lines, &debit.reason, tenant, now)
            }
            _ => return Err(ApiError::NotFound("note".into())),
        }
        .map_err(invoice_problem)?;
        // The invoice moves to its next version with every note (a debit note leaves its ledger as it is), so a
        // retry with the If-Match it was sent with is 412, never a second note.
        let ledger = match kind {
            DocumentKind::CreditNote => corrected.credited.with(&draft.invoice),
            _ => corrected.credited.clone(),
        };
        let status = ledger.status_of(&corrected.invoice);
        let credits = Some((&corrected, ledger, status));
        let history = HistoryEntry {
            at: now,
            actor: format!("operator:{}", caller.key_id),
            action: if kind == DocumentKind::CreditNote {
                draft.order.status.as_str().to_owned()
            } else {
                "debit_note".into()
            },
            detail: format!(
                "{} for {number}: {} {} ({})",
                if kind == DocumentKind::CreditNote { "Credit note" } else { "Debit note" },
                draft.invoice.totals.payable,
                draft.invoice.currency,
                draft.invoice.reason.as_deref().unwrap_or_default()
            ),
        };
        let claim = idempotency.as_deref().map(|key| (key, fingerprint.as_str()));
        match issue_and_complete(app, caller, tenant, &record, &draft, credits, history, claim).await? {
            Issued::Done(issued) => Ok(Attempt::Done(issued)),
            Issued::Changed => Ok(Attempt::Conflict),
            Issued::KeyUsed => {
                let key = idempotency.as_deref().unwrap_or_default();
                replay(app, caller, key, fingerprint).await?.map(Attempt::Done).ok_or_else(|| {
                    ApiError::Unavailable(format!("Idempotency-Key {key:?} is in use by a request in flight; retry"))
                })
            }
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("invoice {number} kept changing; try again")))
        .await
}

/// The answer an earlier request with this `Idempotency-Key` got (its document, `Idempotent-Replayed`), 422 when
/// it was another request; `None` when the key is unused.
pub(crate) async fn replay(
    app: &Billing,
    caller: &ApiKeyRecord,
    key: &str,
    fingerprint: &str,
) -> Result<Option<Response<Body>>, ApiError> {
    let store = app.documents.store();
    let Some(used) = store.idempotent_document(&caller.tenant, key, time::OffsetDateTime::now_utc()).await? else {
        return Ok(None);
    };
    if used.fingerprint != fingerprint {
        return Err(ApiError::IdempotencyKeyReused(key.to_owned()));
    }
    let Some(number) = used.number else { return Ok(None) };
    let stored = store
        .get_invoice(&caller.tenant, &number)
        .await?
        .ok_or_else(|| ApiError::Unavailable(format!("{number} is not readable yet")))?;
    let location = format!("/v1/{}/{}", stored.invoice.kind.collection(), stored.invoice.number);
    Ok(Some(json_response(
        StatusCode::CREATED,
        &view(&stored),
        &[("location", location), ("etag", etag(stored.version)), ("idempotent-replayed", "true".into())],
    )))
}

/// `POST /v1/orders/{id}/invoices`: invoices now what has shipped and is not invoiced yet — for a tenant that
/// invoices on delivery, or what a despatch's invoice left — exactly as the invoicing stage would (same plan,
/// number series, archive and email). 409 when nothing is left to invoice; `If-Match` → 412 when stale.
pub(crate) async fn issue_invoice(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let not_found = || ApiError::NotFound(format!("order {id}"));
    let order_id = OrderId::parse_public(id).map_err(|_| not_found())?;
    let store = app.documents.store();
    let tenant = &tenant_settings(app, caller).await?;
    let order_id = &order_id;
    let attempt = |_| async move {
        let record = store.get_order_record(&caller.tenant, order_id).await?.ok_or_else(not_found)?;
        check_if_match(request, record.version, "the order")?;
        let despatches = store.despatches(&caller.tenant, order_id).await?;
        let delivered = despatches.iter().map(|d| d.despatch_date).max();
        let plan = plan_order_invoice(&record.order, delivered).map_err(invoice_problem)?;
        let now = time::OffsetDateTime::now_utc();
        let draft = draft_invoice(&record.order, &plan, tenant, "order", now).map_err(invoice_problem)?;
        let history = HistoryEntry {
            at: now,
            actor: format!("operator:{}", caller.key_id),
            action: draft.order.status.as_str().to_owned(),
            detail: format!(
                "Invoice for the shipped quantities: {} {} payable",
                draft.invoice.totals.payable, draft.invoice.currency
            ),
        };
        match issue_and_complete(app, caller, tenant, &record, &draft, None, history, None).await? {
            Issued::Done(issued) => Ok(Attempt::Done(issued)),
            Issued::Changed | Issued::KeyUsed => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("order {id} kept changing; try again"))).await
}

/// What an attempt to issue a document did.
pub(crate) enum Issued {
    /// Issued: 201 with the document.
    Done(Response<Body>),
    /// The order or the invoice changed since they were read: read again and retry.
    Changed,
    /// The request's Idempotency-Key was used meanwhile.
    KeyUsed,
}

/// Issues `draft` in one transaction with the order (at the version read), the corrected invoice's next version
/// and credit state, the order's history, the buyer's email and the request's Idempotency-Key, then archives and
/// sends it (`orders_app::documents`, as the invoicing stage does): 201 with the document and its `Location`. A
/// document whose archiving or email fails stays issued; its completion request stays pending and the relay hands
/// it to the invoicing stage.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_and_complete(
    app: &Billing,
    caller: &ApiKeyRecord,
    tenant: &orders_domain::tenant::TenantSettings,
    record: &OrderRecord,
    draft: &InvoiceDraft,
    credits: Option<(&StoredInvoice, CreditLedger, InvoiceStatus)>,
    history: HistoryEntry,
    idempotency: Option<(&str, &str)>,
) -> Result<Issued, ApiError> {
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
    };
    match app.documents.issue(&write, tenant).await? {
        Issuance::Issued { stored, completed } => {
            if let Err(error) = completed {
                tracing::warn!(number = %stored.invoice.number, %error, "document issued; archive or email left to invoicing");
            }
            let location = format!("/v1/{}/{}", stored.invoice.kind.collection(), stored.invoice.number);
            Ok(Issued::Done(json_response(
                StatusCode::CREATED,
                &view(&stored),
                &[("location", location), ("etag", etag(stored.version))],
            )))
        }
        Issuance::NotIssued(IssueOutcome::IdempotencyKeyUsed) => Ok(Issued::KeyUsed),
        Issuance::NotIssued(IssueOutcome::OrderChanged | IssueOutcome::AlreadyIssued(_) | IssueOutcome::Issued(_)) => {
            Ok(Issued::Changed)
        }
    }
}

/// `GET /v1/orders/{id}/proforma.pdf`: what is left to invoice of an order, as a proforma PDF (not a tax
/// invoice, not numbered, not a Peppol document).
pub(crate) async fn proforma(app: &Billing, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
    let order_id = OrderId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("order {id}")))?;
    let store = app.documents.store();
    let record = store
        .get_order_record(&caller.tenant, &order_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("order {id}")))?;
    let tenant = tenant_settings(app, caller).await?;
    let proforma: Invoice =
        draft_proforma(&record.order, &tenant, time::OffsetDateTime::now_utc()).map_err(invoice_problem)?;
    app.documents.prepare_fonts(&proforma).await;
    let pdf = orders_pdf::proforma_pdf(&proforma).map_err(|e| ApiError::Unavailable(format!("render the PDF: {e}")))?;
    Ok(file_response(
        pdf,
        "application/pdf",
        &format!("proforma-{}.pdf", record.order.order_number.replace(['"', '\\'], "_")),
    ))
}
