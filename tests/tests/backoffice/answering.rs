//! What staff keep and answer: stock, notes, the catalogue and customer data, manual responses to orders and the
//! relay of a buyer email SES refused.

use orders_domain::ids::Role;
use orders_domain::tenant::ResponsePolicy;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

use super::post_as;

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
    // Up to the product's target level of 20.
    assert_eq!(suggestions.body["items"][0]["suggested_quantity"], "19");
    assert!(suggestions.body["items"][0]["order_id"].as_str().is_some_and(|o| o.starts_with("ord_")));

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
    // Back above the minimum: the suggestion is gone. A count that finds less (shrinkage) suggests again.
    let suggestions = stack.get("/v1/reorder-suggestions", &warehouse).await;
    assert_eq!(suggestions.body["items"], json!([]), "{}", suggestions.body);
    let shrunk = put("/v1/stock/SKU-4/malmo", json!({"on_hand": "6"})).await;
    assert_eq!(shrunk.body["available_quantity"], "4", "{}", shrunk.body);
    let suggestions = stack.get("/v1/reorder-suggestions", &warehouse).await;
    let suggestion = &suggestions.body["items"][0];
    assert_eq!((suggestion["sku"].as_str(), suggestion["available_quantity"].as_str()), (Some("SKU-4"), Some("4")));
    assert_eq!((suggestion["suggested_quantity"].as_str(), &suggestion["order_id"]), (Some("16"), &Value::Null));

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

#[tokio::test]
async fn a_buyer_email_ses_refused_in_the_back_office_is_sent_once_by_the_relay() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    // SES throttles every send of the back office, from the emulator's side.
    stack
        .function_faults("BackofficeFunction")
        .inject(json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "error": "throttling"}))
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
