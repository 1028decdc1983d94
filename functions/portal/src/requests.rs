//! What a buyer says about an order — a change or cancellation request (it reaches the seller and changes
//! nothing by itself) or a message the seller reads — each within the buyer's limit for the order, and the
//! order's Peppol documents to download.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

use orders_aws::store::Addition;
use orders_domain::order::HistoryEntry;
use orders_domain::portal::{buyer_text, new_request, BuyerContribution, BuyerMessage, RequestDraft, RequestKind};
use orders_http::portal::Buyer;
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::shop::{now_micros, own_order};
use crate::Portal;

/// `POST /v1/portal/orders/{id}/requests` with `{"kind": "change" | "cancellation", "message": "…"}`: the
/// seller sees it on the order (and in its history) and acts on it — or not; the order stays as it is.
pub(crate) async fn request_change(
    app: &Portal,
    buyer: &Buyer,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let draft: RequestDraft = parse_json(json_body(request)?)?;
    buyer_text(&draft.message, "/message").map_err(|e| ApiError::Validation(vec![e]))?;
    let order = own_order(app, buyer, id).await?.order;
    let now = now_micros();
    let actor = format!("buyer:{}", buyer.customer);
    let asked = new_request(&order, &draft, &actor, now).map_err(ApiError::Conflict)?;
    let history = HistoryEntry {
        at: now,
        actor,
        action: match asked.kind {
            RequestKind::Change => "change_requested",
            RequestKind::Cancellation => "cancellation_requested",
        }
        .into(),
        detail: format!("Buyer request {}: {}", asked.request_id, asked.message),
    };
    let addition = app.store.add_buyer_request(&order, &buyer.customer, &asked, &history).await?;
    added(addition, id, BuyerContribution::Request)?;
    tracing::info!(tenant = %buyer.tenant, order_id = %order.id, request_id = %asked.request_id, "buyer request");
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::to_value(&asked).unwrap_or_default(),
        &[("location", format!("/v1/portal/orders/{}", order.id))],
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    text: String,
}

/// `POST /v1/portal/orders/{id}/messages` with `{"text": "…"}`: a message of the buyer about the order, which the
/// seller reads on the order (apart from their own notes: a buyer's words never go out as the seller's) and the
/// buyer sees again in the portal. At most [`orders_domain::portal::MAX_MESSAGES_PER_ORDER`] per buyer and order.
pub(crate) async fn add_message(
    app: &Portal,
    buyer: &Buyer,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let body: MessageBody = parse_json(json_body(request)?)?;
    let text = buyer_text(&body.text, "/text").map_err(|e| ApiError::Validation(vec![e]))?;
    let order = own_order(app, buyer, id).await?.order;
    let now = now_micros();
    let message = BuyerMessage { at: now, customer_id: buyer.customer.clone(), text };
    let history = HistoryEntry {
        at: now,
        actor: format!("buyer:{}", buyer.customer),
        action: "buyer_message".into(),
        detail: "The buyer wrote a message".into(),
    };
    added(app.store.add_buyer_message(&order, &message, &history).await?, id, BuyerContribution::Message)?;
    Ok(json_response(StatusCode::CREATED, &serde_json::to_value(&message).unwrap_or_else(|_| json!({})), &[]))
}

/// What became of a buyer's addition to order `id`, as the API says it: 404 when the order is gone, 409 at the
/// buyer's limit for it.
fn added(addition: Addition, id: &str, contribution: BuyerContribution) -> Result<(), ApiError> {
    match addition {
        Addition::Added => Ok(()),
        Addition::OrderGone => Err(ApiError::NotFound(format!("order {id}"))),
        Addition::LimitReached => Err(ApiError::Conflict(contribution.limit_reached())),
    }
}

fn xml_file(xml: String, filename: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/xml")
        .header(header::CONTENT_DISPOSITION, orders_http::web::content_disposition("attachment", filename))
        .body(Body::Text(xml))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// `GET /v1/portal/orders/{id}/order-response.xml`: the Peppol Order Response the seller issued.
pub(crate) async fn order_response(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let order = own_order(app, buyer, id).await?.order;
    let xml = app.store.latest_order_response(&buyer.tenant, &order.id).await?.ok_or_else(|| {
        ApiError::NotFound(format!("order {id} has no Peppol Order Response (yet, or the seller sends none)"))
    })?;
    buyer.log_access(&app.store, &order.id, true, "Order Response (UBL) downloaded").await?;
    Ok(xml_file(xml, &format!("{}-order-response.xml", order.id)))
}

/// `GET /v1/portal/orders/{id}/despatches/{number}.xml`: a Peppol Despatch Advice of the order.
pub(crate) async fn despatch_advice(
    app: &Portal,
    buyer: &Buyer,
    id: &str,
    number: &str,
) -> Result<Response<Body>, ApiError> {
    let order = own_order(app, buyer, id).await?.order;
    let number = number.strip_suffix(".xml").unwrap_or(number);
    let not_found = || ApiError::NotFound(format!("despatch advice {number} of order {id}"));
    let (despatch, document) =
        app.store.despatch_with_document(&buyer.tenant, &order.id, number).await?.ok_or_else(not_found)?;
    let xml = document.ok_or_else(not_found)?;
    let what = format!("Despatch Advice {} (UBL) downloaded", despatch.despatch_number);
    buyer.log_access(&app.store, &order.id, true, &what).await?;
    Ok(xml_file(xml, &format!("{}-{}.xml", order.id, despatch.despatch_number)))
}
