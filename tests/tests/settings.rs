//! A seller's own settings through the back office: an operator reads them with their ETag, replaces them under
//! If-Match (428 without, 412 when stale, 422 with every problem named), sees the change applied to the next order,
//! and reads who changed what; webshop and warehouse keys get 403.

use orders_domain::ids::Role;
use orders_testkit::{order_body, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

async fn put(stack: &TestStack, key: &str, body: &Value, if_match: Option<&str>) -> (u16, Value, Option<String>) {
    let mut request = stack.request(Method::PUT, "/v1/settings", key).json(body);
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let response = request.send().await.expect("PUT /v1/settings");
    let status = response.status().as_u16();
    let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, response.json().await.unwrap_or(Value::Null), etag)
}

#[tokio::test]
async fn an_operator_switches_to_manual_answers_and_the_next_order_waits_for_one() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let read = stack.request(Method::GET, "/v1/settings", &operator).send().await.expect("GET");
    assert_eq!(read.status(), 200);
    let etag = read.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned).expect("ETag");
    let mut settings: Value = read.json().await.expect("JSON");
    assert_eq!(
        (settings["tenant"].as_str(), settings["response_policy"].as_str()),
        (Some(stack.tenant.id.as_str()), Some("automatic"))
    );

    for key in [&stack.tenant.key, &stack.key_with_role(&stack.tenant.id, Role::Warehouse).await] {
        assert_eq!(stack.request(Method::GET, "/v1/settings", key).send().await.expect("GET").status(), 403);
        assert_eq!(put(&stack, key, &settings, Some(&etag)).await.0, 403);
    }

    settings["response_policy"] = json!("manual");
    assert_eq!(put(&stack, &operator, &settings, None).await.0, 428, "If-Match is required");
    assert_eq!(put(&stack, &operator, &settings, Some("\"7\"")).await.0, 412, "a stale version");
    let mut bad = settings.clone();
    bad["invoicing"]["iban"] = json!("SE4550000000058398257467");
    bad["tenant"] = json!("someone-else");
    let (status, problem, _) = put(&stack, &operator, &bad, Some(&etag)).await;
    assert_eq!(status, 422, "{problem}");
    let pointers: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["pointer"].as_str()).collect();
    assert_eq!(pointers, ["/tenant"], "the tenant is checked first: {problem}");
    bad["tenant"] = settings["tenant"].clone();
    let (status, problem, _) = put(&stack, &operator, &bad, Some(&etag)).await;
    assert_eq!((status, problem["errors"][0]["pointer"].as_str()), (422, Some("/invoicing/iban")), "{problem}");

    let (status, stored, new_etag) = put(&stack, &operator, &settings, Some(&etag)).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["response_policy"], "manual");
    let new_etag = new_etag.expect("ETag");
    assert_ne!(new_etag, etag);
    assert_eq!(put(&stack, &operator, &settings, Some(&etag)).await.0, 412, "the old ETag no longer works");

    // Applied: the next order waits for the seller's answer.
    let id = stack.post_json("/v1/orders", &order_body("WS-SET-1")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "pending_response");

    // Back to automatic; the history names both changes, newest first, and who made them.
    settings["response_policy"] = json!("automatic");
    assert_eq!(put(&stack, &operator, &settings, Some(&new_etag)).await.0, 200);
    let id = stack.post_json("/v1/orders", &order_body("WS-SET-2")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    let history = stack.get("/v1/settings/history", &operator).await;
    assert_eq!(history.status, 200);
    let items = history.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", history.body);
    assert_eq!((items[0]["version"].as_u64(), &items[0]["changed"]), (Some(3), &json!(["response_policy"])));
    assert!(items[0]["by"].as_str().is_some_and(|by| by.starts_with("operator:key_")), "{}", history.body);
}
