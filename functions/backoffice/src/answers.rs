//! Acting on one order: answering it (accept, reject, accept with changes), changing it, cancelling or closing it,
//! and the seller's notes. Each route parses the request, calls its use case in `orders_app::staff` and answers
//! with the order's detail.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use orders_app::staff::change::change_order as change_use_case;
use orders_app::staff::ending::{end_order as end_use_case, Ending};
use orders_app::staff::notes::add_note as note_use_case;
use orders_app::staff::respond::respond as respond_use_case;
use orders_aws::store::ApiKeyRecord;
use orders_domain::admin::parse_manual_response;
use orders_domain::change::parse_change;
use orders_domain::order::NoteVisibility;
use orders_domain::FieldError;
use orders_http::{if_match, json_body, json_response, parse_json, ApiError};

use crate::context::{detail_response, order_id_of, outbox};
use crate::Backoffice;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndingBody {
    reason: Option<String>,
}

/// `POST /v1/orders/{id}/cancellation` and `/closure`: releases every reservation, gives up open quantities and
/// records who did it. Repeating it answers the order as it is.
pub(crate) async fn end_order(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
    ending: Ending,
) -> Result<Response<Body>, ApiError> {
    let body =
        if request.body().is_empty() { EndingBody::default() } else { parse_json::<EndingBody>(json_body(request)?)? };
    let reason = match body.reason.map(|r| r.trim().to_owned()) {
        Some(r) if r.chars().count() > 500 || orders_domain::validation::text_problem(&r, false).is_some() => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/reason",
                "at most 500 characters, no control or invisible formatting characters",
            )]))
        }
        Some(r) if !r.is_empty() => Some(r),
        _ => None,
    };
    let order_id = order_id_of(id)?;
    end_use_case(&app.store, caller, &order_id, &if_match(request), ending, reason.as_deref()).await?;
    detail_response(app, caller, &order_id).await
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteBody {
    text: Option<String>,
    visibility: Option<String>,
}

/// `POST /v1/orders/{id}/notes`: an internal or buyer-visible note (buyer-visible ones go into the next buyer email).
pub(crate) async fn add_note(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let body: NoteBody = parse_json(json_body(request)?)?;
    let mut errors = Vec::new();
    let text = body.text.map(|t| t.trim().to_owned()).unwrap_or_default();
    if text.is_empty() || text.chars().count() > 2000 {
        errors.push(FieldError::new("/text", "1 to 2000 characters"));
    } else if let Some(problem) = orders_domain::validation::text_problem(&text, true) {
        errors.push(FieldError::new("/text", problem));
    }
    let visibility = match body.visibility.as_deref() {
        None | Some("internal") => Some(NoteVisibility::Internal),
        Some("buyer") => Some(NoteVisibility::Buyer),
        Some(other) => {
            errors.push(FieldError::new("/visibility", format!("{other:?} is not internal or buyer")));
            None
        }
    };
    let (Some(visibility), true) = (visibility, errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let order_id = order_id_of(id)?;
    let note = note_use_case(&app.store, caller, &order_id, &if_match(request), text, visibility).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::to_value(&note).unwrap_or_else(|_| json!({})),
        &[("location", format!("/v1/orders/{order_id}"))],
    ))
}

/// `POST /v1/orders/{id}/response`: the seller answers a `pending_response` order by hand — accept, accept with
/// changes (quantities, prices, notes per line) or reject, with document-level charges and allowances. Stock for
/// the confirmed quantities is reserved in the same transaction; the buyer gets the same email as from the
/// automatic path.
pub(crate) async fn respond(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let response = parse_manual_response(json_body(request)?)?;
    let order_id = order_id_of(id)?;
    let outbox = outbox(app, request);
    respond_use_case(&app.store, &outbox, caller, &order_id, &if_match(request), &response).await?;
    detail_response(app, caller, &order_id).await
}

/// `PATCH /v1/orders/{id}`: changes quantities, prices and dates, adds and removes lines — only before anything
/// shipped (409 after). An order confirmation has not answered yet is confirmed with the new lines by its pending
/// event; an answered one is confirmed again here, its reservations adjusted to the new plan (or released while
/// a manual-response tenant answers again), and the buyer told.
pub(crate) async fn change_order(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let change = parse_change(json_body(request)?, now.date())?;
    let order_id = order_id_of(id)?;
    let outbox = outbox(app, request);
    change_use_case(&app.store, &outbox, caller, &order_id, &if_match(request), &change, now).await?;
    detail_response(app, caller, &order_id).await
}
