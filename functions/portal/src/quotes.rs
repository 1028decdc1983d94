//! A buyer's quotes in the portal: reading one with its versions, accepting it into an order, declining it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use orders_aws::store::CreateOutcome;
use orders_domain::ids::QuoteId;
use orders_domain::quote::{Quote, QuoteStatus};
use orders_domain::FieldError;
use orders_http::portal::Buyer;
use orders_http::views::{order_json, quote_versions_json};
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::Portal;

/// The buyer's versions of quote `id` (drafts are the seller's own), and the number of the latest version,
/// drafts included: 404 for anyone else's quote.
pub(crate) async fn buyer_versions(
    app: &Portal,
    buyer: &Buyer,
    id: &str,
) -> Result<(QuoteId, Vec<Quote>, u32), ApiError> {
    let not_found = || ApiError::NotFound(format!("quote {id}"));
    let quote_id = QuoteId::parse_public(id).map_err(|_| not_found())?;
    if !buyer.reaches_quote(&quote_id) {
        return Err(not_found());
    }
    let all = app.store.quote_versions(&buyer.tenant, &quote_id).await?;
    let latest = all.iter().map(|q| q.version).max().unwrap_or_default();
    let versions: Vec<Quote> =
        all.into_iter().filter(|q| q.buyer.customer_id == buyer.customer && q.status != QuoteStatus::Draft).collect();
    if versions.is_empty() {
        return Err(not_found());
    }
    Ok((quote_id, versions, latest))
}

/// `GET /v1/portal/quotes/{id}`: the latest version the buyer was sent, and the earlier ones.
pub(crate) async fn show_quote(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let (_, versions, _) = buyer_versions(app, buyer, id).await?;
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, OffsetDateTime::now_utc().date()), &[]))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    version: u32,
    #[serde(default)]
    reason: Option<String>,
}

/// The version a decision names, if it is the latest (an earlier version is read-only, also while the seller
/// writes the next one); an accepted version is named again to find its order.
pub(crate) fn decided_version<'a>(
    versions: &'a [Quote],
    latest: u32,
    id: &str,
    version: u32,
) -> Result<&'a Quote, ApiError> {
    let quote = versions.iter().find(|q| q.version == version).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new("/version", format!("quote {id} has no version {version} for you"))])
    })?;
    if version != latest && quote.status != QuoteStatus::Accepted {
        return Err(ApiError::Conflict(format!(
            "version {version} of quote {id} is being replaced by version {latest}; wait for the seller's new version"
        )));
    }
    Ok(quote)
}

/// `POST /v1/portal/quotes/{id}/acceptance` with `{"version": n}`: places the quote's order — its lines, prices,
/// allowances and charges as quoted — through the intake path (stored with its history and the "publish pending"
/// mark, then sent to confirmation), in the transaction that marks the version accepted. Accepting again answers
/// the same order.
pub(crate) async fn accept_quote(
    app: &Portal,
    buyer: &Buyer,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let decision: Decision = parse_json(json_body(request)?)?;
    let (quote_id, versions, latest) = buyer_versions(app, buyer, id).await?;
    let quote = decided_version(&versions, latest, id, decision.version)?;
    if let (QuoteStatus::Accepted, Some(order_id)) = (quote.status, &quote.order_id) {
        return crate::shop::existing_order(app, buyer, order_id).await;
    }
    let now = crate::shop::now_micros();
    let order = quote.to_order(now);
    let accepted = quote.accept(&order.id, now)?;
    let detail = format!(
        "Order placed by accepting quote {quote_id} version {} ({} line(s), {} {} gross) through portal link {}",
        quote.version,
        order.lines.len(),
        order.totals.gross,
        order.currency,
        buyer.link.link_id
    );
    let placement = orders_app::placing::Placement {
        order: &order,
        actor: &format!("buyer:{}", buyer.customer),
        detail: &detail,
        fingerprint: &order.order_number,
        idempotency_key: None,
        inline_customer: None,
        quote: Some(&accepted),
        // An accepted quote is the seller's own offer: not counted against the order limit.
        orders_per_minute: None,
    };
    match orders_app::placing::place_order(&app.store, &app.publisher, placement).await? {
        CreateOutcome::Created => {
            tracing::info!(tenant = %order.tenant, order_id = %order.id, quote_id = %quote_id, version = quote.version, "quote accepted");
            Ok(json_response(
                StatusCode::CREATED,
                &order_json(&order, None),
                &[("location", format!("/v1/portal/orders/{}", order.id))],
            ))
        }
        CreateOutcome::Duplicate { order_id, .. } => crate::shop::existing_order(app, buyer, &order_id).await,
        // Not counted (above), so never refused for it.
        CreateOutcome::RateLimited { .. } => Err(ApiError::Unavailable("unexpected store outcome".into())),
        CreateOutcome::QuoteNotOpen => {
            let now_versions = app.store.quote_versions(&buyer.tenant, &quote_id).await?;
            match now_versions.iter().find(|q| q.version == decision.version) {
                Some(Quote { status: QuoteStatus::Accepted, order_id: Some(order_id), .. }) => {
                    crate::shop::existing_order(app, buyer, order_id).await
                }
                Some(current) => Err(ApiError::Conflict(format!(
                    "quote {quote_id} version {} is {} now",
                    current.version,
                    current.status.as_str()
                ))),
                None => Err(ApiError::NotFound(format!("quote {id}"))),
            }
        }
    }
}

/// `POST /v1/portal/quotes/{id}/decline` with `{"version": n, "reason": "…"}`: the buyer says no; the seller may
/// reopen it as a new version.
pub(crate) async fn decline_quote(
    app: &Portal,
    buyer: &Buyer,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let decision: Decision = parse_json(json_body(request)?)?;
    let reason = match decision.reason.as_deref().map(str::trim) {
        Some(text) if text.chars().count() > 500 || orders_domain::validation::text_problem(text, true).is_some() => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/reason",
                "at most 500 characters, no control or invisible formatting characters but line breaks",
            )]))
        }
        Some("") | None => None,
        Some(text) => Some(text.to_owned()),
    };
    let (_, versions, latest) = buyer_versions(app, buyer, id).await?;
    let quote = decided_version(&versions, latest, id, decision.version)?;
    let now = OffsetDateTime::now_utc();
    quote.check_open(now.date())?;
    let declined =
        Quote { status: QuoteStatus::Declined, decided_at: Some(now), decline_reason: reason, ..quote.clone() };
    if !app.store.update_quote_version(&declined, QuoteStatus::Sent).await? {
        return Err(ApiError::Conflict(format!("quote {id} changed meanwhile; reload it")));
    }
    tracing::info!(tenant = %buyer.tenant, quote_id = %declined.id, version = declined.version, "quote declined");
    let versions: Vec<Quote> =
        versions.into_iter().map(|q| if q.version == declined.version { declined.clone() } else { q }).collect();
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, now.date()), &[]))
}
