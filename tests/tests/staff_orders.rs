//! Orders staff enter (`POST /v1/orders` with an operator key): a phone order with a catalogue line and a
//! free-text line is numbered from the seller's series, priced like a webshop's, confirmed by the same queue (the
//! free-text line reserves nothing), shown with `sku: null`, and never stored twice for one `Idempotency-Key`.

use orders_domain::ids::Role;
use orders_testkit::{order_body, s, TestStack};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// The demo order for customer C-1, as staff enter it: the channel instead of an order number.
fn phone_order(lines: Value) -> Value {
    let mut body = order_body("unused");
    let object = body.as_object_mut().expect("an object");
    object.remove("order_number");
    object.insert("channel".into(), json!("phone"));
    object.insert("lines".into(), lines);
    body
}

#[tokio::test]
async fn a_phone_order_with_a_free_text_line_is_numbered_confirmed_and_reserves_only_the_product() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    let body = phone_order(json!([
        {"sku": "SKU-1", "quantity": "3"},
        {"description": "Installation on site", "quantity": "2", "unit_price": "450.00", "vat_rate": "25"}
    ]));
    let placed = stack
        .request(Method::POST, "/v1/orders", &operator)
        .header("idempotency-key", "phone-1")
        .json(&body)
        .send()
        .await;
    let placed = orders_testkit::Answer::from(placed).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order = &placed.body;
    assert_eq!(order["channel"], "phone");
    let number = order["order_number"].as_str().expect("a number").to_owned();
    assert!(number.starts_with("SO-") && number.len() == 9, "{number}");
    assert_eq!(order["lines"][1]["sku"], Value::Null);
    assert_eq!(order["lines"][1]["description"], "Installation on site");
    assert_eq!(order["lines"][1]["line_net"], "900.00");
    assert_eq!(order["lines"][1]["price_source"], "seller");
    let id = order["id"].as_str().expect("id").to_owned();

    // The same request again answers the same order and takes no second number.
    let again = stack
        .request(Method::POST, "/v1/orders", &operator)
        .header("idempotency-key", "phone-1")
        .json(&body)
        .send()
        .await;
    let again = orders_testkit::Answer::from(again).await;
    assert_eq!((again.status, again.body["id"].as_str()), (201, Some(id.as_str())));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let counter = stack.item(&format!("T#{tenant}#SEQ-ORDERS"), "SEQ").await.expect("the series counter");
    assert_eq!(
        counter.get("last").and_then(|v| v.as_n().ok()).map(String::as_str),
        number[3..].trim_start_matches('0').into()
    );

    // Confirmed by the queue like any order: the product is reserved, the free-text line confirmed as entered.
    let before = stack.stock(&tenant, "SKU-1", "malmo").await;
    let delivery = stack.deliver_all().await;
    assert!(delivery.succeeded >= 1);
    let confirmed = stack.order(&id).await;
    assert_eq!(confirmed["status"], "accepted", "{confirmed}");
    assert_eq!(confirmed["lines"][0]["confirmed_quantity"], "3");
    assert_eq!(confirmed["lines"][1]["confirmed_quantity"], "2");
    let after = stack.stock(&tenant, "SKU-1", "malmo").await;
    // (on hand, reserved, available): only the product's 3 are reserved.
    assert_eq!((after.1 - before.1, after.2 - before.2), (dec("3"), dec("-3")), "{before:?} → {after:?}");
    let stored = stack.item(&format!("T#{tenant}#O#{id}"), "ORDER").await.expect("order");
    assert_eq!(s(&stored, "channel"), "phone");
    assert_eq!(confirmed["history"][0]["actor"].as_str().map(|a| a.starts_with("operator:")), Some(true));

    // The next order takes the next number.
    let next = stack
        .call(Method::POST, "/v1/orders", &operator, Some(&phone_order(json!([{"sku": "SKU-1", "quantity": "1"}]))))
        .await;
    assert_eq!(next.status, 201, "{}", next.body);
    let n: u64 = number[3..].parse().expect("a number");
    assert_eq!(next.body["order_number"], format!("SO-{:06}", n + 1));
}

#[tokio::test]
async fn staff_and_webshops_are_told_what_their_documents_lack() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let operator = stack.key_with_role(&tenant, Role::Operator).await;
    // Staff: a channel, no order number; a free-text line needs its price and VAT.
    let mut body = phone_order(json!([{"description": "Freight", "quantity": "1"}]));
    body["order_number"] = json!("MY-1");
    body["channel"] = json!("telex");
    let refused = stack.call(Method::POST, "/v1/orders", &operator, Some(&body)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.pointers(), vec!["/order_number", "/channel", "/lines/0/vat_rate", "/lines/0/unit_price"]);
    // A webshop names products only.
    let mut body = order_body("WS-FREE");
    body["lines"] = json!([{"description": "Gift wrapping", "quantity": "1", "unit_price": "5", "vat_rate": "25"}]);
    let refused = stack.post_json("/v1/orders", &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.pointers(), vec!["/lines/0/description"]);
    // A warehouse key enters no orders.
    let warehouse = stack.key_with_role(&tenant, Role::Warehouse).await;
    let denied = stack
        .call(Method::POST, "/v1/orders", &warehouse, Some(&phone_order(json!([{"sku": "SKU-1", "quantity": "1"}]))))
        .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    // Nothing was numbered or stored.
    assert!(stack.item(&format!("T#{tenant}#SEQ-ORDERS"), "SEQ").await.is_none());
}
