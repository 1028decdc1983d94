//! The seller's side of quotes: write a draft (`POST /v1/quotes`), read every version (`GET /v1/quotes/{id}`)
//! and send the latest draft to the buyer with a magic link to the portal (`POST /v1/quotes/{id}/sending`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::OffsetDateTime;

use orders_app::staff::buyer_links;
use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::QuoteId;
use orders_domain::quote::parse_quote;
use orders_http::views::quote_versions_json;
use orders_http::{json_body, json_response, ApiError};

use crate::Backoffice;

fn quote_id_of(id: &str) -> Result<QuoteId, ApiError> {
    QuoteId::parse_public(id).map_err(|_| ApiError::NotFound(format!("quote {id}")))
}

/// `POST /v1/quotes`: prices the request like an order of its buyer (agreed prices apply, the request's prices
/// win) and stores it as version 1, a draft (`orders_app::staff::quotes`).
pub(crate) async fn create_quote(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let draft = parse_quote(json_body(request)?, now.date())?;
    let quote = orders_app::staff::quotes::create_quote(&app.store, caller, &draft, now).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &quote_versions_json(std::slice::from_ref(&quote), now.date()),
        &[("location", format!("/v1/quotes/{}", quote.id))],
    ))
}

/// `POST /v1/quotes/{id}/versions`: reopens a sent, declined or expired quote — or one whose order was rejected —
/// as the next version, a draft written from the body (a full quote, for the same buyer). The earlier versions stay
/// as they are; the buyer can no longer accept them.
pub(crate) async fn reopen_quote(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let draft = parse_quote(json_body(request)?, now.date())?;
    let quote_id = quote_id_of(id)?;
    let versions = orders_app::staff::quotes::reopen_quote(&app.store, caller, &quote_id, &draft, now).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &quote_versions_json(&versions, now.date()),
        &[("location", format!("/v1/quotes/{quote_id}"))],
    ))
}

/// `GET /v1/quotes/{id}`.
pub(crate) async fn get_quote(app: &Backoffice, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
    let quote_id = quote_id_of(id)?;
    let versions = app.store.quote_versions(&caller.tenant, &quote_id).await?;
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!("quote {id}")));
    }
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, OffsetDateTime::now_utc().date()), &[]))
}

/// `GET /v1/quotes` (`?limit=`, `?cursor=`): the tenant's quote versions, the newest made first (a reopened
/// quote's versions each have their row).
pub(crate) async fn list_quotes(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let limit = orders_http::limit_param(request)?;
    let listing = "quotes";
    let start = match orders_http::query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), listing, &cursor).await?),
    };
    let (quotes, next) = app.store.list_quotes(&caller.tenant, limit, start).await?;
    let today = OffsetDateTime::now_utc().date();
    let items: Vec<serde_json::Value> = quotes
        .iter()
        .map(|quote| {
            json!({
                "id": quote.id,
                "version": quote.version,
                "status": quote.status_on(today).as_str(),
                "buyer": { "customer_id": quote.buyer.customer_id, "name": quote.buyer.name },
                "currency": quote.currency,
                "gross": quote.totals.gross.to_string(),
                "valid_until_date": quote.valid_until_date.to_string(),
                "created_at": quote.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "order_id": quote.order_id,
            })
        })
        .collect();
    let next_cursor = app.cursors.next(caller.tenant.as_str(), listing, next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// `POST /v1/quotes/{id}/sending`: emails the buyer the latest version (a draft) with a magic link to it in the
/// portal, then marks it sent (`orders_app::staff::buyer_links::send_quote`).
pub(crate) async fn send_quote(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    orders_http::no_body(request)?;
    let quote_id = quote_id_of(id)?;
    let now = OffsetDateTime::now_utc();
    let portal_url = app.portal_url(request)?;
    let sent = buyer_links::send_quote(app.link_mail(&portal_url), caller, &quote_id, now).await?;
    let mut body = quote_versions_json(&sent.versions, now.date());
    body["link"] = json!({ "link_id": sent.link.link_id, "expires_at": sent.link.expires_at });
    Ok(json_response(StatusCode::OK, &body, &[]))
}
