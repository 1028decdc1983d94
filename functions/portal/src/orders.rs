//! A buyer's orders in the portal: the list and one order with what the buyer may see of it.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use orders_domain::order::HistoryEntry;
use orders_http::portal::Buyer;
use orders_http::views::order_json;
use orders_http::{json_response, limit_param, query_param, ApiError};

use crate::shop;

use crate::Portal;

/// `GET /v1/portal/orders`: the buyer's orders at this seller, newest first (`?limit=`, `?cursor=`), optionally
/// only those in `?status=` (comma-separated) or whose number or a SKU or product name contains `?q=`. Filtered
/// pages read on (at most 10 pages of 100) until `limit` orders match, so a page may hold fewer or more.
pub(crate) async fn list_orders(app: &Portal, buyer: &Buyer, request: &Request) -> Result<Response<Body>, ApiError> {
    let limit = limit_param(request)?;
    let search = shop::search_param(request)?;
    // An empty `?status=` filters nothing here (the page's "all" choice).
    let statuses = match query_param(request, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(orders_http::statuses_param(Some(raw))?),
    };
    let listing = format!("portal-orders:{}", buyer.customer);
    let mut start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(buyer.tenant.as_str(), &listing, &cursor).await?),
    };
    let keep = |order: &orders_domain::order::Order| {
        statuses.as_ref().is_none_or(|s| s.contains(&order.status))
            && search.as_ref().is_none_or(|q| {
                order.order_number.to_lowercase().contains(q.as_str())
                    || order.lines.iter().any(|l| {
                        l.sku_text().to_lowercase().contains(q.as_str())
                            || l.description.to_lowercase().contains(q.as_str())
                    })
            })
    };
    if !buyer.scope.opens_account() {
        // An order or quote link lists the one order it reaches (if any).
        let mut items = Vec::new();
        for order_id in buyer.scope_orders(&app.store).await? {
            if let Some(record) = app.store.get_order_record(&buyer.tenant, &order_id).await? {
                if record.order.buyer.customer_id == buyer.customer && keep(&record.order) {
                    items.push(orders_http::views::order_row_json(&record.order));
                }
            }
        }
        return Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]));
    }
    let filtered = search.is_some() || statuses.is_some();
    let wanted = usize::try_from(limit).unwrap_or(25);
    let mut matching = Vec::new();
    let mut next;
    let mut pages = 0;
    loop {
        let page = if filtered { 100 } else { limit };
        let (orders, after) = app.store.customer_orders(&buyer.tenant, &buyer.customer, page, start.take()).await?;
        next = after;
        pages += 1;
        matching.extend(orders.into_iter().filter(|order| keep(order)));
        if !filtered || matching.len() >= wanted || next.is_none() || pages >= 10 {
            break;
        }
        start = next.clone();
    }
    let items: Vec<Value> = matching.iter().map(orders_http::views::order_row_json).collect();
    let next_cursor = app.cursors.next(buyer.tenant.as_str(), &listing, next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// History entries a buyer sees: what happened to the order, not the seller's internal bookkeeping.
pub(crate) fn buyer_visible(entry: &HistoryEntry) -> bool {
    entry.action != "note_added"
}

/// `GET /v1/portal/orders/{id}`: one of the buyer's orders — lines with their ordered / confirmed / shipped /
/// invoiced / open quantities, buyer-visible history and seller notes, the buyer's own messages, despatches with
/// tracking, billing documents, the buyer's requests and where to download the documents. The access is logged
/// in the order's access log.
pub(crate) async fn show_order(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let detail = shop::own_order(app, buyer, id).await?;
    buyer.log_access(&app.store, &detail.order.id, false, "Viewed").await?;
    let history: Vec<HistoryEntry> = detail.history.into_iter().filter(buyer_visible).collect();
    let order = &detail.order;
    let mut body = order_json(order, Some(&history));
    let notes: Vec<_> =
        detail.notes.into_iter().filter(|n| n.visibility == orders_domain::order::NoteVisibility::Buyer).collect();
    body["seller_notes"] = serde_json::to_value(notes).unwrap_or_else(|_| json!([]));
    // Only this buyer's own messages (an order has one buyer; the filter keeps it so if that ever changes).
    let messages: Vec<_> = detail.buyer_messages.into_iter().filter(|m| m.customer_id == buyer.customer).collect();
    body["buyer_messages"] = serde_json::to_value(messages).unwrap_or_else(|_| json!([]));
    body["tracking"] = serde_json::to_value(orders_domain::despatch::tracking(order, &detail.despatches))
        .unwrap_or_else(|_| json!([]));
    // The Peppol answers only where they were issued (a seller or buyer without a Peppol id gets none).
    let mut documents = Vec::new();
    if detail.order_response {
        documents.push(json!({
            "kind": "order_response", "format": "ubl",
            "href": format!("/v1/portal/orders/{}/order-response.xml", order.id),
        }));
    }
    let mut despatches = Vec::new();
    for despatch in &detail.despatches {
        let mut view = serde_json::to_value(despatch).unwrap_or_default();
        for line in view["lines"].as_array_mut().into_iter().flatten() {
            // Which warehouse and lot a line was picked from is the seller's business.
            if let Some(line) = line.as_object_mut() {
                line.remove("picks");
            }
        }
        despatches.push(view);
        if detail.despatch_advices.contains(&despatch.despatch_number) {
            documents.push(json!({
                "kind": "despatch_advice", "format": "ubl", "number": despatch.despatch_number,
                "href": format!("/v1/portal/orders/{}/despatches/{}.xml", order.id, despatch.despatch_number),
            }));
        }
        documents.push(json!({
            "kind": "delivery_note", "format": "pdf", "number": despatch.despatch_number,
            "href": format!("/v1/portal/orders/{}/despatches/{}/delivery-note.pdf", order.id, despatch.despatch_number),
        }));
    }
    body["despatches"] = json!(despatches);
    for link in &detail.invoices {
        let (collection, stem) = (link.kind.collection(), link.kind.file_stem());
        for (format, extension) in [("pdf", "pdf"), ("ubl", "xml")] {
            documents.push(json!({
                "kind": link.kind.as_str(), "format": format, "number": link.number,
                "href": format!("/v1/portal/{collection}/{}/{stem}.{extension}", link.number),
            }));
        }
    }
    body["invoices"] = serde_json::to_value(&detail.invoices).unwrap_or_else(|_| json!([]));
    body["requests"] = serde_json::to_value(&detail.requests).unwrap_or_else(|_| json!([]));
    body["documents"] = json!(documents);
    Ok(json_response(StatusCode::OK, &body, &[]))
}
