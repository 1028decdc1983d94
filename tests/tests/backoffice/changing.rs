//! Changing orders after they arrive: cancelling and closing, line changes before and after confirmation, merging
//! and splitting, with reservations kept exact.

use orders_domain::ids::Role;
use orders_domain::tenant::ResponsePolicy;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

use super::post_as;

#[tokio::test]
async fn cancelling_releases_every_reservation_and_closing_a_cancelled_order_conflicts() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-CANCEL");
    body["lines"] = json!([{"sku": "SKU-1", "quantity": 14}, {"sku": "SKU-2", "quantity": 5}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let tenant = &stack.tenant.id;
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, "12".parse().expect("dec"));
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let post = |path: String, key: String, body: Value| {
        let request = stack.request(Method::POST, &path, &key).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    let cancelled =
        post(format!("/v1/orders/{id}/cancellation"), operator.clone(), json!({"reason": "Buyer called"})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["lines"][0]["open_quantity"], "0");
    assert!(cancelled.body.get("reservations").is_none(), "{}", cancelled.body);
    let last = cancelled.body["history"].as_array().and_then(|h| h.last()).cloned().expect("history");
    assert_eq!((last["action"].as_str(), last["detail"].as_str()), (Some("cancelled"), Some("Buyer called")));
    assert!(last["actor"].as_str().is_some_and(|a| a.starts_with("operator:key_")));
    for (sku, warehouse) in [("SKU-1", "malmo"), ("SKU-1", "lulea"), ("SKU-2", "malmo")] {
        let (on_hand, reserved, available) = stack.stock(tenant, sku, warehouse).await;
        assert_eq!((reserved, available), ("0".parse().expect("dec"), on_hand), "{sku} in {warehouse} is back");
    }
    let again = post(format!("/v1/orders/{id}/cancellation"), operator.clone(), json!({})).await;
    assert_eq!((again.status, again.body["history"].as_array().map(Vec::len)), (200, Some(3)), "idempotent");
    let close = post(format!("/v1/orders/{id}/closure"), operator.clone(), json!({})).await;
    assert_eq!(close.status, 409, "{}", close.body);

    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;
    assert_eq!(post(format!("/v1/orders/{id}/closure"), warehouse, json!({})).await.status, 403);
    assert_eq!(post(format!("/v1/orders/{id}/cancellation"), stack.tenant.key.clone(), json!({})).await.status, 403);
    let missing =
        post("/v1/orders/ord_00000000000000000000000000000000/closure".into(), operator.clone(), json!({})).await;
    assert_eq!(missing.status, 404);
    let bad = post(format!("/v1/orders/{id}/closure"), operator.clone(), json!({"why": "x"})).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn an_order_cancelled_before_confirmation_is_never_reserved() {
    let stack = TestStack::start().await;
    let id = stack.post_json("/v1/orders", &order_body("WS-EARLY")).await.body["id"].as_str().expect("id").to_owned();
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let closed =
        Answer::from(stack.request(Method::POST, &format!("/v1/orders/{id}/closure"), &operator).send().await).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(stack.deliver_all().await.received, 1);
    assert_eq!(stack.order(&id).await["status"], "closed", "the late confirmation message changes nothing");
    assert_eq!(stack.stock(&stack.tenant.id, "SKU-1", "malmo").await.1, rust_decimal::Decimal::ZERO);
    assert!(stack.emails_for(&id).await.is_empty());
}

/// PATCHes `/v1/orders/{id}` as `key`, with an optional `If-Match`.
async fn patch_order(stack: &TestStack, id: &str, key: &str, if_match: Option<&str>, body: Value) -> Answer {
    let mut request = stack.request(Method::PATCH, &format!("/v1/orders/{id}"), key).json(&body);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    Answer::from(request.send().await).await
}

fn dec(value: &str) -> rust_decimal::Decimal {
    value.parse().expect("decimal")
}

#[tokio::test]
async fn a_change_after_acceptance_is_confirmed_again_with_adjusted_reservations_and_refused_after_shipment() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let id = stack.post_json("/v1/orders", &order_body("WS-CHANGE")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let read = stack.get(&format!("/v1/orders/{id}"), &operator).await;
    assert_eq!(read.body["status"], "accepted");
    let etag = read.header("etag").expect("an ETag").to_owned();
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("2"));
    assert_eq!(stack.stock(tenant, "SKU-3", "malmo").await.1, dec("1.5"));
    let emails_before = stack.emails_for(&id).await.len();

    let change = json!({
        "lines": [{"line_no": 1, "quantity": 5}],
        "remove_lines": [2],
        "add_lines": [{"sku": "SKU-4", "quantity": 2}],
        "reason": "Buyer called"
    });
    let stale = patch_order(&stack, &id, &operator, Some("\"999\""), change.clone()).await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let changed = patch_order(&stack, &id, &operator, Some(&etag), change).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["status"], "accepted");
    assert_ne!(changed.header("etag"), Some(etag.as_str()), "a new version");
    // C-1's 5 % discount stays on line 1 and applies to the new line: 5 × 349.00 − 87.25 = 1657.75 and
    // 2 × 6.50 − 0.65 = 12.35; 25 % VAT on 1670.10 = 417.53 (417.525 rounded half away from zero).
    let lines = changed.body["lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!((&lines[0]["line_net"], &lines[0]["confirmed_quantity"]), (&json!("1657.75"), &json!("5")));
    assert_eq!(
        (&lines[1]["line_no"], &lines[1]["sku"], &lines[1]["line_net"]),
        (&json!(3), &json!("SKU-4"), &json!("12.35"))
    );
    assert_eq!(changed.body["totals"]["gross"], "2087.63");
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("5"), "reservation raised");
    assert_eq!(stack.stock(tenant, "SKU-3", "malmo").await.1, dec("0"), "removed line released");
    assert_eq!(stack.stock(tenant, "SKU-4", "malmo").await.1, dec("2"), "added line reserved");
    let actions: Vec<&str> =
        changed.body["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert!(actions.ends_with(&["changed", "accepted"]), "{actions:?}");
    assert_eq!(stack.emails_for(&id).await.len(), emails_before + 1, "the buyer hears of the change once");

    // More than the stock: accepted with changes, the reservation capped at what is there (SKU-4: 3 in Malmö).
    let short = patch_order(&stack, &id, &operator, None, json!({"lines": [{"line_no": 3, "quantity": 10}]})).await;
    assert_eq!(short.status, 200, "{}", short.body);
    assert_eq!(short.body["status"], "accepted_with_changes");
    assert_eq!(short.body["lines"][1]["confirmed_quantity"], "3");
    assert_eq!(stack.stock(tenant, "SKU-4", "malmo").await.1, dec("3"));

    // Bad input points at the field; other roles and tenants are refused.
    let bad = patch_order(&stack, &id, &operator, None, json!({"lines": [{"line_no": 9, "quantity": 1}]})).await;
    assert_eq!((bad.status, bad.pointers()), (422, vec!["/lines/0/line_no".to_owned()]));
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;
    let body = json!({"lines": [{"line_no": 1, "quantity": 1}]});
    assert_eq!(patch_order(&stack, &id, &warehouse, None, body.clone()).await.status, 403);
    assert_eq!(patch_order(&stack, &id, &stack.tenant.key, None, body.clone()).await.status, 403);
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(patch_order(&stack, &id, &other_operator, None, body.clone()).await.status, 404);

    // Once something shipped, neither a change nor a cancellation.
    let despatched = post_as(
        &stack,
        &format!("/v1/orders/{id}/despatches"),
        &warehouse,
        json!({"despatch_number": "D-CHANGE", "lines": [{"line_no": 1, "quantity": 1}]}),
    )
    .await;
    assert_eq!(despatched.status, 201, "{}", despatched.body);
    stack.deliver_all().await;
    let late = patch_order(&stack, &id, &operator, None, body).await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body["detail"].as_str().is_some_and(|d| d.contains("shipments")));
    let cancel =
        Answer::from(stack.request(Method::POST, &format!("/v1/orders/{id}/cancellation"), &operator).send().await)
            .await;
    assert_eq!(cancel.status, 409);
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("4"), "one shipped, nothing released");
}

#[tokio::test]
async fn a_change_before_confirmation_is_confirmed_by_the_pending_event_and_manual_tenants_answer_again() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let id = stack.post_json("/v1/orders", &order_body("WS-EARLY")).await.body["id"].as_str().expect("id").to_owned();
    let early = patch_order(&stack, &id, &operator, None, json!({"lines": [{"line_no": 1, "quantity": 3}]})).await;
    assert_eq!((early.status, &early.body["status"]), (200, &json!("received")), "{}", early.body);
    stack.deliver_all().await;
    let confirmed = stack.order(&id).await;
    assert_eq!(confirmed["status"], "accepted");
    assert_eq!(confirmed["lines"][0]["confirmed_quantity"], "3");
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("3"));

    // A manual-response tenant: the changed order waits for a new answer, its reservations released meanwhile.
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let changed = patch_order(&stack, &id, &operator, None, json!({"lines": [{"line_no": 1, "quantity": 4}]})).await;
    assert_eq!(changed.body["status"], "pending_response", "{}", changed.body);
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("0"));
    let answer = Answer::from(
        stack
            .request(Method::POST, &format!("/v1/orders/{id}/response"), &operator)
            .json(&json!({"decision": "accept"}))
            .send()
            .await,
    )
    .await;
    assert_eq!((answer.status, &answer.body["status"]), (200, &json!("accepted")), "{}", answer.body);
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("4"));
    assert_eq!(stack.stock(tenant, "SKU-3", "malmo").await.1, dec("1.5"));
}

fn quantities(order: &Value) -> Vec<(String, String)> {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| (l["sku"].as_str().expect("sku").to_owned(), l["quantity"].as_str().expect("quantity").to_owned()))
        .collect()
}

#[tokio::test]
async fn merge_and_split_keep_quantities_reservations_and_references_exact() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let a = stack.post_json("/v1/orders", &order_body("WS-M1")).await.body["id"].as_str().expect("id").to_owned();
    let mut second = order_body("WS-M2");
    second["lines"] = json!([{"sku": "SKU-2", "quantity": 3}]);
    second["notes"] = json!("Ring twice");
    let b = stack.post_json("/v1/orders", &second).await.body["id"].as_str().expect("id").to_owned();
    let mut other_buyer = order_body("WS-M3");
    other_buyer["buyer"] = json!({"customer_id": "C-2"});
    let c = stack.post_json("/v1/orders", &other_buyer).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let stack = &stack;
    let reserved = |sku: &'static str| async move { stack.stock(tenant, sku, "malmo").await.1 };
    assert_eq!((reserved("SKU-1").await, reserved("SKU-2").await), (dec("4"), dec("3")));
    let (net_a, net_b) =
        (stack.order(&a).await["totals"]["net"].clone(), stack.order(&b).await["totals"]["net"].clone());

    let mismatch = post_as(stack, "/v1/orders/merge", &operator, json!({"order_ids": [a, c]})).await;
    assert_eq!((mismatch.status, mismatch.pointers()), (422, vec!["/order_ids/1".to_owned()]), "{}", mismatch.body);
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;
    assert_eq!(post_as(stack, "/v1/orders/merge", &warehouse, json!({"order_ids": [a, b]})).await.status, 403);
    let merged =
        post_as(stack, "/v1/orders/merge", &operator, json!({"order_ids": [a, b], "reason": "One delivery"})).await;
    assert_eq!(merged.status, 201, "{}", merged.body);
    let m = merged.body["id"].as_str().expect("id").to_owned();
    assert_eq!(merged.header("location"), Some(format!("/v1/orders/{m}").as_str()));
    assert_eq!(merged.body["status"], "accepted");
    assert_eq!(
        quantities(&merged.body),
        [("SKU-1".into(), "2".into()), ("SKU-3".into(), "1.5".into()), ("SKU-2".into(), "3".into())]
    );
    assert_eq!(merged.body["references"]["merged_from"], json!([a, b]));
    let net = |v: &Value| dec(v.as_str().expect("net"));
    assert_eq!(net(&merged.body["totals"]["net"]), net(&net_a) + net(&net_b));
    assert_eq!(merged.body["notes"], "Leave at the reception\nRing twice");
    for source in [&a, &b] {
        let order = stack.order(source).await;
        assert_eq!((&order["status"], &order["references"]["merged_into"]), (&json!("cancelled"), &json!(m)));
    }
    // C's 2 SKU-1 plus the merged order's 2; nothing released and reserved anew.
    assert_eq!((reserved("SKU-1").await, reserved("SKU-2").await), (dec("4"), dec("3")));
    assert_eq!(reserved("SKU-3").await, dec("3"));
    let again = post_as(stack, "/v1/orders/merge", &operator, json!({"order_ids": [a, m]})).await;
    assert_eq!(again.status, 409, "a cancelled source: {}", again.body);

    // Split: one of the two desks and the whole lamp line move to a new order.
    let split_path = format!("/v1/orders/{m}/split");
    let body = json!({"lines": [{"line_no": 1, "quantity": 1}, {"line_no": 3}], "reason": "Lamps ship separately"});
    let stale = Answer::from(
        stack.request(Method::POST, &split_path, &operator).header("if-match", "\"99\"").json(&body).send().await,
    )
    .await;
    assert_eq!(stale.status, 412);
    let all =
        post_as(stack, &split_path, &operator, json!({"lines": [{"line_no": 1}, {"line_no": 2}, {"line_no": 3}]}))
            .await;
    assert_eq!((all.status, all.pointers()), (422, vec!["/lines".to_owned()]));
    let split = post_as(stack, &split_path, &operator, body).await;
    assert_eq!(split.status, 201, "{}", split.body);
    let s = split.body["id"].as_str().expect("id").to_owned();
    assert_eq!(quantities(&split.body), [("SKU-1".into(), "1".into()), ("SKU-2".into(), "3".into())]);
    assert_eq!(split.body["references"]["split_from"], json!(m));
    assert_eq!(split.body["status"], "accepted");
    let kept = stack.order(&m).await;
    assert_eq!(quantities(&kept), [("SKU-1".into(), "1".into()), ("SKU-3".into(), "1.5".into())]);
    assert_eq!(kept["references"]["split_into"], json!([s]));
    assert_eq!(net(&kept["totals"]["net"]) + net(&split.body["totals"]["net"]), net(&merged.body["totals"]["net"]));
    assert_eq!(
        (reserved("SKU-1").await, reserved("SKU-2").await, reserved("SKU-3").await),
        (dec("4"), dec("3"), dec("3"))
    );

    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(post_as(stack, &split_path, &other_operator, json!({"lines": [{"line_no": 1}]})).await.status, 404);
    assert_eq!(post_as(stack, "/v1/orders/merge", &other_operator, json!({"order_ids": [m, s]})).await.status, 404);
}
