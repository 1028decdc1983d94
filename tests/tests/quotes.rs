//! Quotes against the emulator: the seller drafts and sends a quote, the buyer opens the emailed magic link in the
//! portal and accepts it; the order carries the quote's prices whatever the catalogue says later, and accepting
//! twice gives one order. Links reach only their own buyer's quotes at their own seller.

use orders_domain::ids::Role;
use orders_http::portal::LinkClaims;
use orders_testkit::{mime_parts, portal_link_token, tomorrow, Answer, PortalSession, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

fn quote_request(customer: &str) -> Value {
    json!({
        "currency": "EUR",
        "buyer": {"customer_id": customer},
        "requested_delivery_date": tomorrow(),
        "delivery_address": {"name": "Anna Svensson", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [
            {"sku": "SKU-1", "quantity": "2", "unit_price": "300.00"},
            {"sku": "SKU-3", "quantity": "4"}
        ],
        "charges": [{"reason": "Freight", "amount": "49.00", "vat_category": "S", "vat_rate": "25"}],
        "notes": "Prices as agreed on the phone",
        "valid_until_date": tomorrow(),
    })
}

/// The buyer accepts `version` of quote `id`.
async fn accept(stack: &TestStack, session: &PortalSession, id: &str, version: u32) -> Answer {
    let path = format!("/v1/portal/quotes/{id}/acceptance");
    stack.portal(session, Method::POST, &path, Some(&json!({ "version": version }))).await
}

/// Drafts and sends a quote for `customer`; answers its id and the link token from the buyer's email.
async fn sent_quote(stack: &TestStack, operator: &str, customer: &str) -> (String, String) {
    let created = stack.call(Method::POST, "/v1/quotes", operator, Some(&quote_request(customer))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let sent = stack.call(Method::POST, &format!("/v1/quotes/{id}/sending"), operator, None).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 1, "one email per sending");
    let (text, _html) = mime_parts(&emails[0].raw_data);
    let token = portal_link_token(&text);
    (id, token)
}

#[tokio::test]
async fn a_sent_quote_is_accepted_by_link_into_one_order_at_the_quoted_prices() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;

    let created = stack.call(Method::POST, "/v1/quotes", &operator, Some(&quote_request("C-1"))).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("quo_"));
    assert_eq!(created.header("location"), Some(format!("/v1/quotes/{id}").as_str()));
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["version"], 1);
    // SKU-1 at the quoted 300.00 (not the catalogue's 349.00), SKU-3 at C-1's catalogue price
    assert_eq!(created.body["lines"][0]["unit_price"], "300.00");
    assert_eq!(created.body["lines"][0]["price_source"], "webshop");
    assert_eq!(created.body["totals"]["charges"], "49.00");
    orders_testkit::assert_conforms(&orders_testkit::openapi_spec(), "/v1/quotes", "post", 201, &created.body);
    let quoted_gross = created.body["totals"]["gross"].clone();
    let listed = stack.call(Method::GET, "/v1/quotes", &operator, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["id"], id.as_str(), "the newest first: {}", listed.body);
    assert_eq!(listed.body["items"][0]["status"], "draft");
    let quoted_sku3_price = created.body["lines"][1]["unit_price"].clone();

    let sent = stack.call(Method::POST, &format!("/v1/quotes/{id}/sending"), &operator, None).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["status"], "sent");
    let again = stack.call(Method::POST, &format!("/v1/quotes/{id}/sending"), &operator, None).await;
    assert_eq!(again.status, 409, "a sent version is not sent again: {}", again.body);

    // The buyer's email, in the buyer's language (C-1 is Swedish), carries the link.
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].destinations.iter().any(|d| d.contains("inkop@kontorsmobler-syd.example.se")));
    let subject = emails[0].header("Subject").unwrap_or_default();
    let (text, html) = mime_parts(&emails[0].raw_data);
    assert!(text.contains("Offert") || subject.contains("Offert"), "{subject}\n{text}");
    assert!(html.contains("/portal/quotes/"), "{html}");
    let token = text.split("#link=").nth(1).and_then(|r| r.split_whitespace().next()).expect("link").to_owned();

    // The catalogue changes after the quote was sent.
    let product = json!({"name": "Desk lamp", "unit": "C62", "price": "999.00", "currency": "EUR", "vat_category": "S", "vat_rate": "25"});
    let changed = stack.call(Method::PUT, "/v1/products/SKU-3", &operator, Some(&product)).await;
    assert!(changed.status == 200 || changed.status == 201, "{}", changed.body);

    let session = stack.portal_session(&token).await;
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/quotes/{id}"), None).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["status"], "sent");
    assert_eq!(shown.body["totals"]["gross"], quoted_gross);

    // Without the CSRF token the cookie alone changes nothing, on every write route of the portal in the template
    // (opening a link is how a buyer gets a session, so it needs none).
    let writes: Vec<_> = orders_testkit::template_routes()
        .into_iter()
        .filter(|route| route.function == "PortalFunction" && route.method != "GET")
        .filter(|route| route.path != "/v1/portal/session")
        .collect();
    assert!(writes.len() >= 2, "{writes:?}");
    for route in &writes {
        let path = route.path.replace("{id}", &id);
        for token in [None, Some("wrong"), Some("")] {
            let method = Method::from_bytes(route.method.as_bytes()).expect("method");
            let mut request = stack.cookie_request(method, &path, &session.cookie).json(&json!({"version": 1}));
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            let forged = Answer::from(request.send().await).await;
            assert_eq!(forged.status, 403, "{} {path} with {token:?}: {}", route.method, forged.body);
        }
    }

    let accepted = accept(&stack, &session, &id, 1).await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    let order_id = accepted.body["id"].as_str().expect("order id").to_owned();
    assert_eq!(accepted.body["totals"]["gross"], quoted_gross, "the quote's prices, not today's catalogue");
    assert_eq!(accepted.body["lines"][1]["unit_price"], quoted_sku3_price);
    assert_eq!(accepted.body["order_number"], format!("{id}/v1"));

    let twice = accept(&stack, &session, &id, 1).await;
    assert_eq!(twice.status, 200, "{}", twice.body);
    assert_eq!(twice.body["id"], order_id.as_str(), "accepting twice gives the same order");
    assert_eq!(twice.header("idempotent-replayed"), Some("true"));
    let declined = stack
        .portal(&session, Method::POST, &format!("/v1/portal/quotes/{id}/decline"), Some(&json!({"version": 1})))
        .await;
    assert_eq!(declined.status, 409, "an accepted quote is not declined: {}", declined.body);

    let orders: Vec<_> = stack
        .stored_orders(&stack.tenant.id)
        .await
        .into_iter()
        .filter(|item| orders_testkit::s(item, "order_number") == format!("{id}/v1"))
        .collect();
    assert_eq!(orders.len(), 1, "one order");

    // The order goes through confirmation as any order; the seller sees the quote accepted.
    let events = stack.drain_confirmation_queue().await;
    assert!(events.iter().any(|e| e.order_id.as_str() == order_id), "order.received published");
    let order = stack.order(&order_id).await;
    assert_eq!(order["references"]["quote"]["quote_id"], id.as_str());
    assert_eq!(order["references"]["quote"]["version"], 1);
    assert_eq!(order["totals"]["gross"], quoted_gross);
    let history = order["history"].as_array().expect("history");
    assert!(history[0]["detail"].as_str().is_some_and(|d| d.contains(&id)), "{}", history[0]);
    // The buyer follows the order in the portal; the seller sees the access in the order's history.
    let list = stack.portal(&session, Method::GET, "/v1/portal/orders", None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(
        list.body["items"].as_array().expect("items").iter().any(|o| o["id"] == order_id.as_str()),
        "{}",
        list.body
    );
    let followed = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.body["lines"][0]["open_quantity"], "0");
    let seen = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await.body;
    assert_eq!(
        seen["buyer_access"][0]["views"], 1,
        "the access is in the order's access log: {}",
        seen["buyer_access"]
    );
    let seller_view = stack.call(Method::GET, &format!("/v1/quotes/{id}"), &operator, None).await;
    assert_eq!(seller_view.body["status"], "accepted");
    assert_eq!(seller_view.body["order_id"], order_id.as_str());
}

#[tokio::test]
async fn a_link_reaches_only_its_own_buyers_quotes_at_its_own_seller() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let (for_c1, token_c1) = sent_quote(&stack, &operator, "C-1").await;
    let (for_c2, _) = sent_quote(&stack, &operator, "C-2").await;

    let c1 = stack.portal_session(&token_c1).await;
    let own = stack.portal(&c1, Method::GET, &format!("/v1/portal/quotes/{for_c1}"), None).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let other_buyer = stack.portal(&c1, Method::GET, &format!("/v1/portal/quotes/{for_c2}"), None).await;
    assert_eq!(other_buyer.status, 404, "{}", other_buyer.body);
    let accept_other = accept(&stack, &c1, &for_c2, 1).await;
    assert_eq!(accept_other.status, 404, "{}", accept_other.body);

    // Another buyer's order is not there either.
    let mut c2_order = orders_testkit::order_body("PORTAL-C2");
    c2_order["buyer"] = json!({"customer_id": "C-2"});
    let c2_order = stack.post_json("/v1/orders", &c2_order).await.body["id"].as_str().expect("id").to_owned();
    let hidden = stack.portal(&c1, Method::GET, &format!("/v1/portal/orders/{c2_order}"), None).await;
    assert_eq!(hidden.status, 404, "{}", hidden.body);
    let listed = stack.portal(&c1, Method::GET, "/v1/portal/orders", None).await;
    assert!(listed.body["items"].as_array().expect("items").iter().all(|o| o["id"] != c2_order.as_str()));
    let bad_limit = stack.portal(&c1, Method::GET, "/v1/portal/orders?limit=0", None).await;
    assert_eq!(bad_limit.status, 400, "{}", bad_limit.body);
    let bad_cursor = stack.portal(&c1, Method::GET, "/v1/portal/orders?cursor=abc", None).await;
    assert_eq!(bad_cursor.status, 400, "{}", bad_cursor.body);

    // Another seller's operator does not see the quote; a draft is not the buyer's to see.
    let other_tenant = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other_tenant.id, Role::Operator).await;
    let foreign = stack.call(Method::GET, &format!("/v1/quotes/{for_c1}"), &other_operator, None).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let draft = stack.call(Method::POST, "/v1/quotes", &operator, Some(&quote_request("C-1"))).await;
    let draft_id = draft.body["id"].as_str().expect("id");
    let unsent = stack.portal(&c1, Method::GET, &format!("/v1/portal/quotes/{draft_id}"), None).await;
    assert_eq!(unsent.status, 404, "{}", unsent.body);

    // A tampered link, an expired link and a revoked link are refused.
    let mut tampered = token_c1.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(stack.open_portal_link(&tampered).await.status, 401);
    assert_eq!(stack.open_portal_link("garbage").await.status, 401);

    let gate = stack.link_sealer().await;
    let claims = gate.open(&token_c1).expect("our own link");
    let expired = gate.seal(&LinkClaims { expires_at: 1_000, ..claims.clone() });
    let refused = stack.open_portal_link(&expired).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("expired")), "{}", refused.body);
    // The same link id claimed for another buyer or seller is not a link.
    let moved = gate.seal(&LinkClaims { customer: "C-2".into(), ..claims.clone() });
    assert_eq!(stack.open_portal_link(&moved).await.status, 401);
    let foreign_link = gate.seal(&LinkClaims { tenant: other_tenant.id.to_string(), ..claims.clone() });
    assert_eq!(stack.open_portal_link(&foreign_link).await.status, 401);

    let foreign_revoke = stack
        .call(Method::POST, &format!("/v1/buyer-links/{}/revocation", claims.link_id), &other_operator, None)
        .await;
    assert_eq!(foreign_revoke.status, 404, "another seller cannot revoke it: {}", foreign_revoke.body);
    let revoked =
        stack.call(Method::POST, &format!("/v1/buyer-links/{}/revocation", claims.link_id), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.body);
    assert_eq!(stack.open_portal_link(&token_c1).await.status, 401, "a revoked link opens nothing");
    let after = stack.portal(&c1, Method::GET, &format!("/v1/portal/quotes/{for_c1}"), None).await;
    assert_eq!(after.status, 401, "revoking ends the link's sessions: {}", after.body);
}

#[tokio::test]
async fn quote_and_portal_routes_answer_problems_for_bad_input() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;

    let mut no_validity = quote_request("C-1");
    no_validity.as_object_mut().expect("object").remove("valid_until_date");
    no_validity["order_number"] = json!("X-1");
    no_validity["lines"][0]["sku"] = json!("NO-SUCH-SKU");
    let invalid = stack.call(Method::POST, "/v1/quotes", &operator, Some(&no_validity)).await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert_eq!(invalid.pointers(), ["/order_number", "/valid_until_date"], "{}", invalid.body);
    let unknown = stack
        .call(
            Method::POST,
            "/v1/quotes",
            &operator,
            Some(&json!({
                "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}], "currency": "EUR", "buyer": {"customer_id": "C-1"},
                "delivery_address": {"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "SE"},
                "valid_until_date": tomorrow()
            })),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.pointers(), ["/lines/0/sku"]);
    let malformed = Answer::from(
        stack
            .request(Method::POST, "/v1/quotes", &operator)
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await,
    )
    .await;
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    assert_eq!(stack.call(Method::POST, "/v1/quotes", &warehouse, Some(&quote_request("C-1"))).await.status, 403);
    assert_eq!(stack.call(Method::GET, "/v1/quotes/quo_nope", &operator, None).await.status, 404);
    assert_eq!(stack.call(Method::POST, "/v1/quotes/quo_nope/sending", &operator, None).await.status, 404);

    let (id, token) = sent_quote(&stack, &operator, "C-1").await;
    let session = stack.portal_session(&token).await;
    for (body, status) in [
        (json!({}), 400),
        (json!({"version": "one"}), 400),
        (json!({"version": 1, "extra": true}), 400),
        (json!({"version": 7}), 422),
    ] {
        let answer =
            stack.portal(&session, Method::POST, &format!("/v1/portal/quotes/{id}/acceptance"), Some(&body)).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
    }
    let long = "x".repeat(501);
    let answer = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/quotes/{id}/decline"),
            Some(&json!({"version": 1, "reason": long})),
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    for (body, status) in [(json!({}), 400), (json!({"link": ""}), 422), (json!({"link": 5}), 400)] {
        let answer = Answer::from(
            reqwest::Client::new().post(format!("{}/v1/portal/session", stack.api_url)).json(&body).send().await,
        )
        .await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
    }
    let nobody =
        Answer::from(reqwest::Client::new().get(format!("{}/v1/portal/quotes/{id}", stack.api_url)).send().await).await;
    assert_eq!(nobody.status, 401);
    let wrong_method = stack.portal(&session, Method::DELETE, &format!("/v1/portal/quotes/{id}"), None).await;
    assert!(wrong_method.status == 405 || wrong_method.status == 404, "{}", wrong_method.status);

    // The buyer declines with a reason; the seller sees it.
    let declined = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/quotes/{id}/decline"),
            Some(&json!({"version": 1, "reason": "Too expensive"})),
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    let seller = stack.call(Method::GET, &format!("/v1/quotes/{id}"), &operator, None).await;
    assert_eq!(seller.body["status"], "declined");
    assert_eq!(seller.body["decline_reason"], "Too expensive");
    let late = accept(&stack, &session, &id, 1).await;
    assert_eq!(late.status, 409, "a declined quote is not accepted: {}", late.body);
}

#[tokio::test]
async fn a_declined_quote_is_reopened_as_version_2_with_an_added_line_and_accepted() {
    let stack = TestStack::start().await;
    // The seller answers orders by hand, so the order of a quote can be rejected (renegotiation below).
    stack.set_response_policy(orders_domain::tenant::ResponsePolicy::Manual).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let (id, token) = sent_quote(&stack, &operator, "C-1").await;
    let session = stack.portal_session(&token).await;
    let declined = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/quotes/{id}/decline"),
            Some(&json!({"version": 1, "reason": "Need a third item"})),
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.body);

    let mut v2 = quote_request("C-1");
    v2["lines"].as_array_mut().expect("lines").push(json!({"sku": "SKU-2", "quantity": "1"}));
    let other_buyer =
        stack.call(Method::POST, &format!("/v1/quotes/{id}/versions"), &operator, Some(&quote_request("C-2"))).await;
    assert_eq!(other_buyer.status, 422, "{}", other_buyer.body);
    let reopened = stack.call(Method::POST, &format!("/v1/quotes/{id}/versions"), &operator, Some(&v2)).await;
    assert_eq!(reopened.status, 201, "{}", reopened.body);
    assert_eq!(reopened.body["version"], 2);
    assert_eq!(reopened.body["status"], "draft");
    assert_eq!(reopened.body["lines"].as_array().map(Vec::len), Some(3));
    let listed: Vec<(u64, String)> = reopened.body["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].as_u64().unwrap_or(0), v["status"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(listed, [(2, "draft".to_owned()), (1, "declined".to_owned())], "v1 kept as it was");
    let draft_again = stack.call(Method::POST, &format!("/v1/quotes/{id}/versions"), &operator, Some(&v2)).await;
    assert_eq!(draft_again.status, 409, "a draft is not reopened: {}", draft_again.body);

    // While version 2 is a draft the buyer still sees version 1 only, and cannot decide it any more.
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/quotes/{id}"), None).await;
    assert_eq!(shown.body["version"], 1);
    let sent = stack.call(Method::POST, &format!("/v1/quotes/{id}/sending"), &operator, None).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(stack.emails_for(&id).await.len(), 2, "one email per version sent");
    let old = accept(&stack, &session, &id, 1).await;
    assert_eq!(old.status, 409, "{}", old.body);
    let accepted = accept(&stack, &session, &id, 2).await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    assert_eq!(accepted.body["lines"].as_array().map(Vec::len), Some(3));
    assert_eq!(accepted.body["order_number"], format!("{id}/v2"));
    let order_id = accepted.body["id"].as_str().expect("id").to_owned();

    // Accepted into a live order: not reopened. Once the seller rejects that order, the quote is renegotiated.
    let live = stack.call(Method::POST, &format!("/v1/quotes/{id}/versions"), &operator, Some(&v2)).await;
    assert_eq!(live.status, 409, "{}", live.body);
    stack.deliver_all().await;
    assert_eq!(stack.order(&order_id).await["status"], "pending_response");
    let rejected = stack
        .call(
            Method::POST,
            &format!("/v1/orders/{order_id}/response"),
            &operator,
            Some(&json!({"decision": "reject", "reason": "Lamp discontinued"})),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let v3 =
        stack.call(Method::POST, &format!("/v1/quotes/{id}/versions"), &operator, Some(&quote_request("C-1"))).await;
    assert_eq!(v3.status, 201, "{}", v3.body);
    assert_eq!(v3.body["version"], 3);
    let orders = stack
        .stored_orders(&stack.tenant.id)
        .await
        .into_iter()
        .filter(|item| orders_testkit::s(item, "order_number").starts_with(&id))
        .count();
    assert_eq!(orders, 1, "declining and reopening made no order");
}
