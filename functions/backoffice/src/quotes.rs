//! The seller's side of quotes: write a draft (`POST /v1/quotes`), read every version (`GET /v1/quotes/{id}`)
//! and send the latest draft to the buyer with a magic link to the portal (`POST /v1/quotes/{id}/sending`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::{Duration, OffsetDateTime, Time};

use orders_aws::store::{ApiKeyRecord, BuyerLinkRecord};
use orders_aws::MailerError;
use orders_domain::ids::QuoteId;
use orders_domain::quote::{parse_quote, QuoteStatus};
use orders_http::views::quote_versions_json;
use orders_http::{json_body, json_response, parse_json, ApiError};
use orders_mail::quote::render_quote;
use orders_mail::{mime, Envelope};

use crate::context::tenant_settings;
use crate::Backoffice;

/// How long after a quote's validity date its link still opens the portal (to find the order and documents).
const LINK_DAYS_AFTER_VALIDITY: i64 = 90;

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

/// The body of a sending or a revocation: nothing (or `{}`) so far.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendingBody {}

/// `POST /v1/quotes/{id}/sending`: emails the buyer the latest version (a draft) with a magic link to it in the
/// portal, in the buyer's language, then marks it sent. The email goes before the mark: a send that fails changes
/// nothing and can be repeated; two sellers clicking at once may both email, but only one marks it sent.
pub(crate) async fn send_quote(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    if !request.body().is_empty() {
        let _: SendingBody = parse_json(json_body(request)?)?;
    }
    let quote_id = quote_id_of(id)?;
    let mut versions = app.store.quote_versions(&caller.tenant, &quote_id).await?;
    let latest = versions.last().ok_or_else(|| ApiError::NotFound(format!("quote {id}")))?;
    let now = OffsetDateTime::now_utc();
    let sent = latest.send(now)?;
    let tenant = tenant_settings(app, caller).await?;

    let link_ends = (sent.valid_until_date + Duration::days(LINK_DAYS_AFTER_VALIDITY + 1)).with_time(Time::MIDNIGHT);
    let link = BuyerLinkRecord {
        link_id: BuyerLinkRecord::new_id(),
        tenant: caller.tenant.clone(),
        customer_id: sent.buyer.customer_id.clone(),
        purpose: "quote".into(),
        reference: Some(sent.id.to_string()),
        created_by: format!("{}:{}", caller.role.as_str(), caller.key_id),
        created_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        expires_at: link_ends.assume_utc().unix_timestamp(),
        revoked_at: None,
    };
    app.store.create_buyer_link(&link).await?;
    let token = app.seal_link_record(&link, now.unix_timestamp()).await?;
    let url = format!("{}/quotes/{}#link={token}", app.portal_url(request)?, sent.id);
    let email = render_quote(&sent, &tenant.name, &tenant.language, &url)
        .map_err(|e| ApiError::Unavailable(format!("the quote email could not be written: {e}")))?;
    let to = (sent.buyer.name.as_str(), sent.buyer.email.as_str());
    match email_buyer(app, &tenant.name, to, &format!("{}.v{}.quote", sent.id, sent.version), &email).await? {
        Ok(ses_id) => tracing::info!(quote_id = %sent.id, version = sent.version, %ses_id, "quote emailed"),
        Err(MailerError::Retryable(detail)) => {
            return Err(ApiError::Unavailable(format!("the quote email could not be sent now ({detail}); send again")))
        }
        Err(MailerError::Rejected(detail)) => {
            return Err(ApiError::Conflict(format!("the buyer's address {} was refused: {detail}", sent.buyer.email)))
        }
    }
    if !app.store.update_quote_version(&sent, QuoteStatus::Draft).await? {
        return Err(ApiError::Conflict(format!("quote {id} was sent by someone else meanwhile")));
    }
    if let Some(last) = versions.last_mut() {
        *last = sent;
    }
    let mut body = quote_versions_json(&versions, now.date());
    body["link"] = json!({ "link_id": link.link_id, "expires_at": link.expires_at });
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// Emails one buyer (`to`: name and address) as the seller `seller`, with Message-ID `{local}@{sender's domain}`:
/// SES's message id, or why SES did not take it (an email that cannot be built is a 503).
pub(crate) async fn email_buyer(
    app: &Backoffice,
    seller: &str,
    to: (&str, &str),
    local: &str,
    email: &orders_mail::RenderedEmail,
) -> Result<Result<String, MailerError>, ApiError> {
    let mailer = app.outbox.mailer();
    let domain = mailer.sender().rsplit('@').next().unwrap_or("orders.example");
    let message_id = format!("{local}@{domain}");
    let envelope = Envelope {
        from_name: seller,
        from_address: mailer.sender(),
        to_name: to.0,
        to_address: to.1,
        message_id: &message_id,
    };
    let raw = mime(&envelope, email).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(mailer.send_raw(to.1, raw).await)
}
