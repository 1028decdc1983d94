//! The order's Peppol documents as XML: its Order Response (T76) and each despatch advice (T16).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use orders_aws::store::ApiKeyRecord;
use orders_domain::ubl::{order_response, Party};
use orders_http::ApiError;

use crate::context::{order_id_of, tenant_settings};
use crate::Backoffice;

/// An XML document response.
pub(crate) fn xml_response(xml: String, filename: &str) -> Result<Response<Body>, ApiError> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/xml")
        .header("content-disposition", orders_http::web::content_disposition("attachment", filename))
        .body(Body::Text(xml))
        .map_err(|e| ApiError::Unavailable(e.to_string()))
}

/// `GET /v1/orders/{id}/order-response.xml`: the Peppol Order Response (T76) of the order's latest answer, as
/// issued (and archived); for an answer issued before documents were kept, rendered from the order.
pub(crate) async fn order_response_document(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = order_id_of(id)?;
    if let Some(xml) = app.store.latest_order_response(&caller.tenant, &order_id).await? {
        return xml_response(xml, &format!("{order_id}-order-response.xml"));
    }
    let order = app
        .store
        .get_order_record(&caller.tenant, &order_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("order {id}")))?
        .order;
    let tenant = tenant_settings(app, caller).await?;
    let (Some(seller), Some(buyer)) = (&tenant.peppol_id, &order.buyer.peppol_id) else {
        return Err(ApiError::Conflict(format!(
            "a Peppol Order Response needs the seller's and the buyer's Peppol ids; customer {} has {}",
            order.buyer.customer_id,
            if order.buyer.peppol_id.is_some() { "one" } else { "none" }
        )));
    };
    let xml = order_response(
        &order,
        &format!("{order_id}-R"),
        &Party { endpoint: seller, name: &tenant.name },
        &Party { endpoint: buyer, name: &order.buyer.name },
    )
    .ok_or_else(|| ApiError::NotFound(format!("order {id} has no response yet ({})", order.status.as_str())))?;
    xml_response(xml, &format!("{order_id}-order-response.xml"))
}

/// `GET /v1/orders/{id}/peppol-order.xml`: the Peppol BIS Order (T01) the order was placed from, as received.
pub(crate) async fn peppol_order_document(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = order_id_of(id)?;
    let xml = app
        .store
        .order_document(&caller.tenant, &order_id, orders_app::ordering::peppol::RECEIVED_DOCUMENT)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!("a Peppol Order of order {id} (it came in another way, or not at all)"))
        })?;
    xml_response(xml, &format!("{order_id}-peppol-order.xml"))
}

/// `GET /v1/orders/{id}/despatches/{number}` (with or without `.xml`): the Peppol Despatch Advice (T16) as issued.
pub(crate) async fn despatch_document(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    id: &str,
    number: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = order_id_of(id)?;
    let number = number.strip_suffix(".xml").unwrap_or(number);
    let (despatch, document) = app
        .store
        .despatch_with_document(&caller.tenant, &order_id, number)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("despatch {number} of order {id}")))?;
    let xml = document.ok_or_else(|| {
        ApiError::Conflict(format!(
            "despatch {} was recorded without a Peppol Despatch Advice (the seller or the buyer had no Peppol id)",
            despatch.despatch_number
        ))
    })?;
    xml_response(xml, &format!("{order_id}-{}.xml", despatch.despatch_number))
}
