//! JSON representations shared by the API functions (docs/api-conventions.md: decimals as strings, snake_case).

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

#[cfg(test)]
mod tests {
    use super::*;
    use orders_domain::fixtures;
    use orders_domain::order::OrderType;
    use rust_decimal::Decimal;

    /// Every key path of `value` (`a.b`, arrays as `a[]`), sorted.
    fn key_paths(value: &Value, prefix: &str, paths: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    paths.push(path.clone());
                    key_paths(inner, &path, paths);
                }
            }
            Value::Array(items) => {
                for item in items {
                    key_paths(item, &format!("{prefix}[]"), paths);
                }
            }
            _ => {}
        }
    }

    fn shape(value: &Value) -> Vec<String> {
        let mut paths = Vec::new();
        key_paths(value, "", &mut paths);
        paths.sort();
        paths.dedup();
        paths
    }

    fn sample() -> (Order, Vec<HistoryEntry>) {
        let mut order = fixtures::order(OrderType::Purchase, &[("SKU-1", Decimal::new(2, 0))]);
        // Optional fields set, so that they are pinned too (nested optional parts are not: consignee,
        // adjustments, reservations, references).
        order.requested_delivery_date = Some(time::macros::date!(2026 - 12 - 24));
        order.notes = Some("Ring twice".into());
        order.response_reason = Some("All in stock".into());
        order.responded_at = Some(order.received_at);
        let history = vec![HistoryEntry {
            at: order.received_at,
            actor: "webshop:key_1".into(),
            action: "received".into(),
            detail: "Order received".into(),
        }];
        (order, history)
    }

    /// The API's order shape is pinned here: renaming a field of the domain's `Order` must fail this test (and be
    /// decided as an API change), never change the API silently.
    #[test]
    fn the_order_view_keeps_its_shape() {
        let (order, history) = sample();
        let paths = shape(&staff_order_json(&order, &history));
        let pinned = PINNED_STAFF_ORDER;
        assert_eq!(paths, pinned, "the API shape of an order changed:\n{paths:#?}");
        let webshop = shape(&order_json(&order, Some(&history)));
        assert!(webshop.iter().all(|p| pinned.contains(&p.as_str())), "the webshop view is a part of the staff view");
        assert!(!webshop.iter().any(|p| p.starts_with("reservations") || p == "tenant"), "{webshop:?}");
    }

    #[test]
    fn the_order_row_keeps_its_shape() {
        let (order, _) = sample();
        assert_eq!(shape(&order_row_json(&order)), PINNED_ORDER_ROW);
    }

    const PINNED_ORDER_ROW: &[&str] = &[
        "buyer",
        "buyer.customer_id",
        "buyer.name",
        "currency",
        "express",
        "gross",
        "id",
        "order_number",
        "received_at",
        "requested_delivery_date",
        "status",
        "type",
    ];
    const PINNED_STAFF_ORDER: &[&str] = &[
        "buyer",
        "buyer.customer_id",
        "buyer.email",
        "buyer.name",
        "channel",
        "currency",
        "delivery_address",
        "delivery_address.city",
        "delivery_address.country",
        "delivery_address.name",
        "delivery_address.postal_code",
        "delivery_address.street",
        "history",
        "history[].action",
        "history[].actor",
        "history[].at",
        "history[].detail",
        "id",
        "lines",
        "lines[].allowance",
        "lines[].confirmed_quantity",
        "lines[].description",
        "lines[].invoiced_quantity",
        "lines[].line_net",
        "lines[].line_no",
        "lines[].open_quantity",
        "lines[].price_source",
        "lines[].quantity",
        "lines[].shipped_quantity",
        "lines[].sku",
        "lines[].unit",
        "lines[].unit_price",
        "lines[].vat_category",
        "lines[].vat_rate",
        "notes",
        "order_number",
        "received_at",
        "requested_delivery_date",
        "responded_at",
        "response_reason",
        "status",
        "totals",
        "totals.allowances",
        "totals.charges",
        "totals.gross",
        "totals.net",
        "totals.vat",
        "type",
        "vat_breakdown",
        "vat_breakdown[].category",
        "vat_breakdown[].rate",
        "vat_breakdown[].taxable",
        "vat_breakdown[].vat",
    ];
}
