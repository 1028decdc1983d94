//! Reading billing documents: the lists with their filters, one document and its API view, its PDF and UBL files
//! (for the seller, and for the buyer through the portal).

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_app::billing::{self, DocumentFile};
use orders_aws::store::{ApiKeyRecord, InvoiceFilter, StoredInvoice};
use orders_domain::ids::OrderId;
use orders_domain::invoice::{DocumentKind, InvoiceStatus};
use orders_http::{json_response, query_param, ApiError};

use crate::problem::problem;
use crate::Billing;

/// A document of the caller's tenant under `list` (invoices and debit notes, or credit notes); 404 otherwise.
pub(crate) async fn document(
    app: &Billing,
    tenant: &orders_domain::ids::TenantId,
    list: &str,
    number: &str,
) -> Result<StoredInvoice, ApiError> {
    billing::document(app.documents.store(), tenant, list, number).await.map_err(problem)
}

/// `GET /v1/portal/{list}/{number}/{file}`: a document of the signed-in buyer, through their portal session; the
/// download is logged in its order's access log, as every buyer access is.
pub(crate) async fn buyer_download(
    app: &Billing,
    buyer: &orders_http::portal::Buyer,
    list: &str,
    number: &str,
    file: &str,
) -> Result<Response<Body>, ApiError> {
    let (stored, order_id) = buyer_document(app, buyer, list, number).await?;
    let answer = download(app, &stored, file).await?;
    let what = format!("{} {file} downloaded", stored.invoice.number);
    buyer.log_access(app.documents.store(), &order_id, true, &what).await?;
    Ok(answer)
}

/// A document of `buyer` under `list`: of their customer, billing an order their session reaches (a collective
/// invoice bills several: any of them), with that order; 404 otherwise. A buyer reaches the documents of their
/// own orders; an order or quote link those of its order only.
async fn buyer_document(
    app: &Billing,
    buyer: &orders_http::portal::Buyer,
    list: &str,
    number: &str,
) -> Result<(StoredInvoice, OrderId), ApiError> {
    let store = app.documents.store();
    let stored = document(app, &buyer.tenant, list, number).await?;
    if buyer.customer == stored.invoice.buyer.customer_id {
        for order_id in stored.invoice.order_ids() {
            if buyer.reaches_order(store, order_id).await? {
                let order_id = order_id.clone();
                return Ok((stored, order_id));
            }
        }
    }
    Err(problem(billing::document_not_found(list, number)))
}

/// The row of a billing document in a list: its number, kind, status, dates, order, buyer and amount payable.
pub(crate) fn row(stored: &StoredInvoice) -> Value {
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

/// The query parameters the lists take; any other is a 400.
pub(crate) const LIST_PARAMETERS: [&str; 7] =
    ["status", "kind", "customer_id", "issued_from", "issued_to", "limit", "cursor"];

/// The date of the query parameter `name` (`2026-11-30`), if sent; 400 when it is no date.
pub(crate) fn date_param(request: &Request, name: &'static str) -> Result<Option<String>, ApiError> {
    let Some(raw) = query_param(request, name) else { return Ok(None) };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&raw, &format)
        .map(|date| Some(date.to_string()))
        .map_err(|_| ApiError::InvalidParameter { name, detail: format!("{raw:?} is not a date such as 2026-11-30") })
}

/// `GET /v1/invoices` and `GET /v1/credit-notes`: newest first, filtered by status, kind, customer and issue
/// date, paged with a signed cursor bound to the tenant and the filter.
pub(crate) async fn list(
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
/// does not have it yet (`orders_app::billing::document_file`).
pub(crate) async fn download(app: &Billing, stored: &StoredInvoice, file: &str) -> Result<Response<Body>, ApiError> {
    Ok(file_response(billing::document_file(&app.documents, stored, file).await.map_err(problem)?))
}

/// 200 with `file`, shown inline under its name.
pub(crate) fn file_response(file: DocumentFile) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, file.content_type)
        .header(header::CONTENT_DISPOSITION, orders_http::web::content_disposition("inline", &file.filename))
        .body(Body::Binary(file.bytes))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// `GET /v1/orders/{id}/despatches/{number}/delivery-note.pdf`: a despatch's delivery note, for the seller's staff.
pub(crate) async fn delivery_note(
    app: &Billing,
    caller: &ApiKeyRecord,
    id: &str,
    number: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = order_id_of(id)?;
    let note =
        billing::delivery_note(&app.documents, &caller.tenant, None, &order_id, number).await.map_err(problem)?;
    Ok(file_response(note))
}

/// `GET /v1/portal/orders/{id}/despatches/{number}/delivery-note.pdf`: a delivery note of the signed-in buyer's
/// order (one its portal session reaches), logged in the order's access log.
pub(crate) async fn buyer_delivery_note(
    app: &Billing,
    request: &Request,
    params: &[&str],
) -> Result<Response<Body>, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    let (id, number) = (params.first().copied().unwrap_or_default(), params.get(1).copied().unwrap_or_default());
    let order_id = order_id_of(id)?;
    let not_found = || ApiError::NotFound(format!("despatch {number} of order {id}"));
    if !buyer.reaches_order(app.documents.store(), &order_id).await? {
        return Err(not_found());
    }
    let note = billing::delivery_note(&app.documents, &buyer.tenant, Some(&buyer.customer), &order_id, number)
        .await
        .map_err(problem)?;
    let what = format!("Delivery note {number} downloaded");
    buyer.log_access(app.documents.store(), &order_id, true, &what).await?;
    Ok(file_response(note))
}

/// An order id from the path; 404 for one that cannot be.
fn order_id_of(id: &str) -> Result<orders_domain::ids::OrderId, ApiError> {
    orders_domain::ids::OrderId::parse_public(id).map_err(|_| ApiError::NotFound(format!("order {id}")))
}
