//! JSON representations shared by the API functions (api-conventions.md: decimals as strings, snake_case).

use rust_decimal::Decimal;
use serde_json::{json, Value};

use orders_domain::catalogue::{CustomerPrice, Product};
use orders_domain::order::{Discount, HistoryEntry, Order};

/// An order as the webshop sees it; with `history` for the detail view.
pub fn order_json(order: &Order, history: Option<&[HistoryEntry]>) -> Value {
    order_view(order, history, false)
}

/// One row of an order list (the back office's and the buyer portal's): buyer, order number, type, amount,
/// requested delivery, received, status.
pub fn order_row_json(order: &Order) -> Value {
    json!({
        "id": order.id,
        "order_number": order.order_number,
        "type": order.order_type,
        "express": order.order_type == orders_domain::order::OrderType::Express,
        "status": order.status,
        "buyer": { "customer_id": order.buyer.customer_id, "name": order.buyer.name },
        "currency": order.currency,
        "gross": order.totals.gross.to_string(),
        "requested_delivery_date": order.requested_delivery_date.map(|d| d.to_string()),
        "received_at": order.received_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    })
}

/// An order as the seller's staff see it: the webshop's view plus the stock reserved for it per warehouse and lot.
pub fn staff_order_json(order: &Order, history: &[HistoryEntry]) -> Value {
    order_view(order, Some(history), true)
}

fn order_view(order: &Order, history: Option<&[HistoryEntry]>, staff: bool) -> Value {
    let mut value = serde_json::to_value(order).unwrap_or_else(|_| json!({}));
    if let Some(object) = value.as_object_mut() {
        object.remove("tenant");
        if !staff {
            object.remove("reservations");
        }
        if let Some(lines) = object.get_mut("lines").and_then(Value::as_array_mut) {
            for (line, stored) in lines.iter_mut().zip(&order.lines) {
                line["open_quantity"] = json!(stored.open_quantity().to_string());
            }
        }
        if let Some(history) = history {
            object.insert("history".into(), serde_json::to_value(history).unwrap_or_else(|_| json!([])));
        }
    }
    value
}

/// A catalogue entry: the price is the customer's when a customer was named, with its discount.
pub fn product_json(
    product: &Product,
    customer_price: Option<&CustomerPrice>,
    customer_discount: Option<Discount>,
    available: Decimal,
) -> Value {
    let price = customer_price.and_then(|p| p.price).unwrap_or(product.price);
    let discount = customer_price.and_then(|p| p.discount).or(customer_discount);
    json!({
        "sku": product.sku,
        "name": product.name,
        "unit": product.unit,
        "price": price.to_string(),
        "currency": product.currency,
        "price_source": if customer_price.and_then(|p| p.price).is_some() { "customer" } else { "catalogue" },
        "discount": discount,
        "vat_category": product.vat_category,
        "vat_rate": product.vat_rate.to_string(),
        "available_quantity": available.to_string(),
    })
}

/// A quote version as the API shows it: its status as of `today` (a sent quote past its date has expired).
pub fn quote_json(quote: &orders_domain::quote::Quote, today: time::Date) -> Value {
    let mut body = serde_json::to_value(quote).unwrap_or_default();
    body["status"] = json!(quote.status_on(today));
    if let Some(object) = body.as_object_mut() {
        object.remove("tenant");
    }
    body
}

/// A quote as both its seller and its buyer read it: `versions` (oldest first) shown as the latest, with every
/// version, newest first, under `versions`.
pub fn quote_versions_json(versions: &[orders_domain::quote::Quote], today: time::Date) -> Value {
    let mut body = versions.last().map(|q| quote_json(q, today)).unwrap_or_default();
    body["versions"] = versions.iter().rev().map(|q| quote_json(q, today)).collect();
    body
}
