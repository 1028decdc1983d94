//! API keys have a lifecycle an operator runs: made with a name and an optional expiry (the secret shown once),
//! listed with when they were last used, revoked — and a revoked or expired key opens nothing, nor do the console
//! sessions opened with it.

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

fn listed<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["items"].as_array().expect("items").iter().find(|k| k["id"] == id).unwrap_or_else(|| panic!("{id} in {list}"))
}

#[tokio::test]
async fn an_operator_makes_lists_and_revokes_the_tenants_keys_and_a_revoked_key_opens_nothing() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let made = stack
        .call(
            Method::POST,
            "/v1/api-keys",
            &operator,
            Some(&json!({"name": "Webshop staging", "role": "webshop", "channel": "staging"})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_str().expect("id").to_owned();
    let secret = made.body["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("ows_"), "{secret}");
    assert_eq!(made.header("location"), Some(format!("/v1/api-keys/{id}").as_str()));
    assert_eq!(made.body["status"], "active");

    // The new key works; the list shows it with its last use, never a secret.
    let mut order = order_body("KEYS-1");
    order["order_number"] = json!("KEYS-1");
    let posted = Answer::from(stack.request(Method::POST, "/v1/orders", &secret).json(&order).send().await).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let list = stack.call(Method::GET, "/v1/api-keys", &operator, None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let shown = listed(&list.body, &id);
    assert_eq!((shown["name"].as_str(), shown["role"].as_str()), (Some("Webshop staging"), Some("webshop")));
    assert!(shown["last_used_at"].is_string(), "{shown}");
    assert!(!list.body.to_string().contains(&secret), "no secret in the list");
    assert!(list.body["items"].as_array().expect("items").len() >= 3, "the stack's own keys are listed too");

    // Other tenants see none of it and revoke nothing of it; webshop keys manage no keys.
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    let theirs = stack.call(Method::GET, "/v1/api-keys", &other_operator, None).await;
    assert!(theirs.body["items"].as_array().expect("items").iter().all(|k| k["id"] != id.as_str()));
    let foreign = stack.call(Method::DELETE, &format!("/v1/api-keys/{id}"), &other_operator, None).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(stack.call(Method::GET, "/v1/api-keys", &secret, None).await.status, 403);

    let revoked = stack.call(Method::DELETE, &format!("/v1/api-keys/{id}"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.body["status"], "revoked");
    // The intake container knows the key from its order above and reads it with the next order's inputs: the
    // revocation is seen there, and before anything about the request is said.
    let refused = Answer::from(stack.request(Method::POST, "/v1/orders", &secret).json(&order).send().await).await;
    assert_eq!(refused.status, 401, "a revoked key opens nothing: {}", refused.body);
    let mut malformed = order.clone();
    malformed["lines"] = json!("none");
    let refused = Answer::from(stack.request(Method::POST, "/v1/orders", &secret).json(&malformed).send().await).await;
    assert_eq!(refused.status, 401, "nothing about the document either: {}", refused.body);
    let again = stack.call(Method::DELETE, &format!("/v1/api-keys/{id}"), &operator, None).await;
    assert_eq!((again.status, again.body["revoked_at"].clone()), (200, revoked.body["revoked_at"].clone()));
    let list = stack.call(Method::GET, "/v1/api-keys", &operator, None).await;
    assert_eq!(listed(&list.body, &id)["status"], "revoked", "kept, and listed as revoked");

    let bad = stack
        .call(
            Method::POST,
            "/v1/api-keys",
            &operator,
            Some(&json!({"name": "", "role": "root", "expires_date": "2001-01-01"})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.pointers(), ["/name", "/role", "/expires_date"]);
}

#[tokio::test]
async fn revoking_a_staff_key_ends_its_console_sessions_and_an_expiring_key_says_when() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let tomorrow = orders_testkit::tomorrow();
    let made = stack
        .call(
            Method::POST,
            "/v1/api-keys",
            &operator,
            Some(&json!({"name": "Temp warehouse", "role": "warehouse", "expires_date": tomorrow})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(made.body["expires_at"].as_str().is_some_and(|at| at > tomorrow.as_str()), "{}", made.body);
    let secret = made.body["secret"].as_str().expect("secret").to_owned();
    let session = stack.console_session(&secret).await;
    let orders =
        || async { Answer::from(stack.cookie_request(Method::GET, "/v1/orders", &session.cookie).send().await).await };
    assert_eq!(orders().await.status, 200);
    let id = made.body["id"].as_str().expect("id");
    assert_eq!(stack.call(Method::DELETE, &format!("/v1/api-keys/{id}"), &operator, None).await.status, 200);
    assert_eq!(orders().await.status, 401, "the session of a revoked key ends at once");
}

/// Makes a key through the API: its id and its secret.
async fn made_key(stack: &TestStack, operator: &str, body: Value) -> (String, String) {
    let made = stack.call(Method::POST, "/v1/api-keys", operator, Some(&body)).await;
    assert_eq!(made.status, 201, "{}", made.body);
    (made.body["id"].as_str().expect("id").to_owned(), made.body["secret"].as_str().expect("secret").to_owned())
}

#[tokio::test]
async fn a_key_the_intake_container_knows_is_read_again_in_each_requests_first_read_and_refused_once_revoked() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let (shop_id, shop) =
        made_key(&stack, &operator, json!({"name": "Shop", "role": "webshop", "channel": "rev"})).await;
    let (house_id, house) = made_key(&stack, &operator, json!({"name": "Dock", "role": "warehouse"})).await;
    let (other_id, other) =
        made_key(&stack, &operator, json!({"name": "Shop 2", "role": "webshop", "channel": "rev2"})).await;
    let post = |key: &str, body: &Value| {
        let request = stack.request(Method::POST, "/v1/orders", key).json(body);
        async move { Answer::from(request.send().await).await }
    };
    let despatch = |key: &str, id: &str, number: &str| {
        let body = json!({"despatch_number": number, "lines": [{"line_no": 1, "quantity": 1}]});
        let request = stack.request(Method::POST, &format!("/v1/orders/{id}/despatches"), key).json(&body);
        async move { Answer::from(request.send().await).await }
    };

    // First use: read and remembered; second use: confirmed by the order's own read.
    for number in ["REV-1", "REV-2"] {
        let posted = post(&shop, &order_body(number)).await;
        assert_eq!(posted.status, 201, "{}", posted.body);
    }
    assert_eq!(post(&other, &order_body("REV-O")).await.status, 201);
    let id = post(&shop, &order_body("REV-1")).await.body["id"].as_str().expect("the replayed order").to_owned();
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(despatch(&house, &id, "D-1").await.status, 201);
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(despatch(&house, &id, "D-2").await.status, 201, "a known warehouse key records despatches");

    for key_id in [&shop_id, &house_id, &other_id] {
        let revoked = stack.call(Method::DELETE, &format!("/v1/api-keys/{key_id}"), &operator, None).await;
        assert_eq!(revoked.status, 200, "{}", revoked.body);
    }
    let refused = post(&shop, &order_body("REV-3")).await;
    assert_eq!(refused.status, 401, "refused by the order's own read: {}", refused.body);
    let refused = despatch(&house, &id, "D-3").await;
    assert_eq!(refused.status, 401, "refused by the despatch's own read: {}", refused.body);
    let mut malformed = order_body("REV-4");
    malformed["lines"] = json!("none");
    let refused = post(&other, &malformed).await;
    assert_eq!(refused.status, 401, "a known key hears nothing of its document once revoked: {}", refused.body);
    let refused = despatch(&other, &id, "D-4").await;
    assert_eq!(refused.status, 401, "nor of its role: {}", refused.body);

    // Nothing of the refused requests was stored.
    let order = stack.order(&id).await;
    assert_eq!(order["lines"][0]["shipped_quantity"], "2", "D-1 and D-2 only: {order}");
    let listed = stack.call(Method::GET, "/v1/orders?limit=50", &operator, None).await;
    let numbers: Vec<&str> =
        listed.body["items"].as_array().expect("items").iter().filter_map(|o| o["order_number"].as_str()).collect();
    assert!(!numbers.iter().any(|n| n.starts_with("REV-3") || n.starts_with("REV-4")), "{numbers:?}");
    assert_eq!(numbers.iter().filter(|n| n.starts_with("REV-")).count(), 3, "{numbers:?}");
}
