//! A buyer's quotes in the portal: reading one with its versions, accepting it into an order, declining it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use orders_app::ordering::quote::BuyerQuote;
use orders_domain::ids::QuoteId;
use orders_domain::quote::{Quote, QuoteStatus};
use orders_domain::FieldError;
use orders_http::portal::Buyer;
use orders_http::views::quote_versions_json;
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::Portal;

/// The buyer's versions of quote `id` (drafts are the seller's own), and the number of the latest version,
/// drafts included: 404 for anyone else's quote.
pub(crate) async fn buyer_versions(app: &Portal, buyer: &Buyer, id: &str) -> Result<BuyerQuote, ApiError> {
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
    Ok(BuyerQuote { id: quote_id, versions, latest })
}

/// `GET /v1/portal/quotes/{id}`: the latest version the buyer was sent, and the earlier ones.
pub(crate) async fn show_quote(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let quote = buyer_versions(app, buyer, id).await?;
    Ok(json_response(StatusCode::OK, &quote_versions_json(&quote.versions, OffsetDateTime::now_utc().date()), &[]))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Decision {
    version: orders_domain::parsing::WholeNumber,
    #[serde(default)]
    reason: Option<String>,
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
    let quote = buyer_versions(app, buyer, id).await?;
    let ordered = orders_app::ordering::quote::accept_quote(
        &app.store,
        &app.publisher,
        crate::shop::owner(buyer),
        &quote,
        decision.version.0,
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(crate::shop::ordered_response(&ordered))
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
    let quote = buyer_versions(app, buyer, id).await?;
    let now = OffsetDateTime::now_utc();
    let versions =
        orders_app::ordering::quote::decline_quote(&app.store, &quote, decision.version.0, reason, now).await?;
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, now.date()), &[]))
}
