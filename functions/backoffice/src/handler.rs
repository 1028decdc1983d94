//! Back-office requests → store reads.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_aws::store::ApiKeyRecord;
use orders_domain::fingerprint::api_key_hash;
use orders_domain::ids::{OrderId, Role};
use orders_domain::order::{Order, OrderStatus, OrderType};
use orders_http::views::{order_json, staff_order_json};
use orders_http::{bearer_token, json_response, query_param, ApiError};

use crate::Backoffice;

/// Every status, for a listing without a status filter.
const ALL_STATUSES: [OrderStatus; 11] = [
    OrderStatus::Received,
    OrderStatus::PendingResponse,
    OrderStatus::Accepted,
    OrderStatus::AcceptedWithChanges,
    OrderStatus::Rejected,
    OrderStatus::PartiallyDelivered,
    OrderStatus::Delivered,
    OrderStatus::PartiallyInvoiced,
    OrderStatus::Invoiced,
    OrderStatus::Cancelled,
    OrderStatus::Closed,
];

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Backoffice, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    Ok(match route(app, &request).await {
        Ok(response) => response,
        Err(error) => {
            tracing::info!(request_id = %request_id, status = error.status().as_u16(), error = %error, "request refused");
            error.into_response(&request_id)
        }
    })
}

async fn route(app: &Backoffice, request: &Request) -> Result<Response<Body>, ApiError> {
    let path = request.uri().path().trim_end_matches('/').to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET, "/v1/orders") => {
            let caller = authenticate(app, request, &[Role::Operator, Role::Warehouse], "list orders").await?;
            list_orders(app, &caller, request).await
        }
        (_, "/v1/orders") => Err(ApiError::MethodNotAllowed { method: request.method().to_string(), path }),
        (method, other) => match other.strip_prefix("/v1/orders/") {
            Some(id) if !id.contains('/') && method == Method::GET => {
                let caller =
                    authenticate(app, request, &[Role::Webshop, Role::Operator, Role::Warehouse], "read orders")
                        .await?;
                order_detail(app, &caller, id).await
            }
            Some(id) if !id.contains('/') => Err(ApiError::MethodNotAllowed { method: method.to_string(), path }),
            _ => Err(ApiError::NotFound(format!("route {path}"))),
        },
    }
}

async fn authenticate(
    app: &Backoffice,
    request: &Request,
    allowed: &[Role],
    action: &'static str,
) -> Result<ApiKeyRecord, ApiError> {
    let token = bearer_token(request.headers())?;
    let key = app.store.find_api_key(&api_key_hash(token)).await?.ok_or(ApiError::Unauthorized)?;
    if !allowed.contains(&key.role) {
        return Err(ApiError::Forbidden { role: key.role.as_str(), action });
    }
    Ok(key)
}

fn parse_statuses(raw: Option<String>) -> Result<Vec<OrderStatus>, ApiError> {
    let Some(raw) = raw else { return Ok(ALL_STATUSES.to_vec()) };
    let mut statuses = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let status = ALL_STATUSES.iter().find(|s| s.as_str() == name).ok_or_else(|| ApiError::InvalidParameter {
            name: "status",
            detail: format!("{name:?} is not a status ({})", ALL_STATUSES.map(OrderStatus::as_str).join(", ")),
        })?;
        if !statuses.contains(status) {
            statuses.push(*status);
        }
    }
    if statuses.is_empty() {
        return Err(ApiError::InvalidParameter { name: "status", detail: "name at least one status".into() });
    }
    Ok(statuses)
}

/// One row of the order list: buyer, order number, amount, requested delivery, received, status.
fn order_row(order: &Order) -> Value {
    json!({
        "id": order.id,
        "order_number": order.order_number,
        "type": order.order_type,
        "express": order.order_type == OrderType::Express,
        "status": order.status,
        "buyer": { "customer_id": order.buyer.customer_id, "name": order.buyer.name },
        "currency": order.currency,
        "gross": order.totals.gross.to_string(),
        "requested_delivery_date": order.requested_delivery_date.map(|d| d.to_string()),
        "received_at": order.received_at.format(&time_format()).unwrap_or_default(),
    })
}

fn time_format() -> time::format_description::well_known::Rfc3339 {
    time::format_description::well_known::Rfc3339
}

/// One order with its history. Webshop keys see the webshop's view; staff also see the reserved stock.
async fn order_detail(app: &Backoffice, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
    let not_found = || ApiError::NotFound(format!("order {id}"));
    let order_id = OrderId::parse_public(id).map_err(|_| not_found())?;
    let (order, history) = app.store.get_order_with_history(&caller.tenant, &order_id).await?.ok_or_else(not_found)?;
    let body = match caller.role {
        Role::Webshop => order_json(&order, Some(&history)),
        Role::Operator | Role::Warehouse => staff_order_json(&order, &history),
    };
    Ok(json_response(StatusCode::OK, &body, &[]))
}

async fn list_orders(app: &Backoffice, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let limit = match query_param(request, "limit") {
        None => 50,
        Some(raw) => raw.parse::<usize>().ok().filter(|l| (1..=200).contains(l)).ok_or(ApiError::InvalidParameter {
            name: "limit",
            detail: "must be a whole number from 1 to 200".into(),
        })?,
    };
    let statuses = parse_statuses(query_param(request, "status"))?;
    // The cursor is bound to the tenant and to the filter it was issued for.
    let listing = format!("orders:{}", statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
    let position = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), &listing, &cursor)?),
    };
    let page = app.store.list_orders(&caller.tenant, &statuses, limit, position).await?;
    let next_cursor = page.next.map(|next| app.cursors.encode(caller.tenant.as_str(), &listing, &next));
    let items: Vec<Value> = page.orders.iter().map(order_row).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}
