//! Reading orders: one order's detail, the filtered and paginated list, the counts per status and a customer's
//! order history.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_aws::store::ApiKeyRecord;
use orders_domain::despatch::tracking;
use orders_domain::ids::{CustomerId, Role};
use orders_domain::listing::{OrderFilter, Search, ALL_STATUSES};
use orders_domain::order::NoteVisibility;
use orders_domain::order::OrderType;
use orders_http::views::{order_json, staff_order_json};
use orders_http::{etag, json_response, limit_param, query_param, ApiError};

use crate::context::{order_id_of, time_format};
use crate::Backoffice;

/// One order with its history. Webshop keys see the webshop's view; staff also see the reserved stock.
pub(crate) async fn order_detail(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let order_id = order_id_of(id)?;
    let staff = caller.role != Role::Webshop;
    let (detail, accesses) = futures::try_join!(app.store.get_order_detail(&caller.tenant, &order_id), async {
        if staff {
            app.store.buyer_access_log(&caller.tenant, &order_id, 100).await
        } else {
            Ok(Vec::new())
        }
    })?;
    let detail = detail.ok_or_else(|| ApiError::NotFound(format!("order {order_id}")))?;
    let (order, history, notes) = (detail.order, detail.history, detail.notes);
    let (mut body, notes) = match caller.role {
        Role::Webshop => (
            order_json(&order, Some(&history)),
            notes.into_iter().filter(|n| n.visibility == NoteVisibility::Buyer).collect(),
        ),
        Role::Operator | Role::Warehouse => {
            let mut body = staff_order_json(&order, &history);
            // The portal link every buyer email about this order carries (revocable by an operator).
            body["buyer_link_id"] = json!(orders_domain::buyer_link::order_link_id(&order.id));
            body["buyer_requests"] = serde_json::to_value(&detail.requests).unwrap_or_else(|_| json!([]));
            // What buyers wrote in the portal: their words, apart from the seller's notes.
            body["buyer_messages"] = serde_json::to_value(&detail.buyer_messages).unwrap_or_else(|_| json!([]));
            // Who opened the order or its documents in the portal, by day and link (newest first).
            body["buyer_access"] = serde_json::to_value(&accesses).unwrap_or_else(|_| json!([]));
            (body, notes)
        }
    };
    body["seller_notes"] = serde_json::to_value(notes).unwrap_or_else(|_| json!([]));
    let mut despatches = serde_json::to_value(&detail.despatches).unwrap_or_else(|_| json!([]));
    if caller.role == Role::Webshop {
        // Which warehouse and lot a line was picked from is the seller's business.
        for line in despatches
            .as_array_mut()
            .into_iter()
            .flatten()
            .flat_map(|d| d["lines"].as_array_mut().into_iter().flatten())
        {
            if let Some(line) = line.as_object_mut() {
                line.remove("picks");
            }
        }
    }
    body["tracking"] = serde_json::to_value(tracking(&order, &detail.despatches)).unwrap_or_else(|_| json!([]));
    body["despatches"] = despatches;
    body["invoices"] = detail
        .invoices
        .iter()
        .map(|link| {
            let mut view = json!({"number": link.number, "kind": link.kind.as_str(), "issue_date": link.issue_date,
                "currency": link.currency, "payable": link.payable});
            if let Some(corrects) = &link.corrects {
                view["corrects"] = json!(corrects);
            }
            view
        })
        .collect();
    Ok(json_response(StatusCode::OK, &body, &[("etag", etag(detail.version))]))
}

/// The list's query parameters (docs/api-conventions.md "Lists").
pub(crate) const LIST_PARAMETERS: [&str; 8] =
    ["status", "type", "customer_id", "received_from", "received_to", "q", "limit", "cursor"];

/// Reads the list's filter from the query string; an unknown parameter is refused rather than ignored.
pub(crate) fn parse_order_filter(request: &Request) -> Result<OrderFilter, ApiError> {
    if let Some(query) = request.query_string_parameters_ref() {
        if let Some((name, _)) = query.iter().find(|(name, _)| !LIST_PARAMETERS.contains(name)) {
            return Err(ApiError::InvalidParameter {
                name: "query",
                detail: format!("{name:?} is not a parameter of this list ({})", LIST_PARAMETERS.join(", ")),
            });
        }
    }
    let order_type = match query_param(request, "type") {
        None => None,
        Some(raw) => {
            Some(OrderType::parse(raw.trim()).map_err(|detail| ApiError::InvalidParameter { name: "type", detail })?)
        }
    };
    let customer = match query_param(request, "customer_id") {
        None => None,
        Some(raw) => Some(
            CustomerId::parse(raw.trim().to_owned())
                .map_err(|e| ApiError::InvalidParameter { name: "customer_id", detail: e.0 })?,
        ),
    };
    let received_from = time_param(request, "received_from", false)?;
    let received_to = time_param(request, "received_to", true)?;
    if let (Some(from), Some(to)) = (received_from, received_to) {
        if from > to {
            return Err(ApiError::InvalidParameter {
                name: "received_to",
                detail: "must not be before received_from".into(),
            });
        }
    }
    let search = match query_param(request, "q") {
        Some(q) if q.chars().count() > 200 => {
            return Err(ApiError::InvalidParameter { name: "q", detail: "at most 200 characters".into() })
        }
        Some(q) => Search::parse(&q),
        None => None,
    };
    Ok(OrderFilter {
        statuses: orders_http::statuses_param(query_param(request, "status"))?,
        order_type,
        customer,
        received_from,
        received_to,
        search,
    })
}

/// A receipt bound: an RFC 3339 timestamp, or a `YYYY-MM-DD` date meaning the start (or, for an upper bound, the
/// end) of that UTC day.
pub(crate) fn time_param(
    request: &Request,
    name: &'static str,
    end_of_day: bool,
) -> Result<Option<time::OffsetDateTime>, ApiError> {
    let Some(raw) = query_param(request, name) else { return Ok(None) };
    let raw = raw.trim();
    if let Ok(at) = time::OffsetDateTime::parse(raw, &time_format()) {
        return Ok(Some(at));
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(raw, date_format).map_err(|_| ApiError::InvalidParameter {
        name,
        detail: format!("{raw:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp"),
    })?;
    let at = if end_of_day {
        date.with_hms_nano(23, 59, 59, 999_999_999)
            .map_err(|e| ApiError::InvalidParameter { name, detail: e.to_string() })?
    } else {
        date.midnight()
    };
    Ok(Some(at.assume_utc()))
}

/// `GET /v1/orders`: the tenant's orders, newest first, filtered and searched (see [`parse_order_filter`]).
pub(crate) async fn list_orders(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let limit = usize::try_from(limit_param(request)?).unwrap_or(50);
    let filter = parse_order_filter(request)?;
    // The cursor is bound to the tenant and to the filter it was issued for.
    let listing = format!("orders:{}", filter.canonical());
    let before = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => {
            let position = app.cursors.decode(caller.tenant.as_str(), &listing, &cursor).await?;
            Some(
                position
                    .get("before")
                    .cloned()
                    .ok_or(ApiError::InvalidParameter { name: "cursor", detail: "not a cursor of this list".into() })?,
            )
        }
    };
    let page = app.store.list_orders(&caller.tenant, &filter, limit, before.as_deref()).await?;
    let next_position = page.next.map(|next| std::collections::BTreeMap::from([("before".to_owned(), next)]));
    let next_cursor = app.cursors.next(caller.tenant.as_str(), &listing, next_position).await?;
    let items: Vec<Value> = page.orders.iter().map(orders_http::views::order_row_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// Counting stops here per status, so a long history costs a bounded read; the answer says which were capped.
pub(crate) const COUNT_CAP: u64 = 1000;

/// `GET /v1/order-counts`: how many orders the tenant has in each status (at least `COUNT_CAP` when capped).
pub(crate) async fn order_counts(app: &Backoffice, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let counts = futures::future::try_join_all(
        ALL_STATUSES.iter().map(|status| app.store.count_orders_in_status(&caller.tenant, status.as_str(), COUNT_CAP)),
    )
    .await?;
    let mut body = json!({ "counts": {}, "capped": [] });
    for (status, count) in ALL_STATUSES.iter().zip(counts) {
        body["counts"][status.as_str()] = json!(count.count);
        if count.capped {
            body["capped"].as_array_mut().into_iter().for_each(|c| c.push(json!(status.as_str())));
        }
    }
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// `GET /v1/customers/{id}/orders`: one customer's orders, newest first.
pub(crate) async fn customer_orders(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let customer = CustomerId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("customer {id}")))?;
    app.store
        .get_customer(&caller.tenant, &customer)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("customer {id}")))?;
    let limit = limit_param(request)?;
    let listing = format!("customer-orders:{customer}");
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), &listing, &cursor).await?),
    };
    let (orders, next) = app.store.customer_orders(&caller.tenant, &customer, limit, start).await?;
    let next_cursor = app.cursors.next(caller.tenant.as_str(), &listing, next).await?;
    let items: Vec<Value> = orders.iter().map(orders_http::views::order_row_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}
