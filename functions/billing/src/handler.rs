//! Billing API requests → store reads, document issues and files.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_app::documents::Issuance;
use orders_app::retry::{retry_on_conflict, Attempt, ATTEMPTS};
use orders_aws::store::{ApiKeyRecord, InvoiceFilter, IssueOutcome, IssueWrite, NewEmail, OrderRecord, StoredInvoice};
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::ids::OrderId;
use orders_domain::invoice::{
    draft_credit_note, draft_debit_note, draft_invoice, draft_proforma, parse_credit_note, parse_debit_note,
    plan_order_invoice, CreditLedger, DocumentKind, Invoice, InvoiceDraft, InvoiceError, InvoiceStatus,
};
use orders_domain::invoice_ubl::peppol_invoice;
use orders_domain::order::HistoryEntry;
use orders_domain::FieldError;
use orders_http::routes::{dispatch, Handler, Route, NO_KEY, OPERATOR};
use orders_http::{check_if_match, etag, json_body, json_response, query_param, ApiError};
use orders_mail::EmailKind;

use crate::Billing;

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Billing, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(orders_http::answer(&request, dispatch(app, &app.gate, ROUTES, &request).await))
}

/// Every route of the billing API, first match wins. Billing documents are the seller's: operator keys only, but
/// for the buyer's own downloads through the portal session.
const ROUTES: &[Route<Billing>] = &[
    Route {
        method: Method::GET,
        path: "/v1/invoices",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| Box::pin(list(app, &call.caller, call.request, false))),
    },
    Route {
        method: Method::GET,
        path: "/v1/invoices/{number}",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| Box::pin(show(app, &call.caller, "invoices", call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/credit-notes",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| Box::pin(list(app, &call.caller, call.request, true))),
    },
    Route {
        method: Method::GET,
        path: "/v1/credit-notes/{number}",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| Box::pin(show(app, &call.caller, "credit-notes", call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/invoices/{number}/credit-notes",
        roles: OPERATOR,
        action: "issue credit notes",
        handler: Handler::Key(|app, call| {
            Box::pin(issue_note(app, &call.caller, call.request, call.param(0), DocumentKind::CreditNote))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/invoices/{number}/debit-notes",
        roles: OPERATOR,
        action: "issue debit notes",
        handler: Handler::Key(|app, call| {
            Box::pin(issue_note(app, &call.caller, call.request, call.param(0), DocumentKind::DebitNote))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/invoices/{number}/{file}",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| Box::pin(file(app, &call.caller, "invoices", call.param(0), call.param(1)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/credit-notes/{number}/{file}",
        roles: OPERATOR,
        action: "read invoices",
        handler: Handler::Key(|app, call| {
            Box::pin(file(app, &call.caller, "credit-notes", call.param(0), call.param(1)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/invoices/{number}/{file}",
        roles: NO_KEY,
        action: "download documents",
        handler: Handler::Open(|app, request, params| Box::pin(buyer_file(app, request, "invoices", params))),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/credit-notes/{number}/{file}",
        roles: NO_KEY,
        action: "download documents",
        handler: Handler::Open(|app, request, params| Box::pin(buyer_file(app, request, "credit-notes", params))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/invoices",
        roles: OPERATOR,
        action: "issue invoices",
        handler: Handler::Key(|app, call| Box::pin(issue_invoice(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/proforma.pdf",
        roles: OPERATOR,
        action: "print proformas",
        handler: Handler::Key(|app, call| Box::pin(proforma(app, &call.caller, call.param(0)))),
    },
];

/// `GET /v1/{list}/{number}`: one document with its ETag.
async fn show(app: &Billing, caller: &ApiKeyRecord, list: &str, number: &str) -> Result<Response<Body>, ApiError> {
    let stored = document(app, &caller.tenant, list, number).await?;
    Ok(json_response(StatusCode::OK, &view(&stored), &[("etag", etag(stored.version))]))
}

/// `GET /v1/{list}/{number}/{file}`: a document's PDF or UBL.
async fn file(
    app: &Billing,
    caller: &ApiKeyRecord,
    list: &str,
    number: &str,
    file: &str,
) -> Result<Response<Body>, ApiError> {
    let stored = document(app, &caller.tenant, list, number).await?;
    download(app, &stored, file).await
}

/// `GET /v1/portal/{list}/{number}/{file}` for the buyer its portal session admits.
async fn buyer_file(app: &Billing, request: &Request, list: &str, params: &[&str]) -> Result<Response<Body>, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    let (number, file) = (params.first().copied().unwrap_or_default(), params.get(1).copied().unwrap_or_default());
    buyer_download(app, &buyer, list, number, file).await
}

/// A document of the caller's tenant under `list` (invoices and debit notes, or credit notes); 404 otherwise.
async fn document(
    app: &Billing,
    tenant: &orders_domain::ids::TenantId,
    list: &str,
    number: &str,
) -> Result<StoredInvoice, ApiError> {
    tenant_document(app, tenant, None, list, number).await
}

/// `GET /v1/portal/{list}/{number}/{file}`: a document of the signed-in buyer, through their portal session; the
/// download is logged in its order's access log, as every buyer access is.
async fn buyer_download(
    app: &Billing,
    buyer: &orders_http::portal::Buyer,
    list: &str,
    number: &str,
    file: &str,
) -> Result<Response<Body>, ApiError> {
    let stored = tenant_document(app, &buyer.tenant, Some(buyer), list, number).await?;
    let answer = download(app, &stored, file).await?;
    let what = format!("{} {file} downloaded", stored.invoice.number);
    buyer.log_access(app.documents.store(), &stored.invoice.order_id, true, &what).await?;
    Ok(answer)
}

/// A document of `tenant` under `list`, and of `buyer` (its customer, of an order its link reaches) when one is
/// named; 404 otherwise.
async fn tenant_document(
    app: &Billing,
    tenant: &orders_domain::ids::TenantId,
    buyer: Option<&orders_http::portal::Buyer>,
    list: &str,
    number: &str,
) -> Result<StoredInvoice, ApiError> {
    let not_found = || ApiError::NotFound(format!("{} {number}", list.trim_end_matches('s').replace('-', " ")));
    if number.is_empty() || number.len() > 64 {
        return Err(not_found());
    }
    let stored = app.documents.store().get_invoice(tenant, number).await?.ok_or_else(not_found)?;
    if stored.invoice.kind.collection() != list || buyer.is_some_and(|b| b.customer != stored.invoice.buyer.customer_id)
    {
        return Err(not_found());
    }
    // An order or quote link reaches the documents of its order only.
    if let Some(buyer) = buyer {
        if !buyer.reaches_order(app.documents.store(), &stored.invoice.order_id).await? {
            return Err(not_found());
        }
    }
    Ok(stored)
}

/// The API view of a billing document (docs/api-conventions.md: EN 16931 total names).
fn view(stored: &StoredInvoice) -> Value {
    let invoice = &stored.invoice;
    let mut body = serde_json::to_value(invoice).unwrap_or_else(|_| json!({}));
    if let Some(object) = body.as_object_mut() {
        for internal in ["tenant", "series", "seq", "source", "language", "issued_at"] {
            object.remove(internal);
        }
        if let Some(totals) = object.get_mut("totals").and_then(Value::as_object_mut) {
            totals.remove("rounding");
        }
    }
    body["status"] = json!(stored.status.as_str());
    let stem = invoice.kind.file_stem();
    let base = format!("/v1/{}/{}", invoice.kind.collection(), invoice.number);
    body["documents"] = json!({
        "pdf": format!("{base}/{stem}.pdf"),
        "ubl": stored.ubl_key.as_ref().map(|_| format!("{base}/{stem}.xml")),
    });
    if invoice.kind == DocumentKind::Invoice {
        body["credited"] = json!({
            "lines": stored.credited.lines.iter().map(|(line_id, quantity)| json!({"line_id": line_id, "quantity": quantity.normalize().to_string()})).collect::<Vec<_>>(),
            "allowances_and_charges": stored.credited.adjustments,
        });
    }
    body
}

fn row(stored: &StoredInvoice) -> Value {
    let invoice = &stored.invoice;
    json!({
        "number": invoice.number,
        "kind": invoice.kind.as_str(),
        "status": stored.status.as_str(),
        "issue_date": invoice.issue_date.to_string(),
        "due_date": invoice.due_date.map(|d| d.to_string()),
        "order_id": invoice.order_id,
        "order_number": invoice.order_number,
        "buyer": {"customer_id": invoice.buyer.customer_id, "name": invoice.buyer.name},
        "currency": invoice.currency,
        "payable": invoice.totals.payable.to_string(),
        "corrects": invoice.billing_reference.as_ref().map(|r| r.number.clone()),
    })
}

const LIST_PARAMETERS: [&str; 7] = ["status", "kind", "customer_id", "issued_from", "issued_to", "limit", "cursor"];

fn date_param(request: &Request, name: &'static str) -> Result<Option<String>, ApiError> {
    let Some(raw) = query_param(request, name) else { return Ok(None) };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&raw, &format)
        .map(|date| Some(date.to_string()))
        .map_err(|_| ApiError::InvalidParameter { name, detail: format!("{raw:?} is not a date such as 2026-11-30") })
}

/// `GET /v1/invoices` and `GET /v1/credit-notes`: newest first, filtered by status, kind, customer and issue
/// date, paged with a signed cursor bound to the tenant and the filter.
async fn list(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    credit_notes: bool,
) -> Result<Response<Body>, ApiError> {
    let params = request.query_string_parameters();
    if let Some((unknown, _)) = params.iter().find(|(name, _)| !LIST_PARAMETERS.contains(name)) {
        return Err(ApiError::InvalidParameter {
            name: "query",
            detail: format!("{unknown:?} is not a parameter of this list ({})", LIST_PARAMETERS.join(", ")),
        });
    }
    let mut filter = InvoiceFilter {
        kinds: if credit_notes {
            vec![DocumentKind::CreditNote]
        } else {
            vec![DocumentKind::Invoice, DocumentKind::DebitNote]
        },
        ..InvoiceFilter::default()
    };
    if let Some(kinds) = query_param(request, "kind") {
        let allowed = filter.kinds.clone();
        filter.kinds = kinds
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|name| {
                allowed.iter().copied().find(|k| k.as_str() == name).ok_or_else(|| ApiError::InvalidParameter {
                    name: "kind",
                    detail: format!(
                        "{name:?} is not listed here ({})",
                        allowed.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(statuses) = query_param(request, "status") {
        filter.statuses = statuses
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                InvoiceStatus::parse(name).ok_or_else(|| ApiError::InvalidParameter {
                    name: "status",
                    detail: format!("{name:?} is not a status (issued, partially_credited, credited)"),
                })
            })
            .collect::<Result<_, _>>()?;
    }
    filter.customer_id = query_param(request, "customer_id");
    filter.issued_from = date_param(request, "issued_from")?;
    filter.issued_to = date_param(request, "issued_to")?;
    let limit = match query_param(request, "limit") {
        None => 50,
        Some(raw) => raw.parse::<usize>().ok().filter(|l| (1..=200).contains(l)).ok_or(ApiError::InvalidParameter {
            name: "limit",
            detail: "must be a whole number from 1 to 200".into(),
        })?,
    };
    let listing = format!("{}:{filter:?}", if credit_notes { "credit-notes" } else { "invoices" });
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), &listing, &cursor).await?),
    };
    let page = app.documents.store().list_invoices(&caller.tenant, &filter, limit, start).await?;
    let next_cursor = app.cursors.next(caller.tenant.as_str(), &listing, page.next).await?;
    let items: Vec<Value> = page.items.iter().map(row).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// `GET …/{number}/invoice.pdf|.xml`: the archived file; rendered again (to the same bytes) when the archive
/// does not have it yet.
async fn download(app: &Billing, stored: &StoredInvoice, file: &str) -> Result<Response<Body>, ApiError> {
    let stem = stored.invoice.kind.file_stem();
    let (key, content_type) = if file == format!("{stem}.pdf") {
        (Some(stored.pdf_key.clone()), "application/pdf")
    } else if file == format!("{stem}.xml") {
        (stored.ubl_key.clone(), "application/xml")
    } else {
        return Err(ApiError::NotFound(format!("document {file}")));
    };
    let Some(key) = key else {
        return Err(ApiError::NotFound(format!(
            "UBL of {}: the buyer or the seller has no Peppol address",
            stored.invoice.number
        )));
    };
    let archived = app.documents.archive().get(&key).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let bytes = match archived {
        Some(bytes) => bytes,
        None if content_type == "application/pdf" => {
            app.documents.prepare_fonts(&stored.invoice).await;
            orders_pdf::invoice_pdf(&stored.invoice)
                .map_err(|e| ApiError::Unavailable(format!("render the PDF: {e}")))?
        }
        None => peppol_invoice(&stored.invoice).map(String::into_bytes).unwrap_or_default(),
    };
    Ok(file_response(bytes, content_type, &format!("{}.{}", stored.invoice.number, &file[stem.len() + 1..])))
}

fn file_response(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, orders_http::web::content_disposition("inline", filename))
        .body(Body::Binary(bytes))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// The caller's tenant settings (what its documents are issued under).
async fn tenant_settings(
    app: &Billing,
    caller: &ApiKeyRecord,
) -> Result<orders_domain::tenant::TenantSettings, ApiError> {
    app.documents
        .store()
        .get_tenant(&caller.tenant)
        .await?
        .ok_or_else(|| ApiError::Unavailable(format!("tenant {} has no settings", caller.tenant)))
}

fn invoice_problem(error: InvoiceError) -> ApiError {
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
async fn issue_note(
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
async fn replay(
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
async fn issue_invoice(
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
enum Issued {
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
async fn issue_and_complete(
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
async fn proforma(app: &Billing, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
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
