//! What a buyer says about an order — a change or cancellation request or a message (`orders_app::buyer`) — and
//! the order's Peppol documents to download.

use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

use orders_domain::portal::{buyer_text, RequestDraft};
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
    let asked = orders_app::buyer::request_change(&app.store, &order, &buyer.customer, &draft, now_micros()).await?;
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
    let message = orders_app::buyer::add_message(&app.store, &order, &buyer.customer, text, now_micros()).await?;
    Ok(json_response(StatusCode::CREATED, &serde_json::to_value(&message).unwrap_or_else(|_| json!({})), &[]))
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
