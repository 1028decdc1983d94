//! The catalogue and the customer register: stock levels, reorder suggestions, products, customer prices and
//! customers.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use orders_aws::store::ApiKeyRecord;
use orders_domain::admin::{parse_customer, parse_customer_price, parse_product, parse_stock_update};
use orders_domain::ids::{CustomerId, Sku, WarehouseId};
use orders_domain::FieldError;
use orders_http::{json_body, json_response, ApiError};

use crate::context::tenant_settings;
use crate::Backoffice;

/// `PUT /v1/stock/{sku}/{warehouse}`: sets what is physically on hand (of one lot for lot-tracked products;
/// `orders_app::staff::stock`).
pub(crate) async fn set_stock(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    sku: &str,
    warehouse: &str,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let update = parse_stock_update(body)?;
    let sku = Sku::parse(sku.to_owned()).map_err(|_| ApiError::NotFound(format!("product {sku}")))?;
    let warehouse_id =
        WarehouseId::parse(warehouse.to_owned()).map_err(|_| ApiError::NotFound(format!("warehouse {warehouse}")))?;
    let level = orders_app::staff::stock::set_stock(&app.store, caller, &sku, &warehouse_id, &update).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "sku": sku,
            "warehouse": warehouse_id,
            "lot": update.lot,
            "on_hand": level.on_hand.to_string(),
            "reserved": level.reserved.to_string(),
            "available_quantity": level.available.to_string(),
        }),
        &[],
    ))
}

/// `GET /v1/reorder-suggestions`: SKUs whose available stock fell below their minimum (after an order's
/// reservation or a stock count), with how much brings each to its target level.
pub(crate) async fn reorder_suggestions(app: &Backoffice, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let suggestions = app.store.reorder_suggestions(&caller.tenant).await?;
    let items: Vec<Value> = suggestions
        .iter()
        .map(|s| {
            json!({
                "sku": s.sku,
                "available_quantity": s.available.to_string(),
                "suggested_quantity": s.suggested_quantity.to_string(),
                "order_id": (!s.order_id.is_empty()).then_some(&s.order_id),
                "suggested_at": s.suggested_at,
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]))
}

/// `PUT /v1/products/{sku}`: creates or replaces a product (price, cost price, VAT, minimum stock, lots).
pub(crate) async fn put_product(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    sku: &str,
) -> Result<Response<Body>, ApiError> {
    let sku = Sku::parse(sku.to_owned())
        .map_err(|e| ApiError::Validation(vec![FieldError::new("", format!("the SKU in the path: {}", e.0))]))?;
    let tenant = tenant_settings(app, caller).await?;
    let product = parse_product(json_body(request)?, sku, tenant.currency)?;
    app.store.put_product(&caller.tenant, &product).await?;
    tracing::info!(tenant = %caller.tenant, sku = %product.sku, actor = %caller.key_id, "product saved");
    Ok(json_response(StatusCode::OK, &serde_json::to_value(&product).unwrap_or_else(|_| json!({})), &[]))
}

/// `PUT /v1/customers/{id}/prices/{sku}`: a customer's agreed price and/or discount for one product.
pub(crate) async fn put_customer_price(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
    sku: &str,
) -> Result<Response<Body>, ApiError> {
    let price = parse_customer_price(json_body(request)?)?;
    let customer = CustomerId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("customer {id}")))?;
    app.store
        .get_customer(&caller.tenant, &customer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("customer {id}")))?;
    let sku = Sku::parse(sku.to_owned()).map_err(|_| ApiError::NotFound(format!("product {sku}")))?;
    let catalogue = app.store.load_catalogue(&caller.tenant, std::slice::from_ref(&sku), None, &[]).await?;
    if !catalogue.products.contains_key(&sku) {
        return Err(ApiError::NotFound(format!("product {sku}")));
    }
    app.store.put_customer_price(&caller.tenant, &sku, &customer, &price).await?;
    let mut body = serde_json::to_value(&price).unwrap_or_else(|_| json!({}));
    body["customer_id"] = json!(customer);
    body["sku"] = json!(sku);
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// Reads a JSON body; a type error points at the member at fault (`/reason`), not at the whole body.
/// `GET /v1/customers/{id}`: a customer's master data.
pub(crate) async fn get_customer(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let not_found = || ApiError::NotFound(format!("customer {id}"));
    let customer_id = CustomerId::parse(id.to_owned()).map_err(|_| not_found())?;
    let (customer, access, stops) = futures::try_join!(
        app.store.get_customer(&caller.tenant, &customer_id),
        app.store.buyer_access(&caller.tenant, &customer_id),
        app.store.mail_stops(&caller.tenant, &customer_id),
    )?;
    let customer = customer.ok_or_else(not_found)?;
    let mut body = crate::customers::customer_json(&customer);
    body["portal_access"] = crate::buyer_access::access_json(&customer_id, &access);
    // Only what SES said of the address emails go to now: a corrected address starts clean.
    let current = customer.email.as_str().to_lowercase();
    body["email_feedback"] = stops.iter().find(|stop| stop.address == current).map_or(
        Value::Null,
        |stop| json!({"status": stop.kind.as_str(), "detail": stop.detail, "at": stop.at, "order_id": stop.order_id}),
    );
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// `PUT /v1/customers/{id}`: creates or replaces a customer's master data — name, email, language, VAT id,
/// billing address and general discount (intake's inline buyers only ever add to it).
pub(crate) async fn put_customer(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let customer_id = CustomerId::parse(id.to_owned()).map_err(|e| {
        ApiError::Validation(vec![FieldError::new("", format!("the customer id in the path: {}", e.0))])
    })?;
    let customer = parse_customer(json_body(request)?, customer_id)?;
    app.store.put_customer(&caller.tenant, &customer).await?;
    tracing::info!(tenant = %caller.tenant, customer = %customer.id, actor = %caller.key_id, "customer saved");
    Ok(json_response(StatusCode::OK, &crate::customers::customer_json(&customer), &[]))
}
