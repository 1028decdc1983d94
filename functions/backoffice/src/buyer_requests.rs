//! The buyers' change and cancellation requests: listing them and answering one.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use orders_aws::store::ApiKeyRecord;
use orders_http::{json_body, json_response, ApiError};

use crate::context::order_id_of;
use crate::Backoffice;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Resolution {
    outcome: orders_domain::portal::RequestStatus,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /v1/orders/{id}/buyer-requests/{request_id}/resolution` with `{"outcome": "done" | "declined",
/// "note"?}`: the seller answers a buyer's change or cancellation request (after changing or cancelling the order
/// through its own actions, or not). Answering changes nothing else.
pub(crate) async fn resolve_buyer_request(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
    request_id: &str,
) -> Result<Response<Body>, ApiError> {
    use orders_domain::portal::RequestStatus;
    let resolution: Resolution = orders_http::parse_json(json_body(request)?)?;
    if resolution.outcome == RequestStatus::Open {
        return Err(ApiError::Validation(vec![orders_domain::FieldError::new("/outcome", "done or declined")]));
    }
    let note = match resolution.note.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            Some(orders_domain::portal::buyer_text(text, "/note").map_err(|e| ApiError::Validation(vec![e]))?)
        }
    };
    let order_id = order_id_of(id)?;
    let answered = orders_app::staff::buyer_requests::resolve_buyer_request(
        &app.store,
        caller,
        &order_id,
        request_id,
        resolution.outcome,
        note,
    )
    .await?;
    Ok(json_response(StatusCode::OK, &serde_json::to_value(&answered).unwrap_or_default(), &[]))
}

/// `GET /v1/buyer-requests` (`?status=open|done|declined`, default open; `?limit=`, `?cursor=`): the buyers'
/// change and cancellation requests from the portal, the newest first, each with its order.
pub(crate) async fn list_buyer_requests(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    use orders_domain::portal::RequestStatus;
    let limit = orders_http::limit_param(request)?;
    let status = match orders_http::query_param(request, "status").as_deref() {
        None | Some("open") => RequestStatus::Open,
        Some("done") => RequestStatus::Done,
        Some("declined") => RequestStatus::Declined,
        Some(other) => {
            return Err(ApiError::InvalidParameter {
                name: "status",
                detail: format!("open, done or declined, not {other:?}"),
            })
        }
    };
    let listing = format!("buyer-requests:{status:?}");
    let start = match orders_http::query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), &listing, &cursor).await?),
    };
    let (items, next) = app.store.list_buyer_requests(&caller.tenant, status, limit, start).await?;
    let next_cursor = app.cursors.next(caller.tenant.as_str(), &listing, next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}
