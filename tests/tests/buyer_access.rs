//! What a buyer's links, keys and sessions let in, tried as an attacker and as a careful seller would: a
//! revocation outlives every token it revokes, and a seller can revoke everything of a buyer or block them.

use orders_domain::ids::Role;
use orders_testkit::{mime_parts, order_body, portal_link_token, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// Posts an order of `customer` as the stack's webshop and lets the pipeline answer it; its id.
async fn answered_order(stack: &TestStack, number: &str, customer: &str) -> String {
    let mut body = order_body(number);
    body["buyer"] = json!({ "customer_id": customer });
    let created = stack.post_json("/v1/orders", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    stack.deliver_all().await;
    created.body["id"].as_str().expect("id").to_owned()
}

/// The portal link tokens of the buyer emails about `reference` (an order id), oldest first.
async fn link_tokens(stack: &TestStack, reference: &str) -> Vec<String> {
    stack
        .emails_for(reference)
        .await
        .into_iter()
        .map(|e| mime_parts(&e.raw_data).0)
        .filter(|text| text.contains("#link="))
        .map(|text| portal_link_token(&text))
        .collect()
}

/// Waits until the clock is in the next second: links carry their making time to the second.
async fn next_second() {
    let now = time::OffsetDateTime::now_utc();
    let wait = 1_000_000_000 - u64::from(now.nanosecond()) + 5_000_000;
    tokio::time::sleep(std::time::Duration::from_nanos(wait)).await;
}

#[tokio::test]
async fn a_revoked_order_link_stays_revoked_after_the_table_ttl_and_for_later_emails() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let order_id = answered_order(&stack, "REVOKE-TTL-1", "C-1").await;
    let first = link_tokens(&stack, &order_id).await;
    assert_eq!(stack.open_portal_link(&first[0]).await.status, 200);

    let staff_view = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let link_id = staff_view.body["buyer_link_id"].as_str().expect("buyer_link_id").to_owned();
    let revoked = stack.call(Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);

    // A later email about the same order (its despatch) carries a new token of the same, revoked link.
    stack.despatch(&order_id, &json!({"despatch_number": "D-TTL", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all().await;
    let later = link_tokens(&stack, &order_id).await;
    assert!(later.len() > first.len(), "the shipment email carries a link");
    let newest = later.last().expect("a token").clone();
    assert_eq!(stack.open_portal_link(&newest).await.status, 401, "the later email's link is revoked too");

    // Half a year on, the table's TTL has removed whatever was due by then: the revocation must still be there.
    let half_a_year_on = time::OffsetDateTime::now_utc().unix_timestamp() + 181 * 86_400;
    stack.sweep_expired_items(half_a_year_on).await;
    let answer = stack.open_portal_link(&newest).await;
    assert_eq!(answer.status, 401, "the revocation outlives the tokens it revokes: {}", answer.body);
    let record = stack.item(&format!("T#{}#L#{link_id}", stack.tenant.id), "LINK").await.expect("the revocation");
    assert!(!record.contains_key("expires_at"), "no TTL on a standing link's revocation: {record:?}");
}

#[tokio::test]
async fn revoking_everything_of_a_buyer_refuses_every_link_key_and_session_made_until_then() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let first_order = answered_order(&stack, "REVOKE-ALL-1", "C-1").await;
    let order_token = link_tokens(&stack, &first_order).await.remove(0);
    let session = stack.portal_session(&order_token).await;
    let invited = stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let account_key = invited.body["key"].as_str().expect("key").to_owned();
    let other_buyer = answered_order(&stack, "REVOKE-ALL-2", "C-2").await;
    let other_token = link_tokens(&stack, &other_buyer).await.remove(0);

    // Another seller can neither revoke nor block this seller's buyer.
    let other_tenant = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other_tenant.id, Role::Operator).await;
    let foreign = stack.call(Method::POST, "/v1/customers/C-404/link-revocation", &other_operator, None).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let webshop = stack.call(Method::POST, "/v1/customers/C-1/link-revocation", &stack.tenant.key, None).await;
    assert_eq!(webshop.status, 403, "{}", webshop.body);

    let revoked = stack.call(Method::POST, "/v1/customers/C-1/link-revocation", &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.body["blocked"], false);
    assert!(revoked.body["links_valid_after"].is_string(), "{}", revoked.body);
    assert_eq!(stack.open_portal_link(&order_token).await.status, 401, "the order email's link");
    assert_eq!(stack.open_portal_link(&account_key).await.status, 401, "the buyer account key");
    let after = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{first_order}"), None).await;
    assert_eq!(after.status, 401, "the open session: {}", after.body);
    assert_eq!(stack.open_portal_link(&other_token).await.status, 200, "another buyer's links still work");
    let shown = stack.call(Method::GET, "/v1/customers/C-1", &operator, None).await;
    assert_eq!(shown.body["portal_access"], revoked.body, "the customer shows its portal access");

    // Emails sent afterwards carry links that work.
    next_second().await;
    let second_order = answered_order(&stack, "REVOKE-ALL-3", "C-1").await;
    let fresh = link_tokens(&stack, &second_order).await.remove(0);
    assert_eq!(stack.open_portal_link(&fresh).await.status, 200, "a link sent after the revocation");

    // Blocking closes the portal to every link of the buyer, new ones too; unblocking revives none of the old.
    let blocked =
        stack.call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": true}))).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(blocked.body["blocked"], true);
    let refused = stack.open_portal_link(&fresh).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    next_second().await;
    let while_blocked = answered_order(&stack, "REVOKE-ALL-4", "C-1").await;
    let blocked_token = link_tokens(&stack, &while_blocked).await.remove(0);
    assert_eq!(stack.open_portal_link(&blocked_token).await.status, 401, "a blocked buyer's new link");
    let unblocked =
        stack.call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": false}))).await;
    assert_eq!(unblocked.status, 200, "{}", unblocked.body);
    assert_eq!(stack.open_portal_link(&fresh).await.status, 401, "unblocking revives no old link");
    next_second().await;
    let later_order = answered_order(&stack, "REVOKE-ALL-5", "C-1").await;
    let later = link_tokens(&stack, &later_order).await.remove(0);
    assert_eq!(stack.open_portal_link(&later).await.status, 200, "links sent after unblocking work");

    let bad: Value = stack
        .call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": "yes"})))
        .await
        .body;
    assert_eq!(bad["status"], 400, "{bad}");
}
