//! The buyer portal against the emulator: every buyer email links into the portal, where the buyer follows their
//! orders; links reach only their own buyer at their own seller, and the seller can revoke them.

use orders_domain::ids::Role;
use orders_testkit::{mime_parts, order_body, portal_link_token, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

async fn call(stack: &TestStack, method: Method, path: &str, key: &str, body: Option<&Value>) -> Answer {
    let mut request = stack.request(method, path, key);
    if let Some(body) = body {
        request = request.json(body);
    }
    Answer::from(request.send().await).await
}

/// Posts an order of `customer` as the stack's webshop and lets the pipeline answer it; its id.
async fn answered_order(stack: &TestStack, number: &str, customer: &str) -> String {
    let mut body = order_body(number);
    body["buyer"] = json!({ "customer_id": customer });
    let created = stack.post_json("/v1/orders", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    stack.deliver_all().await;
    created.body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn buyer_emails_link_into_the_portal_for_that_buyer_only_until_revoked() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let order_id = answered_order(&stack, "LINKED-1", "C-1").await;
    let other_buyers = answered_order(&stack, "LINKED-2", "C-2").await;

    let emails = stack.emails_for(&order_id).await;
    let to_buyer: Vec<_> =
        emails.iter().filter(|e| e.destinations.iter().any(|d| d == "inkop@kontorsmobler-syd.example.se")).collect();
    assert!(!to_buyer.is_empty(), "the buyer was emailed");
    let (text, html) = mime_parts(&to_buyer[0].raw_data);
    let page = format!("{}/portal/orders/{order_id}#link=", stack.api_url);
    assert!(text.contains(&page), "the buyer email links to its order in the portal: {text}");
    assert!(html.contains(&page), "{html}");
    let token = portal_link_token(&text);
    // The seller's own email has no buyer link.
    for email in emails.iter().filter(|e| !to_buyer.iter().any(|b| b.id == e.id)) {
        assert!(!mime_parts(&email.raw_data).0.contains("#link="), "seller email without a portal link");
    }

    let session = stack.portal_session(&token).await;
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["order_number"], "LINKED-1");
    let hidden = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{other_buyers}"), None).await;
    assert_eq!(hidden.status, 404, "another buyer's order: {}", hidden.body);
    let history = stack.order(&order_id).await["history"].clone();
    assert!(
        history.as_array().expect("history").iter().any(|h| h["action"] == "viewed_by_buyer"),
        "the access is in the order's history: {history}"
    );

    // The seller sees the order's link and revokes it: the link and its sessions stop working.
    let staff_view = call(&stack, Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let link_id = staff_view.body["buyer_link_id"].as_str().expect("buyer_link_id").to_owned();
    let other_tenant = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other_tenant.id, Role::Operator).await;
    let foreign =
        call(&stack, Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &other_operator, None).await;
    assert_eq!(foreign.status, 404, "another seller cannot revoke it: {}", foreign.body);
    assert_eq!(stack.open_portal_link(&token).await.status, 200, "still open");
    let revoked = call(&stack, Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.body["customer_id"], "C-1");
    assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.body);
    assert_eq!(stack.open_portal_link(&token).await.status, 401, "a revoked link opens nothing");
    let after = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(after.status, 401, "revoking ends the link's sessions: {}", after.body);
}
