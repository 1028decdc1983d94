//! What a buyer's links, keys and sessions let in, tried as an attacker and as a careful seller would: a
//! revocation outlives every token it revokes, and a seller can revoke everything of a buyer or block them.

use orders_domain::ids::Role;
use orders_testkit::{mime_parts, order_body, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

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
    let order_id = stack.answered_order("REVOKE-TTL-1", "C-1").await;
    let first = stack.portal_link_tokens(&order_id).await;
    assert_eq!(stack.open_portal_link(&first[0]).await.status, 200);

    let staff_view = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let link_id = staff_view.body["buyer_link_id"].as_str().expect("buyer_link_id").to_owned();
    let revoked = stack.call(Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);

    // A later email about the same order (its despatch) carries a new token of the same, revoked link.
    stack.despatch(&order_id, &json!({"despatch_number": "D-TTL", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all().await;
    let later = stack.portal_link_tokens(&order_id).await;
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
    let first_order = stack.answered_order("REVOKE-ALL-1", "C-1").await;
    let order_token = stack.portal_link_tokens(&first_order).await.remove(0);
    let session = stack.portal_session(&order_token).await;
    let invited = stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let account_key = invited.body["key"].as_str().expect("key").to_owned();
    let other_buyer = stack.answered_order("REVOKE-ALL-2", "C-2").await;
    let other_token = stack.portal_link_tokens(&other_buyer).await.remove(0);

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
    let second_order = stack.answered_order("REVOKE-ALL-3", "C-1").await;
    let fresh = stack.portal_link_tokens(&second_order).await.remove(0);
    assert_eq!(stack.open_portal_link(&fresh).await.status, 200, "a link sent after the revocation");

    // Blocking closes the portal to every link of the buyer, new ones too; unblocking revives none of the old.
    let blocked =
        stack.call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": true}))).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(blocked.body["blocked"], true);
    let refused = stack.open_portal_link(&fresh).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    next_second().await;
    let while_blocked = stack.answered_order("REVOKE-ALL-4", "C-1").await;
    let blocked_token = stack.portal_link_tokens(&while_blocked).await.remove(0);
    assert_eq!(stack.open_portal_link(&blocked_token).await.status, 401, "a blocked buyer's new link");
    let unblocked =
        stack.call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": false}))).await;
    assert_eq!(unblocked.status, 200, "{}", unblocked.body);
    assert_eq!(stack.open_portal_link(&fresh).await.status, 401, "unblocking revives no old link");
    next_second().await;
    let later_order = stack.answered_order("REVOKE-ALL-5", "C-1").await;
    let later = stack.portal_link_tokens(&later_order).await.remove(0);
    assert_eq!(stack.open_portal_link(&later).await.status, 200, "links sent after unblocking work");

    let bad: Value = stack
        .call(Method::PUT, "/v1/customers/C-1/portal-access", &operator, Some(&json!({"blocked": "yes"})))
        .await
        .body;
    assert_eq!(bad["status"], 400, "{bad}");
}

/// A portal session of `customer` opened with a buyer account key the seller invited them with.
async fn account_session(stack: &TestStack, operator: &str, customer: &str) -> orders_testkit::PortalSession {
    let invited =
        stack.call(Method::POST, &format!("/v1/customers/{customer}/buyer-keys"), operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    stack.portal_session(invited.body["key"].as_str().expect("key")).await
}

/// The order ids of a portal list.
fn listed(answer: &orders_testkit::Answer) -> Vec<String> {
    answer.body["items"].as_array().expect("items").iter().map(|o| o["id"].as_str().unwrap_or("").into()).collect()
}

/// The `(status, problem type)` of a portal request.
async fn outcome(
    stack: &TestStack,
    session: &orders_testkit::PortalSession,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let answer = stack.portal(session, method, path, body.as_ref()).await;
    (answer.status, answer.body["type"].as_str().unwrap_or("").rsplit('/').next().unwrap_or("").to_owned())
}

#[tokio::test]
async fn a_forwarded_order_email_opens_that_order_only_never_the_account() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let forwarded = stack.answered_order("SCOPE-1", "C-1").await;
    let other = stack.answered_order("SCOPE-2", "C-1").await;
    // The other order ships and is invoiced: its documents are the buyer's, not the forwarded link's.
    stack.despatch(&other, &json!({"despatch_number": "D-SCOPE", "lines": [{"line_no": 1, "quantity": 2}]})).await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let account = account_session(&stack, &operator, "C-1").await;
    let other_view = stack.portal(&account, Method::GET, &format!("/v1/portal/orders/{other}"), None).await;
    assert_eq!(other_view.status, 200, "{}", other_view.body);
    let invoice_pdf = other_view.body["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["kind"] == "invoice" && d["format"] == "pdf")
        .and_then(|d| d["href"].as_str())
        .expect("the other order's invoice")
        .to_owned();
    let session = stack.portal_session(&stack.portal_link_tokens(&forwarded).await.remove(0)).await;

    let signed_in = stack.portal(&session, Method::GET, "/v1/portal/session", None).await;
    assert_eq!(signed_in.body["scope"], json!({"kind": "order", "order_id": forwarded}), "{}", signed_in.body);
    // Its order, its documents, its history; a request and a message about it.
    assert_eq!(outcome(&stack, &session, Method::GET, &format!("/v1/portal/orders/{forwarded}"), None).await.0, 200);
    let order_response = format!("/v1/portal/orders/{forwarded}/order-response.xml");
    assert_eq!(outcome(&stack, &session, Method::GET, &order_response, None).await.0, 200);
    let asked = json!({"kind": "change", "message": "One more, please"});
    let requests = format!("/v1/portal/orders/{forwarded}/requests");
    assert_eq!(outcome(&stack, &session, Method::POST, &requests, Some(asked.clone())).await.0, 201);
    let messages = format!("/v1/portal/orders/{forwarded}/messages");
    assert_eq!(outcome(&stack, &session, Method::POST, &messages, Some(json!({"text": "Thanks"}))).await.0, 201);
    assert_eq!(listed(&stack.portal(&session, Method::GET, "/v1/portal/orders", None).await), vec![forwarded.clone()]);

    // Nothing else of the buyer's: not their other order, its documents, requests or messages.
    for (method, path, body) in [
        (Method::GET, format!("/v1/portal/orders/{other}"), None),
        (Method::GET, format!("/v1/portal/orders/{other}/order-response.xml"), None),
        (Method::GET, format!("/v1/portal/orders/{other}/despatches/D-SCOPE.xml"), None),
        (Method::GET, invoice_pdf.clone(), None),
        (Method::POST, format!("/v1/portal/orders/{other}/requests"), Some(asked.clone())),
        (Method::POST, format!("/v1/portal/orders/{other}/messages"), Some(json!({"text": "Hello"}))),
    ] {
        let (status, kind) = outcome(&stack, &session, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path} through an order link: {kind}");
    }
    // Not the shop, the cart, ordering or re-ordering: those need the account key.
    for (method, path, body) in [
        (Method::GET, "/v1/portal/catalogue".to_owned(), None),
        (Method::GET, "/v1/portal/cart".to_owned(), None),
        (Method::PUT, "/v1/portal/cart/lines/SKU-1".to_owned(), Some(json!({"quantity": "1"}))),
        (Method::DELETE, "/v1/portal/cart/lines/SKU-1".to_owned(), None),
        (Method::POST, "/v1/portal/orders".to_owned(), Some(json!({"cart_id": "crt_x"}))),
        (Method::POST, format!("/v1/portal/orders/{forwarded}/reorder"), None),
    ] {
        let (status, kind) = outcome(&stack, &session, method.clone(), &path, body).await;
        assert_eq!((status, kind.as_str()), (403, "link-scope"), "{method} {path} through an order link");
    }
    // The account key reaches both orders and the invoice.
    let both = listed(&stack.portal(&account, Method::GET, "/v1/portal/orders", None).await);
    assert!(both.contains(&forwarded) && both.contains(&other), "{both:?}");
    assert_eq!(outcome(&stack, &account, Method::GET, &invoice_pdf, None).await.0, 200);
}

#[tokio::test]
async fn a_quote_link_reads_that_quote_and_the_order_it_became_only() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let earlier = stack.answered_order("QSCOPE-0", "C-1").await;
    let quote = |sku: &str| {
        json!({
            "currency": "EUR", "buyer": {"customer_id": "C-1"}, "valid_until_date": orders_testkit::tomorrow(),
            "delivery_address": {"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "SE"},
            "lines": [{"sku": sku, "quantity": 1}]
        })
    };
    let mut quotes = Vec::new();
    for sku in ["SKU-1", "SKU-2"] {
        let created = stack.call(Method::POST, "/v1/quotes", &operator, Some(&quote(sku))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().expect("quote id").to_owned();
        let sent = stack.call(Method::POST, &format!("/v1/quotes/{id}/sending"), &operator, None).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        quotes.push(id);
    }
    let (mine, theirs) = (&quotes[0], &quotes[1]);
    let session = stack.portal_session(&stack.portal_link_tokens(mine).await.remove(0)).await;
    let signed_in = stack.portal(&session, Method::GET, "/v1/portal/session", None).await;
    assert_eq!(signed_in.body["scope"], json!({"kind": "quote", "quote_id": mine}), "{}", signed_in.body);

    assert_eq!(outcome(&stack, &session, Method::GET, &format!("/v1/portal/quotes/{mine}"), None).await.0, 200);
    for (method, path, body) in [
        (Method::GET, format!("/v1/portal/quotes/{theirs}"), None),
        (Method::POST, format!("/v1/portal/quotes/{theirs}/acceptance"), Some(json!({"version": 1}))),
        (Method::POST, format!("/v1/portal/quotes/{theirs}/decline"), Some(json!({"version": 1}))),
        (Method::GET, format!("/v1/portal/orders/{earlier}"), None),
    ] {
        let (status, kind) = outcome(&stack, &session, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path} through a quote link: {kind}");
    }
    assert!(listed(&stack.portal(&session, Method::GET, "/v1/portal/orders", None).await).is_empty());
    let (status, kind) = outcome(&stack, &session, Method::GET, "/v1/portal/catalogue", None).await;
    assert_eq!((status, kind.as_str()), (403, "link-scope"));

    let accepted = stack
        .portal(&session, Method::POST, &format!("/v1/portal/quotes/{mine}/acceptance"), Some(&json!({"version": 1})))
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    let order = accepted.body["id"].as_str().expect("order id").to_owned();
    assert_eq!(outcome(&stack, &session, Method::GET, &format!("/v1/portal/orders/{order}"), None).await.0, 200);
    assert_eq!(listed(&stack.portal(&session, Method::GET, "/v1/portal/orders", None).await), [order]);
    assert_eq!(outcome(&stack, &session, Method::GET, &format!("/v1/portal/orders/{earlier}"), None).await.0, 404);
}

#[tokio::test]
async fn ordering_someone_elses_cart_id_answers_nothing_of_theirs() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let victim = account_session(&stack, &operator, "C-2").await;
    let put = stack.portal(&victim, Method::PUT, "/v1/portal/cart/lines/SKU-2", Some(&json!({"quantity": "2"}))).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let cart_id = put.body["cart_id"].as_str().expect("cart id").to_owned();
    let placed = stack.portal(&victim, Method::POST, "/v1/portal/orders", Some(&json!({"cart_id": cart_id}))).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let victims_order = placed.body["id"].as_str().expect("order id").to_owned();

    // Another buyer who learnt the cart id (a shared screen, a log) names it: nothing of the order is answered.
    let attacker = account_session(&stack, &operator, "C-1").await;
    let answer = stack.portal(&attacker, Method::POST, "/v1/portal/orders", Some(&json!({"cart_id": cart_id}))).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(!answer.body.to_string().contains(&victims_order), "{}", answer.body);
    assert!(answer.body["id"].is_null() && answer.body["lines"].is_null(), "{}", answer.body);
}

#[tokio::test]
async fn a_portal_order_ships_to_an_address_stored_on_the_customer_never_to_a_typed_one() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let session = account_session(&stack, &operator, "C-1").await;
    let cart =
        stack.portal(&session, Method::PUT, "/v1/portal/cart/lines/SKU-3", Some(&json!({"quantity": "1"}))).await;
    assert_eq!(cart.status, 200, "{}", cart.body);
    let offered: Vec<&str> = cart.body["delivery_addresses"]
        .as_array()
        .expect("delivery addresses")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(offered, ["store-malmo", "warehouse-lund"], "the customer's stored addresses: {}", cart.body);
    let cart_id = cart.body["cart_id"].as_str().expect("cart id").to_owned();
    let typed = json!({"cart_id": cart_id, "delivery_address":
        {"name": "Mallory", "street": "Elsewhere 1", "city": "Tallinn", "postal_code": "10111", "country": "EE"}});
    let refused = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&typed)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["pointer"], "/delivery_address", "{}", refused.body);
    let unknown = json!({"cart_id": cart_id, "delivery_address_id": "somewhere"});
    let refused = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&unknown)).await;
    assert_eq!(refused.body["errors"][0]["pointer"], "/delivery_address_id", "{}", refused.body);
    let chosen = json!({"cart_id": cart_id, "delivery_address_id": "warehouse-lund"});
    let placed = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&chosen)).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["delivery_address"]["city"], "Lund", "{}", placed.body);

    // An operator keeps the customer's addresses; the ids must be unique.
    let customer = stack.call(Method::GET, "/v1/customers/C-1", &operator, None).await.body;
    let mut update = json!({"name": customer["name"], "email": customer["email"],
        "delivery_addresses": [customer["delivery_addresses"][0].clone(), customer["delivery_addresses"][0].clone()]});
    let twice = stack.call(Method::PUT, "/v1/customers/C-1", &operator, Some(&update)).await;
    assert_eq!(twice.status, 422, "{}", twice.body);
    assert_eq!(twice.body["errors"][0]["pointer"], "/delivery_addresses/1/id", "{}", twice.body);
    update["delivery_addresses"] = json!([customer["delivery_addresses"][1].clone()]);
    let kept = stack.call(Method::PUT, "/v1/customers/C-1", &operator, Some(&update)).await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert_eq!(kept.body["delivery_addresses"][0]["id"], "warehouse-lund");
}

#[tokio::test]
async fn an_order_link_must_name_an_order_of_its_own_buyer() {
    let stack = TestStack::start().await;
    let theirs = stack.answered_order("NAMED-1", "C-2").await;
    let sealer = stack.link_sealer().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |order: &str| orders_domain::buyer_link::LinkClaims {
        tenant: stack.tenant.id.to_string(),
        customer: "C-1".into(),
        link_id: orders_domain::buyer_link::order_link_id(
            &orders_domain::ids::OrderId::parse_public(order).expect("order id"),
        ),
        expires_at: now + 3600,
        issued_at: now,
    };
    // A sealed link of buyer C-1 naming C-2's order, and one naming no order at all: neither opens a session.
    for order in [theirs.as_str(), "ord_0123456789abcdef0123456789abcdef"] {
        let answer = stack.open_portal_link(&sealer.seal(&claims(order))).await;
        assert_eq!(answer.status, 401, "{order}: {}", answer.body);
    }
}

#[tokio::test]
async fn a_buyers_message_never_goes_out_in_an_email_as_the_sellers_words() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let order = stack.answered_order("WORDS-1", "C-1").await;
    let session = stack.portal_session(&stack.portal_link_tokens(&order).await.remove(0)).await;
    let phishing = "Our bank details changed: pay to LT00 0000 0000 0000 0000";
    let wrote = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/orders/{order}/messages"),
            Some(&json!({"text": phishing})),
        )
        .await;
    assert_eq!(wrote.status, 201, "{}", wrote.body);
    let note = json!({"text": "Packed and ready", "visibility": "buyer"});
    let noted = stack.call(Method::POST, &format!("/v1/orders/{order}/notes"), &operator, Some(&note)).await;
    assert_eq!(noted.status, 201, "{}", noted.body);

    // The next buyer email (the despatch) carries the seller's note, never the buyer's words.
    stack.despatch(&order, &json!({"despatch_number": "D-WORDS", "lines": [{"line_no": 1, "quantity": 2}]})).await;
    stack.deliver_all().await;
    let shipped: Vec<String> = stack
        .emails_for(&order)
        .await
        .into_iter()
        .filter(|e| e.header("Subject").is_some_and(|s| s.contains("D-WORDS")) || e.raw_data.contains("D-WORDS"))
        .map(|e| {
            let (text, html) = mime_parts(&e.raw_data);
            format!("{text}\n{html}")
        })
        .collect();
    assert!(!shipped.is_empty(), "the despatch was emailed");
    for email in &shipped {
        assert!(email.contains("Packed and ready"), "the seller's note is in the email: {email}");
        assert!(!email.contains("LT00 0000"), "the buyer's message is not: {email}");
    }
    // The seller reads it as the buyer's, apart from their own notes.
    let staff = stack.call(Method::GET, &format!("/v1/orders/{order}"), &operator, None).await.body;
    assert_eq!(staff["buyer_messages"][0]["text"], phishing);
    assert!(staff["seller_notes"].as_array().expect("notes").iter().all(|n| n["text"] != phishing), "{staff}");
}

#[tokio::test]
async fn a_buyer_has_limits_per_order_and_views_never_grow_the_orders_partition() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let order = stack.answered_order("LIMITS-1", "C-1").await;
    let session = stack.portal_session(&stack.portal_link_tokens(&order).await.remove(0)).await;
    let partition = format!("T#{}#O#{order}", stack.tenant.id);
    let items_before = stack.partition(&partition).await.len();
    for _ in 0..5 {
        assert_eq!(stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order}"), None).await.status, 200);
    }
    assert_eq!(stack.partition(&partition).await.len(), items_before, "views are not written into the order");
    let staff = stack.call(Method::GET, &format!("/v1/orders/{order}"), &operator, None).await.body;
    assert_eq!(staff["buyer_access"][0]["views"], 5, "{}", staff["buyer_access"]);

    let path = format!("/v1/portal/orders/{order}/messages");
    for n in 0..orders_domain::portal::MAX_MESSAGES_PER_ORDER {
        let wrote = stack.portal(&session, Method::POST, &path, Some(&json!({"text": format!("Message {n}")}))).await;
        assert_eq!(wrote.status, 201, "{}", wrote.body);
    }
    let refused = stack.portal(&session, Method::POST, &path, Some(&json!({"text": "One too many"}))).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let path = format!("/v1/portal/orders/{order}/requests");
    for n in 0..orders_domain::portal::MAX_REQUESTS_PER_ORDER {
        let body = json!({"kind": "change", "message": format!("Change {n}")});
        assert_eq!(stack.portal(&session, Method::POST, &path, Some(&body)).await.status, 201);
    }
    let body = json!({"kind": "change", "message": "One too many"});
    let refused = stack.portal(&session, Method::POST, &path, Some(&body)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let staff = stack.call(Method::GET, &format!("/v1/orders/{order}"), &operator, None).await.body;
    assert_eq!(staff["buyer_messages"].as_array().map(Vec::len), Some(20));
    assert_eq!(staff["buyer_requests"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn the_portal_links_the_back_office_emails_come_from_configuration_never_from_the_host_header() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let forged = |path: &str| {
        stack
            .request(Method::POST, path, &operator)
            .header("Host", "evil.example")
            .header("X-Forwarded-Proto", "https")
            .json(&json!({}))
    };
    let invited = orders_testkit::Answer::from(forged("/v1/customers/C-1/buyer-keys").send().await).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let portal = format!("{}/portal", stack.api_url);
    assert_eq!(invited.body["portal_url"], portal.as_str(), "{}", invited.body);
    let link_id = invited.body["link_id"].as_str().expect("link id");
    let (text, html) = mime_parts(&stack.emails_for(link_id).await[0].raw_data);
    assert!(text.contains(&format!("{portal}#link=")) && !text.contains("evil.example"), "{text}");
    assert!(!html.contains("evil.example"), "{html}");
}

#[tokio::test]
async fn text_that_reads_otherwise_than_it_is_stored_is_refused_in_names_numbers_and_notes() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    // "INV-1\u{202E}fdp.exe" shows as "INV-1exe.pdf".
    let spoofed = "INV-1\u{202E}fdp.exe";
    let mut order = order_body(spoofed);
    order["buyer"] = json!({"name": "Eve\u{2066}AB", "email": "eve@example.se"});
    order["notes"] = json!("Deliver\u{200F} to gate 4");
    let refused = stack.post_json("/v1/orders", &order).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let pointers = refused.pointers();
    for pointer in ["/order_number", "/buyer/name", "/notes"] {
        assert!(pointers.contains(&pointer.to_owned()), "{pointer} in {pointers:?}");
    }

    let order = stack.answered_order("TEXT-1", "C-1").await;
    let note = json!({"text": "Paid \u{202D}0001 EUR", "visibility": "buyer"});
    let answer = stack.call(Method::POST, &format!("/v1/orders/{order}/notes"), &operator, Some(&note)).await;
    assert_eq!((answer.status, answer.pointers()), (422, vec!["/text".to_owned()]), "{}", answer.body);
    let session = stack.portal_session(&stack.portal_link_tokens(&order).await.remove(0)).await;
    let message = json!({"text": "Call me \u{2067}555\u{2069}"});
    let answer =
        stack.portal(&session, Method::POST, &format!("/v1/portal/orders/{order}/messages"), Some(&message)).await;
    assert_eq!((answer.status, answer.pointers()), (422, vec!["/text".to_owned()]), "{}", answer.body);
    let customer = json!({"name": "Mallory\u{FEFF} AB", "email": "m@example.se"});
    let answer = stack.call(Method::PUT, "/v1/customers/C-77", &operator, Some(&customer)).await;
    assert_eq!((answer.status, answer.pointers()), (422, vec!["/name".to_owned()]), "{}", answer.body);
}
