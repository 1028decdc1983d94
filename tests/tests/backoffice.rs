//! The back office's order list against the emulator: exact sets over two tenants, newest first, filters,
//! signed cursors and roles.

use std::collections::BTreeSet;

use orders_domain::ids::Role;
use orders_domain::tenant::ResponsePolicy;
use orders_testkit::{order_body, Answer, Tenant, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// Posts `count` orders for `tenant` in one batch; every third one asks for an out-of-stock item (rejected on
/// confirmation). Returns the ids with the SKU each asked for.
async fn post_orders(stack: &TestStack, tenant: &Tenant, prefix: &str, count: usize) -> Vec<(String, &'static str)> {
    let orders: Vec<Value> = (0..count)
        .map(|i| {
            let mut body = order_body(&format!("{prefix}-{i:03}"));
            let sku = if i % 3 == 0 { "SKU-5" } else { "SKU-2" };
            body["lines"] = json!([{"sku": sku, "quantity": 1}]);
            body
        })
        .collect();
    let answer = Answer::from(
        stack.request(Method::POST, "/v1/orders/batch", &tenant.key).json(&json!({ "orders": orders })).send().await,
    )
    .await;
    assert_eq!(answer.body["summary"]["created"], count, "{}", answer.body);
    answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .enumerate()
        .map(|(i, r)| (r["order"]["id"].as_str().expect("id").to_owned(), if i % 3 == 0 { "SKU-5" } else { "SKU-2" }))
        .collect()
}

/// Every page of `GET /v1/orders{query}` as `key`.
async fn list_all(stack: &TestStack, key: &str, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let separator = if query.is_empty() { "?" } else { "&" };
        let path = match &cursor {
            None => format!("/v1/orders{query}"),
            Some(c) => format!("/v1/orders{query}{separator}cursor={c}"),
        };
        let page = stack.get(&path, key).await;
        assert_eq!(page.status, 200, "{}", page.body);
        rows.extend(page.body["items"].as_array().expect("items").iter().cloned());
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return rows;
        }
    }
    panic!("no end of the listing");
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn the_order_list_returns_exactly_the_tenants_orders_newest_first_with_filters() {
    let stack = TestStack::start().await;
    let a = stack.tenant.clone();
    let b = stack.new_tenant().await;
    let confirmed = post_orders(&stack, &a, "A", 30).await;
    let others = post_orders(&stack, &b, "B", 12).await;
    stack.deliver_all().await;
    let waiting = post_orders(&stack, &a, "A2", 7).await;

    let operator = stack.key_with_role(&a.id, Role::Operator).await;
    let rows = list_all(&stack, &operator, "?limit=7").await;
    let expected: BTreeSet<String> = confirmed.iter().chain(&waiting).map(|(id, _)| id.clone()).collect();
    assert_eq!(rows.len(), expected.len(), "no duplicates across pages");
    assert_eq!(ids(&rows), expected);
    assert!(
        ids(&rows).is_disjoint(&others.iter().map(|(id, _)| id.clone()).collect()),
        "never the other tenant's orders"
    );
    let received: Vec<&str> = rows.iter().map(|r| r["received_at"].as_str().expect("received_at")).collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first: {received:?}");

    let rejected: BTreeSet<String> =
        confirmed.iter().filter(|(_, sku)| *sku == "SKU-5").map(|(id, _)| id.clone()).collect();
    let waiting_ids: BTreeSet<String> = waiting.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids(&list_all(&stack, &operator, "?status=rejected&limit=4").await), rejected);
    let both = list_all(&stack, &operator, "?status=rejected,received&limit=5").await;
    assert_eq!(ids(&both), rejected.union(&waiting_ids).cloned().collect());
    assert!(both.iter().all(|r| r["status"] == "rejected" || r["status"] == "received"));
    let row = &both[0];
    assert!(row["buyer"]["name"].is_string() && row["gross"].is_string() && row["order_number"].is_string());

    let warehouse = stack.key_with_role(&a.id, Role::Warehouse).await;
    assert_eq!(stack.get("/v1/orders?limit=1", &warehouse).await.status, 200);
}

#[tokio::test]
async fn the_order_list_refuses_webshops_strangers_and_foreign_cursors() {
    let stack = TestStack::start().await;
    post_orders(&stack, &stack.tenant, "A", 3).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    assert_eq!(stack.get("/v1/orders", &stack.tenant.key).await.status, 403, "webshop key");
    assert_eq!(stack.get("/v1/orders", "oop_unknown").await.status, 401);
    let page = stack.get("/v1/orders?limit=1", &operator).await;
    let cursor = page.body["next_cursor"].as_str().expect("more pages").to_owned();
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(
        stack.get(&format!("/v1/orders?cursor={cursor}"), &other_operator).await.status,
        400,
        "bound to its tenant"
    );
    assert_eq!(
        stack.get(&format!("/v1/orders?status=received&cursor={cursor}"), &operator).await.status,
        400,
        "bound to its filter"
    );
    let bad = stack.get("/v1/orders?status=shipped", &operator).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["errors"][0]["parameter"], "status");
    assert_eq!(stack.get("/v1/orders?limit=500", &operator).await.status, 400);
    assert_eq!(
        stack.request(Method::DELETE, "/v1/orders", &operator).send().await.expect("send").status().as_u16(),
        404,
        "not a route of the template"
    );
}

#[tokio::test]
async fn staff_see_an_orders_reservations_and_webshops_do_not() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-DETAIL");
    body["lines"] = json!([{"sku": "SKU-1", "quantity": 13}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let staff = stack.get(&format!("/v1/orders/{id}"), &warehouse).await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    assert_eq!(
        staff.body["reservations"],
        json!([
            {"sku": "SKU-1", "warehouse": "lulea", "quantity": "1"},
            {"sku": "SKU-1", "warehouse": "malmo", "quantity": "12"}
        ])
    );
    assert_eq!(staff.body["history"].as_array().map(Vec::len), Some(2));
    let webshop = stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await;
    assert!(webshop.body.get("reservations").is_none(), "{}", webshop.body);
    let other = stack.new_tenant().await;
    let stranger = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(stack.get(&format!("/v1/orders/{id}"), &stranger).await.status, 404);
}

#[tokio::test]
async fn a_customers_order_history_is_newest_first_and_paged() {
    let stack = TestStack::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut body = order_body(&format!("HIST-{i}"));
        body["buyer"] = json!({"customer_id": "C-2"});
        ids.push(stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.post_json("/v1/orders", &order_body("OTHER-CUSTOMER")).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let first = stack.get("/v1/customers/C-2/orders?limit=3", &operator).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let second = stack.get(&format!("/v1/customers/C-2/orders?limit=3&cursor={cursor}"), &operator).await;
    let listed: Vec<String> = first.body["items"]
        .as_array()
        .into_iter()
        .chain(second.body["items"].as_array())
        .flatten()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.reverse();
    assert_eq!(listed, ids, "exactly C-2's orders, newest first");
    assert_eq!(stack.get("/v1/customers/C-404/orders", &operator).await.status, 404);
    assert_eq!(
        stack.get(&format!("/v1/customers/C-1/orders?cursor={cursor}"), &operator).await.status,
        400,
        "cursor bound to its customer"
    );
    assert_eq!(stack.get("/v1/customers/C-2/orders", &stack.tenant.key).await.status, 403);
}

#[tokio::test]
async fn warehouse_staff_set_stock_and_see_reorder_suggestions() {
    let stack = TestStack::start().await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let put = |path: &str, body: Value| {
        let request = stack.request(Method::PUT, path, &warehouse).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    // Reserve 2 of SKU-4 (3 on hand, minimum 5): a reorder suggestion.
    let mut body = order_body("WS-STOCK");
    body["lines"] = json!([{"sku": "SKU-4", "quantity": 2}]);
    stack.post_json("/v1/orders", &body).await;
    stack.deliver_all().await;
    let suggestions = stack.get("/v1/reorder-suggestions", &warehouse).await;
    assert_eq!(suggestions.status, 200, "{}", suggestions.body);
    assert_eq!(suggestions.body["items"][0]["sku"], "SKU-4");
    assert_eq!(suggestions.body["items"][0]["available_quantity"], "1");

    let set = put("/v1/stock/SKU-4/malmo", json!({"on_hand": "20"})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(
        (set.body["on_hand"].as_str(), set.body["reserved"].as_str(), set.body["available_quantity"].as_str()),
        (Some("20"), Some("2"), Some("18"))
    );
    let catalogue = stack.get("/v1/products?limit=10", &stack.tenant.key).await;
    let notebook =
        catalogue.body["items"].as_array().expect("items").iter().find(|p| p["sku"] == "SKU-4").expect("SKU-4").clone();
    assert_eq!(notebook["available_quantity"], "18", "webshops see it at once");

    let negative = put("/v1/stock/SKU-4/malmo", json!({"on_hand": -1})).await;
    assert_eq!((negative.status, negative.body["errors"][0]["pointer"].as_str()), (422, Some("/on_hand")));
    let lot = put("/v1/stock/SKU-4/malmo", json!({"on_hand": 1, "lot": "L1"})).await;
    assert_eq!(
        (lot.status, lot.body["errors"][0]["pointer"].as_str()),
        (422, Some("/lot")),
        "SKU-4 is not lot-tracked"
    );
    assert_eq!(put("/v1/stock/SKU-404/malmo", json!({"on_hand": 1})).await.status, 404);
    assert_eq!(put("/v1/stock/SKU-4/paris", json!({"on_hand": 1})).await.status, 404);
    let webshop = Answer::from(
        stack
            .request(Method::PUT, "/v1/stock/SKU-4/malmo", &stack.tenant.key)
            .json(&json!({"on_hand": 1}))
            .send()
            .await,
    )
    .await;
    assert_eq!(webshop.status, 403);
    let not_json =
        Answer::from(stack.request(Method::PUT, "/v1/stock/SKU-4/malmo", &warehouse).body("on_hand=1").send().await)
            .await;
    assert_eq!(not_json.status, 415);
}

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

#[tokio::test]
async fn buyer_visible_notes_reach_the_webshop_and_the_next_buyer_email() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-NOTES");
    body["lines"] = json!([{"sku": "SKU-4", "quantity": 5}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let note = |text: &str, visibility: &str| {
        let request = stack
            .request(Method::POST, &format!("/v1/orders/{id}/notes"), &warehouse)
            .json(&json!({"text": text, "visibility": visibility}));
        async move { Answer::from(request.send().await).await }
    };
    let added = note("Tillfälligt slut <b>i lager</b>, mer kommer vecka 50", "buyer").await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["visibility"], "buyer");
    assert_eq!(note("Call the supplier", "internal").await.status, 201);
    assert_eq!(note("", "buyer").await.status, 422);
    assert_eq!(note("x", "everyone").await.body["errors"][0]["pointer"], "/visibility");
    stack.deliver_all().await;

    let buyer = stack
        .emails_for(&id)
        .await
        .into_iter()
        .find(|e| e.destinations.iter().any(|d| d.contains("inkop@")))
        .expect("buyer email");
    let (text, html) = orders_testkit::mime_parts(&buyer.raw_data);
    assert!(text.contains("Meddelande från oss") && text.contains("Tillfälligt slut <b>i lager</b>"), "{text}");
    assert!(html.contains("Tillfälligt slut &#60;b&#62;i lager&#60;/b&#62;"), "{html}");
    assert!(!text.contains("Call the supplier"), "internal notes stay internal");

    let staff = stack.get(&format!("/v1/orders/{id}"), &warehouse).await;
    assert_eq!(staff.body["seller_notes"].as_array().map(Vec::len), Some(2));
    let webshop = stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await;
    assert_eq!(webshop.body["seller_notes"].as_array().map(Vec::len), Some(1));
    assert!(staff.body["history"].as_array().expect("history").iter().any(|h| h["action"] == "note_added"));
    let webshop_note = Answer::from(
        stack
            .request(Method::POST, &format!("/v1/orders/{id}/notes"), &stack.tenant.key)
            .json(&json!({"text": "hi"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(webshop_note.status, 403);
}

#[tokio::test]
async fn operators_keep_the_catalogue_and_customer_prices_and_intake_prices_with_them() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let put = |path: &str, key: &str, body: Value| {
        let request = stack.request(Method::PUT, path, key).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    let saved = put("/v1/products/CHAIR-9", &operator, json!({"name": "Chair", "price": "120.00", "vat_category": "S", "vat_rate": "25", "cost_price": 70, "min_stock": 2})).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!((saved.body["price"].as_str(), saved.body["currency"].as_str()), (Some("120.00"), Some("EUR")));
    let bad = put(
        "/v1/products/CHAIR-9",
        &operator,
        json!({"name": "Chair", "price": "1.123456", "vat_category": "Z", "vat_rate": 25}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.pointers(), ["/price", "/vat_rate"]);
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    assert_eq!(
        put("/v1/products/CHAIR-9", &warehouse, json!({})).await.status,
        403,
        "warehouse staff cannot change prices"
    );

    let agreed =
        put("/v1/customers/C-1/prices/CHAIR-9", &operator, json!({"price": "100", "discount": {"amount": "5"}})).await;
    assert_eq!(agreed.status, 200, "{}", agreed.body);
    assert_eq!(put("/v1/customers/C-404/prices/CHAIR-9", &operator, json!({"price": 1})).await.status, 404);
    assert_eq!(put("/v1/customers/C-1/prices/NOPE", &operator, json!({"price": 1})).await.status, 404);
    assert_eq!(put("/v1/customers/C-1/prices/CHAIR-9", &warehouse, json!({"price": 1})).await.status, 403);

    // The webshop's next order is priced with them: 2 × 100.00 − 5.00 = 195.00.
    let mut body = order_body("WS-CHAIR");
    body["lines"] = json!([{"sku": "CHAIR-9", "quantity": 2}]);
    let posted = stack.post_json("/v1/orders", &body).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(posted.body["lines"][0]["unit_price"], "100");
    assert_eq!(posted.body["lines"][0]["price_source"], "customer");
    assert_eq!(posted.body["lines"][0]["line_net"], "195.00");
}

#[tokio::test]
async fn a_manual_response_with_freight_and_a_discount_has_exact_totals_one_email_and_history() {
    let stack = TestStack::start().await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let mut body = order_body("WS-MANUAL");
    body["buyer"] = json!({"customer_id": "C-2"});
    body["lines"] = json!([{"sku": "SKU-2", "quantity": 4}, {"sku": "SKU-3", "quantity": 10}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "pending_response");

    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let respond = |body: Value, key: String| {
        let request = stack.request(Method::POST, &format!("/v1/orders/{id}/response"), &key).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    let answer = json!({
        "decision": "accept_with_changes",
        "lines": [{"line_no": 2, "confirmed_quantity": 8, "note": "Two bags short"}],
        "charges": [{"reason": "Freight", "amount": "49.00", "vat_category": "S", "vat_rate": "25"}],
        "allowances": [{"reason": "Loyalty", "percent": "5", "vat_category": "S", "vat_rate": "25"}]
    });
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    assert_eq!(respond(answer.clone(), warehouse).await.status, 403, "warehouse staff cannot respond");
    let responded = respond(answer.clone(), operator.clone()).await;
    assert_eq!(responded.status, 200, "{}", responded.body);
    assert_eq!(responded.body["status"], "accepted_with_changes");
    // C-2's agreed lamp price 45.00 × 4 = 180.00 (25 %); coffee 18.95 × 10 = 189.50 (12 %); lines 369.50.
    // Allowance 5 % of 369.50 = 18.48 (25 %), freight 49.00 (25 %): 25 % base 180.00 − 18.48 + 49.00 = 210.52 → VAT
    // 52.63; 12 % base 189.50 → VAT 22.74; gross 369.50 − 18.48 + 49.00 + 75.37 = 475.39.
    assert_eq!(
        responded.body["totals"],
        json!({"net": "369.50", "allowances": "18.48", "charges": "49.00", "vat": "75.37", "gross": "475.39"})
    );
    assert_eq!(responded.body["lines"][1]["confirmed_quantity"], "8");
    assert_eq!(responded.body["lines"][1]["line_status"], "changed");
    let last = responded.body["history"].as_array().and_then(|h| h.last()).cloned().expect("history");
    assert_eq!(last["action"], "accepted_with_changes");
    assert!(last["actor"].as_str().is_some_and(|a| a.starts_with("operator:")));
    let tenant = &stack.tenant.id;
    assert_eq!(stack.stock(tenant, "SKU-2", "malmo").await.1, "4".parse().expect("dec"));
    assert_eq!(stack.stock(tenant, "SKU-3", "malmo").await.1, "8".parse().expect("dec"));

    let emails = stack.emails_for(&id).await;
    let buyer: Vec<_> = emails.iter().filter(|e| e.destinations.iter().any(|d| d.contains("einkauf@"))).collect();
    assert_eq!(buyer.len(), 1, "one buyer email");
    assert!(buyer[0].header("Message-ID").is_some_and(|m| m.contains("buyer_order_accepted_with_changes")));
    let (text, _) = orders_testkit::mime_parts(&buyer[0].raw_data);
    assert!(text.contains("475,39"), "{text}");

    let again = respond(answer, operator.clone()).await;
    assert_eq!(again.status, 409, "answered already");
    assert_eq!(stack.emails_for(&id).await.len(), emails.len());
}

#[tokio::test]
async fn a_manual_acceptance_without_the_stock_is_refused_and_a_rejection_needs_a_reason() {
    let stack = TestStack::start().await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let mut body = order_body("WS-SHORT-MANUAL");
    body["lines"] = json!([{"sku": "SKU-4", "quantity": 5}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let respond = |body: Value| {
        let request = stack.request(Method::POST, &format!("/v1/orders/{id}/response"), &operator).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    let accept = respond(json!({"decision": "accept"})).await;
    assert_eq!(accept.status, 409, "{}", accept.body);
    assert_eq!(
        stack.stock(&stack.tenant.id, "SKU-4", "malmo").await.1,
        rust_decimal::Decimal::ZERO,
        "nothing reserved"
    );
    assert_eq!(respond(json!({"decision": "reject"})).await.pointers(), ["/reason"]);
    let rejected = respond(json!({"decision": "reject", "reason": "Discontinued"})).await;
    assert_eq!((rejected.status, rejected.body["status"].as_str()), (200, Some("rejected")));
    assert_eq!(rejected.body["response_reason"], "Discontinued");
}

/// One order of the 300-order listing test: what the test knows about it to compute every expected set.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    number: String,
    buyer: &'static str,
    express: bool,
    second_sku: bool,
    rejected: bool,
    confirmed: bool,
}

/// Posts `count` orders numbered `{prefix}-{i:03}` in one batch: buyers rotate over C-1, C-2 and two inline
/// buyers, every fifth is express, every third asks for the out-of-stock SKU-5 (rejected when confirmed), and the
/// others for SKU-2 (plus SKU-3 on every third).
async fn post_varied(stack: &TestStack, key: &str, prefix: &str, range: std::ops::Range<usize>) -> Vec<Known> {
    let lina = json!({"name": "Lina Berg", "email": "lina@example.se"});
    let olof = json!({"name": "Olof Ek", "email": "olof@example.se"});
    let plan: Vec<(usize, Value, &'static str)> = range
        .map(|i| {
            let mut body = order_body(&format!("{prefix}-{i:03}"));
            let (buyer, name) = match i % 4 {
                0 => (json!({"customer_id": "C-1"}), "C-1"),
                1 => (json!({"customer_id": "C-2"}), "C-2"),
                2 => (lina.clone(), "lina"),
                _ => (olof.clone(), "olof"),
            };
            body["buyer"] = buyer;
            body["type"] = json!(if i % 5 == 0 { "express" } else { "purchase" });
            body["lines"] = match i % 3 {
                0 => json!([{"sku": "SKU-5", "quantity": 1}]),
                1 => json!([{"sku": "SKU-2", "quantity": 1}]),
                _ => json!([{"sku": "SKU-2", "quantity": 1}, {"sku": "SKU-3", "quantity": 1}]),
            };
            (i, body, name)
        })
        .collect();
    let orders: Vec<&Value> = plan.iter().map(|(_, body, _)| body).collect();
    let answer = Answer::from(
        stack.request(Method::POST, "/v1/orders/batch", key).json(&json!({ "orders": orders })).send().await,
    )
    .await;
    assert_eq!(answer.body["summary"]["created"], plan.len(), "{}", answer.body);
    let results = answer.body["results"].as_array().expect("results");
    plan.iter()
        .zip(results)
        .map(|((i, _, buyer), result)| Known {
            id: result["order"]["id"].as_str().expect("id").to_owned(),
            number: format!("{prefix}-{i:03}"),
            buyer,
            express: i % 5 == 0,
            second_sku: i % 3 == 2,
            rejected: i % 3 == 0,
            confirmed: false,
        })
        .collect()
}

fn set_of<'a>(orders: impl IntoIterator<Item = &'a Known>) -> BTreeSet<String> {
    orders.into_iter().map(|k| k.id.clone()).collect()
}

#[tokio::test]
async fn three_hundred_orders_of_two_tenants_list_filter_search_and_page_exactly() {
    let stack = TestStack::start().await;
    let a = stack.tenant.clone();
    let b = stack.new_tenant().await;
    let (op_a, op_b) =
        (stack.key_with_role(&a.id, Role::Operator).await, stack.key_with_role(&b.id, Role::Operator).await);
    for (tenant, operator) in [(&a, &op_a), (&b, &op_b)] {
        let put = Answer::from(
            stack.request(Method::PUT, "/v1/stock/SKU-2/malmo", operator).json(&json!({"on_hand": 1000})).send().await,
        )
        .await;
        assert_eq!(put.status, 200, "{} {}", tenant.id, put.body);
    }
    let mut first_a = post_varied(&stack, &a.key, "A", 0..90).await;
    let mut first_b = post_varied(&stack, &b.key, "B", 0..60).await;
    stack.deliver_all().await;
    for known in first_a.iter_mut().chain(first_b.iter_mut()) {
        known.confirmed = true;
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second_a = post_varied(&stack, &a.key, "A", 90..180).await;
    let second_b = post_varied(&stack, &b.key, "B", 60..120).await;
    let all_a: Vec<Known> = first_a.iter().chain(&second_a).cloned().collect();
    let all_b: Vec<Known> = first_b.iter().chain(&second_b).cloned().collect();
    assert_eq!(all_a.len() + all_b.len(), 300);

    // Everything, in pages of 37: each of A's 180 orders once, newest first, none of B's.
    let rows = list_all(&stack, &op_a, "?limit=37").await;
    assert_eq!(rows.len(), 180);
    assert_eq!(ids(&rows), set_of(&all_a));
    let received: Vec<&str> = rows.iter().map(|r| r["received_at"].as_str().expect("received_at")).collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(ids(&list_all(&stack, &op_b, "").await), set_of(&all_b));

    let expect = |query: &str, wanted: BTreeSet<String>| (query.to_owned(), wanted);
    let status_of = |k: &Known| match (k.confirmed, k.rejected) {
        (false, _) => "received",
        (true, true) => "rejected",
        (true, false) => "accepted",
    };
    let cases = vec![
        expect("?status=accepted,received&limit=50", set_of(all_a.iter().filter(|k| status_of(k) != "rejected"))),
        expect("?status=rejected&limit=9", set_of(all_a.iter().filter(|k| status_of(k) == "rejected"))),
        expect("?type=express&limit=7", set_of(all_a.iter().filter(|k| k.express))),
        expect("?customer_id=C-2&limit=6", set_of(all_a.iter().filter(|k| k.buyer == "C-2"))),
        expect(
            "?customer_id=C-1&status=rejected,received&limit=4",
            set_of(all_a.iter().filter(|k| k.buyer == "C-1" && status_of(k) != "accepted")),
        ),
        expect(&format!("?received_from={between}&limit=40"), set_of(&second_a)),
        expect(&format!("?received_to={between}&limit=40"), set_of(&first_a)),
        expect("?q=A-007", set_of(all_a.iter().filter(|k| k.number == "A-007"))),
        expect("?q=B-007", BTreeSet::new()),
        expect("?q=lina&limit=10", set_of(all_a.iter().filter(|k| k.buyer == "lina"))),
        expect("?q=B%C3%BCRO%20schmidt&limit=10", set_of(all_a.iter().filter(|k| k.buyer == "C-2"))),
        expect("?q=SKU-3&limit=11", set_of(all_a.iter().filter(|k| k.second_sku))),
        expect(
            "?q=SKU-3&type=express&status=accepted&limit=2",
            set_of(all_a.iter().filter(|k| k.second_sku && k.express && status_of(k) == "accepted")),
        ),
        expect(&format!("?q={}", all_a[5].id), set_of([&all_a[5]])),
        expect(&format!("?q={}", all_b[5].id), BTreeSet::new()),
        expect("?received_from=2000-01-01&received_to=2000-12-31", BTreeSet::new()),
    ];
    for (query, wanted) in cases {
        let rows = list_all(&stack, &op_a, &query).await;
        assert_eq!(rows.len(), wanted.len(), "{query}: no duplicates");
        assert_eq!(ids(&rows), wanted, "{query}");
        let received: Vec<&str> = rows.iter().map(|r| r["received_at"].as_str().expect("received_at")).collect();
        assert!(received.windows(2).all(|w| w[0] >= w[1]), "{query}: newest first");
    }
    assert!(
        !set_of(all_a.iter().filter(|k| k.second_sku && k.express)).is_empty(),
        "the combined case selects something"
    );

    for bad in [
        "?type=pallet",
        "?customer_id=a%23b",
        "?received_from=yesterday",
        "?sort=oldest",
        "?received_from=2026-02-01&received_to=2026-01-01",
    ] {
        let answer = stack.get(&format!("/v1/orders{bad}"), &op_a).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(answer.body["errors"][0]["parameter"].is_string(), "{bad}: {}", answer.body);
    }
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

/// POSTs `body` to `path` as `key`.
async fn post_as(stack: &TestStack, path: &str, key: &str, body: Value) -> Answer {
    Answer::from(stack.request(Method::POST, path, key).json(&body).send().await).await
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

#[tokio::test]
async fn a_buyer_email_ses_refused_in_the_back_office_is_sent_once_by_the_relay() {
    let stack = TestStack::start_with(|stack| {
        stack.with_env("BackofficeFunction", "ORDERS_FAULT_SES", "1").with_env(
            "RelayFunction",
            "RELAY_AFTER_SECONDS",
            "0",
        )
    })
    .await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let id = stack.post_json("/v1/orders", &order_body("WS-SES")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let seller_emails = stack.emails_for(&id).await.len();
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let answer = post_as(&stack, &format!("/v1/orders/{id}/response"), &operator, json!({"decision": "accept"})).await;
    assert_eq!((answer.status, &answer.body["status"]), (200, &json!("accepted")), "the answer is stored");
    assert_eq!(stack.emails_for(&id).await.len(), seller_emails, "SES refused the buyer email");
    let record = stack
        .partition(&format!("T#{}#O#{id}", stack.tenant.id))
        .await
        .into_iter()
        .find(|item| orders_testkit::s(item, "SK").starts_with("M#buyer_order_accepted#"))
        .expect("an email record");
    assert_eq!(orders_testkit::s(&record, "status"), "sending");

    let relay = stack.stack.relay().expect("relay");
    let report = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    assert_eq!((report.unsent_email_orders, report.email_failures), (1, 0), "{report:?}");
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), seller_emails + 1);
    assert!(emails.iter().any(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_order_accepted"))));
    let again = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    assert_eq!(again.unsent_email_orders, 0, "sent records leave the outbox index");
    assert_eq!(stack.emails_for(&id).await.len(), seller_emails + 1, "once");
}

#[tokio::test]
async fn operators_keep_customer_master_data_and_intake_applies_the_customers_discount() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let customer = json!({
        "name": "Nio Byggvaror AB", "email": "inkop@nio.example", "language": "sv", "vat_id": "SE556677889901",
        "address": {"name": "Nio Byggvaror AB", "street": "Hamngatan 9", "city": "Luleå", "postal_code": "972 31", "country": "SE"},
        "discount": {"percent": "10"}
    });
    let put =
        Answer::from(stack.request(Method::PUT, "/v1/customers/C-9", &operator).json(&customer).send().await).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let read = stack.get("/v1/customers/C-9", &operator).await;
    assert_eq!(
        (read.status, &read.body["discount"], &read.body["email"]),
        (200, &json!({"percent": "10"}), &json!("inkop@nio.example"))
    );

    let mut body = order_body("WS-C9");
    body["buyer"] = json!({"customer_id": "C-9"});
    body["lines"] = json!([{"sku": "SKU-2", "quantity": 2}]);
    let order = stack.post_json("/v1/orders", &body).await;
    assert_eq!(order.status, 201, "{}", order.body);
    // 2 × 49.90 = 99.80, 10 % off = 9.98 → 89.82
    assert_eq!(
        (&order.body["lines"][0]["allowance"], &order.body["lines"][0]["line_net"]),
        (&json!("9.98"), &json!("89.82"))
    );
    assert_eq!(order.body["buyer"]["name"], "Nio Byggvaror AB");
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(stack.get("/v1/customers/C-9", &other_operator).await.status, 404, "another tenant's register");
}
