//! The buyer's portal session: opening it from a magic link or a buyer key, what it says (language, what the link
//! opens), and the language cookie.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_domain::FieldError;
use orders_http::portal::{set_portal_cookie, LinkScope, PortalSession};
use orders_http::session::is_https;
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::strings::Lang;

use crate::Portal;

/// The cookie the page script sets to the buyer's stored language.
pub(crate) const LANG_COOKIE: &str = "orders_portal_lang";

/// `GET /v1/portal/session`: the buyer's session, language and what their link opens.
pub(crate) async fn session_state(app: &Portal, request: &Request) -> Result<Response<Body>, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    let language = buyer_language(app, &buyer.tenant, &buyer.customer).await?;
    let extra = json!({ "language": language, "scope": scope_json(&buyer.scope) });
    Ok(json_response(StatusCode::OK, &session_json(&buyer.session, Some(extra)), &[]))
}

/// What the buyer's link opens, for the page: `{"kind": "order" | "quote" | "account", "order_id" | "quote_id"}`.
pub(crate) fn scope_json(scope: &LinkScope) -> Value {
    match scope {
        LinkScope::Order(order) => json!({ "kind": scope.kind(), "order_id": order }),
        LinkScope::Quote(quote) => json!({ "kind": scope.kind(), "quote_id": quote }),
        LinkScope::Account => json!({ "kind": scope.kind() }),
    }
}

pub(crate) fn session_json(session: &PortalSession, extra: Option<Value>) -> Value {
    let mut body = json!({
        "signed_in": true,
        "customer_id": session.link.customer,
        "expires_at": session.session_expires_at,
        "csrf_token": session.csrf,
    });
    if let Some(Value::Object(extra)) = extra {
        if let Some(object) = body.as_object_mut() {
            object.extend(extra);
        }
    }
    body
}

/// The portal language of the buyer's stored language (`sv` for `sv-SE`), if the portal speaks it.
pub(crate) async fn buyer_language(
    app: &Portal,
    tenant: &orders_domain::ids::TenantId,
    customer: &orders_domain::ids::CustomerId,
) -> Result<Option<&'static str>, ApiError> {
    let customer = app.store.get_customer(tenant, customer).await?;
    Ok(customer.and_then(|c| c.language).and_then(|l| Lang::parse(l.as_str())).map(Lang::tag))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenLink {
    link: String,
}

/// `POST /v1/portal/session` with `{"link": "…"}`: a valid, live, unrevoked magic link becomes a portal session.
pub(crate) async fn open_link(app: &Portal, request: &Request) -> Result<Response<Body>, ApiError> {
    let OpenLink { link } = parse_json(json_body(request)?)?;
    if link.is_empty() || link.len() > 2048 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/link",
            "give the link's token (1 to 2048 characters)",
        )]));
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let (session, record, scope) = app.buyers.open_session(&link, now).await?;
    let cookie = set_portal_cookie(
        &app.buyers.seal_session(&session).await?,
        session.session_expires_at - now,
        is_https(request.headers()),
    );
    tracing::info!(tenant = %record.tenant, customer = %record.customer_id, link_id = %record.link_id, "portal link opened");
    let language = buyer_language(app, &record.tenant, &record.customer_id).await?;
    let body = session_json(
        &session,
        Some(json!({
            "purpose": record.purpose,
            "reference": record.reference,
            "language": language,
            "scope": scope_json(&scope),
        })),
    );
    Ok(json_response(StatusCode::OK, &body, &[("set-cookie", cookie)]))
}
