//! The billing API's routes, as a table (`orders_http::routes`): billing documents are the seller's, operator keys
//! only, but for the buyer's own downloads through the portal session.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use orders_aws::store::ApiKeyRecord;
use orders_domain::invoice::DocumentKind;
use orders_http::routes::{dispatch, Handler, Route, NO_KEY, OPERATOR, STAFF};
use orders_http::{etag, json_response, ApiError};

use crate::documents::{buyer_delivery_note, buyer_download, delivery_note, document, download, list};
use crate::issuing::{issue_collective_invoice, issue_invoice, issue_note, proforma};
use crate::Billing;
use orders_http::views::document_json;

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Billing, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(orders_http::answer(&request, dispatch(app, &app.gate, ROUTES, &request).await))
}

/// Every route of the billing API, first match wins. Billing documents are the seller's: operator keys only, but
/// for the buyer's own downloads through the portal session; delivery notes are the warehouse's too.
pub(crate) const ROUTES: &[Route<Billing>] = &[
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
        method: Method::POST,
        path: "/v1/customers/{id}/invoices",
        roles: OPERATOR,
        action: "issue invoices",
        handler: Handler::Key(|app, call| {
            Box::pin(issue_collective_invoice(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/proforma.pdf",
        roles: OPERATOR,
        action: "print proformas",
        handler: Handler::Key(|app, call| Box::pin(proforma(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/despatches/{number}/delivery-note.pdf",
        roles: STAFF,
        action: "read order documents",
        handler: Handler::Key(|app, call| Box::pin(delivery_note(app, &call.caller, call.param(0), call.param(1)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/orders/{id}/despatches/{number}/delivery-note.pdf",
        roles: NO_KEY,
        action: "download documents",
        handler: Handler::Open(|app, request, params| Box::pin(buyer_delivery_note(app, request, params))),
    },
];

/// `GET /v1/{list}/{number}`: one document with its ETag.
pub(crate) async fn show(
    app: &Billing,
    caller: &ApiKeyRecord,
    list: &str,
    number: &str,
) -> Result<Response<Body>, ApiError> {
    let stored = document(app, &caller.tenant, list, number).await?;
    Ok(json_response(StatusCode::OK, &document_json(&stored), &[("etag", etag(stored.version))]))
}

/// `GET /v1/{list}/{number}/{file}`: a document's PDF or UBL.
pub(crate) async fn file(
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
pub(crate) async fn buyer_file(
    app: &Billing,
    request: &Request,
    list: &str,
    params: &[&str],
) -> Result<Response<Body>, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    let (number, file) = (params.first().copied().unwrap_or_default(), params.get(1).copied().unwrap_or_default());
    buyer_download(app, &buyer, list, number, file).await
}
