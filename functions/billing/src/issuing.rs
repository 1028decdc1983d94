//! Issuing billing documents from the API: an invoice of what shipped, one invoice of several despatches of a
//! customer, credit and debit notes against an invoice
//! (idempotent by If-Match or Idempotency-Key), and the proforma of an order. Each handler parses the request,
//! calls its use case in `orders_app::billing` (numbering, archiving and emailing are `orders_app::documents`, as
//! for the invoicing stage) and renders the answer.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use orders_app::billing::{self, IssuedDocument, NoteGuard, NoteRequest};
use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::{CustomerId, OrderId};
use orders_domain::invoice::{parse_collective_invoice, parse_credit_note, parse_debit_note, DocumentKind};
use orders_http::{etag, json_body, json_response, ApiError};

use crate::documents::file_response;
use crate::problem::problem;
use crate::Billing;
use orders_http::views::document_json;

/// `POST /v1/invoices/{number}/credit-notes` and `…/debit-notes`: issues the note of the request's body against
/// the invoice (`orders_app::billing::issue_note`), guarded by the request's `If-Match` and `Idempotency-Key`.
/// 201 with the note and its `Location` (`Idempotent-Replayed` when an earlier request with the key issued it).
pub(crate) async fn issue_note(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    number: &str,
    kind: DocumentKind,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let note = match kind {
        DocumentKind::CreditNote => NoteRequest::Credit(parse_credit_note(body)?),
        _ => NoteRequest::Debit(parse_debit_note(body)?),
    };
    let idempotency = orders_http::idempotency_key(request.headers())?;
    let fingerprint = billing::request_fingerprint(request.uri().path(), body);
    let guard = NoteGuard {
        if_match: request.headers().get("if-match").map(|value| value.to_str().map_err(|_| ())),
        idempotency_key: idempotency.as_deref(),
        fingerprint: &fingerprint,
    };
    let issued = billing::issue_note(&app.documents, caller, number, &note, &guard).await.map_err(problem)?;
    Ok(created(&issued))
}

/// `POST /v1/orders/{id}/invoices`: invoices now what has shipped and is not invoiced yet
/// (`orders_app::billing::issue_invoice`). 409 when nothing is left to invoice; `If-Match` → 412 when stale.
pub(crate) async fn issue_invoice(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = OrderId::parse_public(id).map_err(|_| ApiError::NotFound(format!("order {id}")))?;
    let if_match = orders_http::if_match(request);
    let issued = billing::issue_invoice(&app.documents, caller, &order_id, &if_match).await.map_err(problem)?;
    Ok(created(&issued))
}

/// `POST /v1/customers/{id}/invoices`: one invoice of several despatches of the customer's orders
/// (`orders_app::billing::issue_collective_invoice`), guarded by the request's required `Idempotency-Key`.
/// 201 with the invoice and its `Location` (`Idempotent-Replayed` when an earlier request with the key issued it).
pub(crate) async fn issue_collective_invoice(
    app: &Billing,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let customer = CustomerId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("customer {id}")))?;
    let body = json_body(request)?;
    let collected = parse_collective_invoice(body)?;
    let idempotency = orders_http::idempotency_key(request.headers())?;
    let fingerprint = billing::request_fingerprint(request.uri().path(), body);
    let issued = billing::issue_collective_invoice(
        &app.documents,
        caller,
        &customer,
        &collected,
        idempotency.as_deref(),
        &fingerprint,
    )
    .await
    .map_err(problem)?;
    Ok(created(&issued))
}

/// `GET /v1/orders/{id}/proforma.pdf`: what is left to invoice of an order, as a proforma PDF
/// (`orders_app::billing::proforma`).
pub(crate) async fn proforma(app: &Billing, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
    let order_id = OrderId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("order {id}")))?;
    let pdf = billing::proforma(&app.documents, &caller.tenant, &order_id).await.map_err(problem)?;
    Ok(file_response(pdf))
}

/// 201 with an issued document, its `Location` and `ETag`, and `Idempotent-Replayed: true` for a replay.
fn created(issued: &IssuedDocument) -> Response<Body> {
    let stored = &issued.stored;
    let location = format!("/v1/{}/{}", stored.invoice.kind.collection(), stored.invoice.number);
    let mut headers = vec![("location", location), ("etag", etag(stored.version))];
    if issued.replayed {
        headers.push(("idempotent-replayed", "true".into()));
    }
    json_response(StatusCode::CREATED, &document_json(stored), &headers)
}
