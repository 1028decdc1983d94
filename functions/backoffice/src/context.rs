//! What several route modules share: the caller's tenant settings, the order's detail as an answer, and the
//! outbox that links buyer emails to the portal the request came through.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::OrderId;
use orders_domain::tenant::TenantSettings;
use orders_http::ApiError;

use crate::orders::order_detail;
use crate::Backoffice;

/// The order id in a path; anything else names no order (404).
pub(crate) fn order_id_of(id: &str) -> Result<OrderId, ApiError> {
    OrderId::parse_public(id).map_err(|_| ApiError::NotFound(format!("order {id}")))
}

/// The caller's tenant settings.
pub(crate) async fn tenant_settings(app: &Backoffice, caller: &ApiKeyRecord) -> Result<TenantSettings, ApiError> {
    app.store.get_tenant(&caller.tenant).await?.ok_or_else(|| ApiError::NotFound("tenant settings".into()))
}

pub(crate) async fn detail_response(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
) -> Result<Response<Body>, ApiError> {
    order_detail(app, caller, order_id.as_str()).await
}

/// A new order's detail as `201 Created` with its `Location`.
pub(crate) async fn created(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
) -> Result<Response<Body>, ApiError> {
    let mut response = order_detail(app, caller, order_id.as_str()).await?;
    *response.status_mut() = StatusCode::CREATED;
    if let Ok(location) = format!("/v1/orders/{order_id}").parse() {
        response.headers_mut().insert("location", location);
    }
    Ok(response)
}

/// The outbox for emails a request causes: buyer emails link to the configured portal.
pub(crate) fn outbox(app: &Backoffice, request: &Request) -> orders_app::outbox::EmailOutbox {
    let links = app
        .portal_url(request)
        .ok()
        .and_then(|portal| orders_app::outbox::PortalLinkSource::new(&portal, app.links.clone()).ok());
    match links {
        Some(links) => app.outbox.with_portal(links),
        None => app.outbox.clone(),
    }
}

pub(crate) fn time_format() -> time::format_description::well_known::Rfc3339 {
    time::format_description::well_known::Rfc3339
}
