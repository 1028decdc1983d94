//! The buyer portal against the emulator: every buyer email links into the portal, where the buyer follows their
//! orders; links reach only their own buyer at their own seller, and the seller can revoke them.

use orders_domain::ids::Role;
use orders_testkit::{mime_parts, portal_link_token, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn buyer_emails_link_into_the_portal_for_that_buyer_only_until_revoked() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let order_id = stack.answered_order("LINKED-1", "C-1").await;
    let other_buyers = stack.answered_order("LINKED-2", "C-2").await;

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
    // The seller sees the order's link, who opened the order through it, and revokes it: the link and its
    // sessions stop working.
    let staff_view = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let access = &staff_view.body["buyer_access"][0];
    assert_eq!((access["customer_id"].as_str(), access["views"].as_u64()), (Some("C-1"), Some(1)), "{access}");
    let link_id = staff_view.body["buyer_link_id"].as_str().expect("buyer_link_id").to_owned();
    let other_tenant = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other_tenant.id, Role::Operator).await;
    let foreign =
        stack.call(Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &other_operator, None).await;
    assert_eq!(foreign.status, 404, "another seller cannot revoke it: {}", foreign.body);
    assert_eq!(stack.open_portal_link(&token).await.status, 200, "still open");
    let revoked = stack.call(Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(revoked.body["customer_id"], "C-1");
    assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.body);
    assert_eq!(stack.open_portal_link(&token).await.status, 401, "a revoked link opens nothing");
    let after = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(after.status, 401, "revoking ends the link's sessions: {}", after.body);
}

/// A portal session of `customer`, opened with the link of a buyer email about a new order of theirs.
async fn buyer_session(stack: &TestStack, number: &str, customer: &str) -> (orders_testkit::PortalSession, String) {
    let order_id = stack.answered_order(number, customer).await;
    let email = stack
        .emails_for(&order_id)
        .await
        .into_iter()
        .map(|e| mime_parts(&e.raw_data).0)
        .find(|text| text.contains("#link="))
        .expect("a buyer email with a portal link");
    (stack.portal_session(&portal_link_token(&email)).await, order_id)
}

/// A portal session of `customer` opened with a buyer account key the seller invited them with (what the shop,
/// the cart and ordering need).
async fn account_session(stack: &TestStack, customer: &str) -> orders_testkit::PortalSession {
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let invited =
        stack.call(Method::POST, &format!("/v1/customers/{customer}/buyer-keys"), &operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    stack.portal_session(invited.body["key"].as_str().expect("key")).await
}

#[tokio::test]
async fn a_buyer_orders_from_the_catalogue_through_a_server_side_cart_and_reorders() {
    let stack = TestStack::start().await;
    stack.answered_order("CART-00", "C-2").await;
    let session = account_session(&stack, "C-2").await;
    let signed_in = stack.portal(&session, Method::GET, "/v1/portal/session", None).await;
    assert_eq!(signed_in.body["language"], "de", "the buyer's stored language: {}", signed_in.body);

    let catalogue = stack.portal(&session, Method::GET, "/v1/portal/catalogue", None).await;
    assert_eq!(catalogue.status, 200, "{}", catalogue.body);
    let items = catalogue.body["items"].as_array().expect("items");
    let lamp = items.iter().find(|i| i["sku"] == "SKU-2").expect("SKU-2");
    assert_eq!(lamp["unit_price"], "45.00", "C-2's agreed price, not the catalogue's 49.90");
    assert!(lamp["available"].as_str().is_some_and(|a| a != "0"), "{lamp}");
    let searched = stack.portal(&session, Method::GET, "/v1/portal/catalogue?q=coffee", None).await;
    let found: Vec<_> = searched.body["items"].as_array().expect("items").iter().map(|i| i["sku"].clone()).collect();
    assert_eq!(found, [json!("SKU-3")]);

    let put = |sku: &str, body: Value| {
        let path = format!("/v1/portal/cart/lines/{sku}");
        let session = session.clone();
        let stack = &stack;
        async move { stack.portal(&session, Method::PUT, &path, Some(&body)).await }
    };
    assert_eq!(put("SKU-2", json!({"quantity": "3"})).await.status, 200);
    assert_eq!(put("SKU-1", json!({"quantity": "1"})).await.status, 200);
    let cart = put("SKU-1", json!({"quantity": "1", "saved_for_later": true})).await;
    assert_eq!(cart.status, 200, "{}", cart.body);
    assert_eq!(cart.body["totals"]["net"], "135.00", "only what is not saved for later: 3 × 45.00");
    let cart_id = cart.body["cart_id"].as_str().expect("cart id").to_owned();
    assert_eq!(put("NO-SUCH-SKU", json!({"quantity": "1"})).await.status, 404);
    // The cart is kept server-side: a new session of the same buyer sees it.
    let again = account_session(&stack, "C-2").await;
    let seen = stack.portal(&again, Method::GET, "/v1/portal/cart", None).await;
    assert_eq!(seen.body["cart_id"], cart_id.as_str());
    assert_eq!(seen.body["lines"].as_array().map(Vec::len), Some(2));

    let checkout =
        json!({"cart_id": cart_id, "requested_delivery_date": orders_testkit::tomorrow(), "notes": "Gate 4"});
    let placed = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&checkout)).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order_id = placed.body["id"].as_str().expect("order id").to_owned();
    assert_eq!(placed.body["totals"]["net"], "135.00");
    assert_eq!(placed.body["delivery_address"]["city"], "Berlin", "the buyer's stored address");
    assert_eq!(placed.body["lines"].as_array().map(Vec::len), Some(1));
    let twice = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&checkout)).await;
    assert_eq!(twice.status, 200, "{}", twice.body);
    assert_eq!(twice.body["id"], order_id.as_str(), "ordering the same cart twice places one order");
    let left = stack.portal(&session, Method::GET, "/v1/portal/cart", None).await;
    assert_ne!(left.body["cart_id"], cart_id.as_str());
    assert_eq!(
        left.body["lines"],
        json!([{
            "sku": "SKU-1", "name": "Oak desk 160x80", "unit": "C62", "quantity": "1", "saved_for_later": true,
            "unit_price": "349.00", "line_net": "349.00", "available": left.body["lines"][0]["available"].clone(),
            "orderable": true,
        }]),
        "the saved list stays"
    );
    let empty = stack
        .portal(&session, Method::POST, "/v1/portal/orders", Some(&json!({"cart_id": left.body["cart_id"]})))
        .await;
    assert_eq!(empty.status, 422, "{}", empty.body);

    // An earlier request ordered the cart but died before renewing it: ordering it again answers that order and
    // renews the cart; if the cart holds other lines by then, it keeps them under a new id and says so.
    let store = stack.stack.store();
    let tenant = &stack.tenant.id;
    let c2 = orders_domain::ids::CustomerId::parse("C-2").expect("customer");
    let lamp = orders_domain::ids::Sku::parse("SKU-2").expect("sku");
    let stale = |lines: Vec<orders_domain::portal::CartLine>| {
        let store = store.clone();
        let (c2, cart_id) = (c2.clone(), cart_id.clone());
        async move {
            let current = store.cart(tenant, &c2).await.expect("cart");
            let back = orders_domain::portal::Cart { cart_id, lines, ..current };
            store.put_cart(tenant, &c2, &back).await.expect("write").expect("stored");
        }
    };
    let line = |quantity: i64| orders_domain::portal::CartLine {
        sku: lamp.clone(),
        quantity: rust_decimal::Decimal::from(quantity),
        saved_for_later: false,
    };
    stale(vec![line(3)]).await;
    let replayed = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&checkout)).await;
    assert_eq!((replayed.status, replayed.body["id"].as_str()), (200, Some(order_id.as_str())), "{}", replayed.body);
    let renewed = stack.portal(&session, Method::GET, "/v1/portal/cart", None).await;
    assert_ne!(renewed.body["cart_id"], cart_id.as_str());
    assert_eq!(renewed.body["lines"], json!([]), "the ordered content left the cart");
    stale(vec![
        line(3),
        orders_domain::portal::CartLine { sku: orders_domain::ids::Sku::parse("SKU-3").expect("sku"), ..line(1) },
    ])
    .await;
    let refused = stack.portal(&session, Method::POST, "/v1/portal/orders", Some(&checkout)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let kept = stack.portal(&session, Method::GET, "/v1/portal/cart", None).await;
    assert_ne!(kept.body["cart_id"], cart_id.as_str());
    assert_eq!(kept.body["lines"].as_array().map(Vec::len), Some(2), "its lines are kept: {}", kept.body);
    for sku in ["SKU-2", "SKU-3"] {
        stack.portal(&session, Method::DELETE, &format!("/v1/portal/cart/lines/{sku}"), None).await;
    }

    // The order goes through confirmation like a webshop's; the buyer gets its email with a link.
    stack.deliver_all().await;
    assert_eq!(stack.order(&order_id).await["status"], "accepted");
    let emails = stack.emails_for(&order_id).await;
    assert!(emails.iter().any(|e| mime_parts(&e.raw_data).0.contains(&format!("/portal/orders/{order_id}#link="))));
    let listed = stack.portal(&session, Method::GET, "/v1/portal/orders", None).await;
    assert!(listed.body["items"].as_array().expect("items").iter().any(|o| o["id"] == order_id.as_str()));
    let ids = |answer: &Answer| -> Vec<String> {
        answer.body["items"].as_array().expect("items").iter().map(|o| o["id"].as_str().unwrap_or("").into()).collect()
    };
    let by_product = stack.portal(&session, Method::GET, "/v1/portal/orders?q=lamp", None).await;
    assert!(ids(&by_product).contains(&order_id), "{}", by_product.body);
    let by_number = stack.portal(&session, Method::GET, "/v1/portal/orders?q=cart-00", None).await;
    assert!(!ids(&by_number).contains(&order_id) && !ids(&by_number).is_empty(), "{}", by_number.body);
    let accepted = stack.portal(&session, Method::GET, "/v1/portal/orders?status=accepted,delivered", None).await;
    assert!(ids(&accepted).contains(&order_id), "{}", accepted.body);
    let rejected = stack.portal(&session, Method::GET, "/v1/portal/orders?status=rejected", None).await;
    assert!(ids(&rejected).is_empty(), "{}", rejected.body);
    let bogus = stack.portal(&session, Method::GET, "/v1/portal/orders?status=shipped", None).await;
    assert_eq!(bogus.status, 400, "as the back office's list: {}", bogus.body);
    assert_eq!(bogus.body["type"], "https://errors.orders.example/invalid-parameter", "{}", bogus.body);

    let reordered = stack.portal(&session, Method::POST, &format!("/v1/portal/orders/{order_id}/reorder"), None).await;
    assert_eq!(reordered.status, 200, "{}", reordered.body);
    let lines = reordered.body["lines"].as_array().expect("lines");
    assert!(lines.iter().any(|l| l["sku"] == "SKU-2" && l["quantity"] == "3" && l["saved_for_later"] == false));
    let removed = stack.portal(&session, Method::DELETE, "/v1/portal/cart/lines/SKU-2", None).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body["lines"].as_array().expect("lines").iter().all(|l| l["sku"] != "SKU-2"));
}

#[tokio::test]
async fn a_change_request_reaches_the_seller_and_changes_nothing_until_the_seller_acts() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let (session, order_id) = buyer_session(&stack, "REQ-1", "C-1").await;
    let before = stack.order(&order_id).await;

    let asked = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/orders/{order_id}/requests"),
            Some(&json!({"kind": "change", "message": "Please make it 1 desk instead of 2"})),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.body["status"], "open");
    let request_id = asked.body["request_id"].as_str().expect("request id").to_owned();
    let wrote = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/orders/{order_id}/messages"),
            Some(&json!({"text": "Also: deliver <b>after</b> 10:00"})),
        )
        .await;
    assert_eq!(wrote.status, 201, "{}", wrote.body);

    // Nothing about the order changed; the seller sees the request and the message.
    let after = stack.order(&order_id).await;
    assert_eq!(after["status"], before["status"]);
    assert_eq!(after["lines"], before["lines"]);
    assert_eq!(after["totals"], before["totals"]);
    let staff = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let requests = staff.body["buyer_requests"].as_array().expect("buyer_requests");
    assert_eq!(requests.len(), 1, "{}", staff.body);
    assert_eq!(requests[0]["message"], "Please make it 1 desk instead of 2");
    assert_eq!(requests[0]["status"], "open");
    let messages = staff.body["buyer_messages"].as_array().expect("buyer messages");
    assert!(messages.iter().any(|m| m["customer_id"] == "C-1" && m["text"] == "Also: deliver <b>after</b> 10:00"));
    assert!(staff.body["seller_notes"].as_array().expect("notes").is_empty(), "a buyer's words are not a note");
    let history = staff.body["history"].as_array().expect("history");
    assert!(history.iter().any(|h| h["action"] == "change_requested"), "{history:?}");
    let open = stack.call(Method::GET, "/v1/buyer-requests", &operator, None).await;
    assert_eq!(open.status, 200, "{}", open.body);
    assert_eq!(open.body["items"][0]["request_id"], request_id.as_str(), "the seller's list of open requests");
    assert_eq!(open.body["items"][0]["order_number"], "REQ-1");

    // The seller acts on it (changes the order through its own action), then answers the request.
    let path = format!("/v1/orders/{order_id}/buyer-requests/{request_id}/resolution");
    let other_tenant = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other_tenant.id, Role::Operator).await;
    assert_eq!(stack.call(Method::POST, &path, &other_operator, Some(&json!({"outcome": "done"}))).await.status, 404);
    let answered =
        stack.call(Method::POST, &path, &operator, Some(&json!({"outcome": "done", "note": "Changed to 1"}))).await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.body["status"], "done");
    let listed = |status: &'static str| {
        let (stack, operator) = (&stack, &operator);
        async move {
            let answer = stack.call(Method::GET, &format!("/v1/buyer-requests?status={status}"), operator, None).await;
            answer.body["items"].as_array().expect("items").iter().map(|r| r["request_id"].clone()).collect::<Vec<_>>()
        }
    };
    assert!(!listed("open").await.contains(&json!(request_id)), "answered requests leave the open list");
    assert!(listed("done").await.contains(&json!(request_id)));
    let again = stack.call(Method::POST, &path, &operator, Some(&json!({"outcome": "declined"}))).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(shown.body["requests"][0]["status"], "done");
    assert_eq!(shown.body["requests"][0]["resolution_note"], "Changed to 1");
    assert_eq!(shown.body["buyer_messages"][0]["customer_id"], "C-1", "{}", shown.body);

    // Once part of it shipped, it can no longer be cancelled; another buyer cannot ask at all.
    stack.despatch(&order_id, &json!({"despatch_number": "D-REQ", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all().await;
    let cancel = stack
        .portal(
            &session,
            Method::POST,
            &format!("/v1/portal/orders/{order_id}/requests"),
            Some(&json!({"kind": "cancellation", "message": "Cancel it all"})),
        )
        .await;
    assert_eq!(cancel.status, 409, "{}", cancel.body);
    let (stranger, _) = buyer_session(&stack, "REQ-2", "C-2").await;
    let foreign = stack
        .portal(
            &stranger,
            Method::POST,
            &format!("/v1/portal/orders/{order_id}/requests"),
            Some(&json!({"kind": "change", "message": "mine now"})),
        )
        .await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
}

#[tokio::test]
async fn a_buyer_downloads_the_documents_of_their_own_orders_only() {
    let stack = TestStack::start().await;
    let (session, order_id) = buyer_session(&stack, "DOCS-1", "C-1").await;
    stack
        .despatch(
            &order_id,
            &json!({"despatch_number": "D-DOCS", "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]}),
        )
        .await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(shown.body["status"], "invoiced", "{}", shown.body);
    // The answer, the shipment and the invoice emails each link into the portal.
    let to_buyer: Vec<String> = stack
        .emails_for(&order_id)
        .await
        .iter()
        .filter(|e| e.destinations.iter().any(|d| d == "inkop@kontorsmobler-syd.example.se"))
        .map(|e| {
            let leaves = orders_testkit::mime_leaves(e.raw_data.as_bytes());
            let text = leaves.iter().find(|leaf| leaf.content_type == "text/plain").expect("a text part");
            String::from_utf8_lossy(&text.bytes).into_owned()
        })
        .collect();
    assert_eq!(to_buyer.len(), 3, "accepted, despatched, invoice");
    assert!(to_buyer.iter().all(|text| text.contains(&format!("/portal/orders/{order_id}#link="))), "{to_buyer:?}");
    assert_eq!(shown.body["tracking"][0]["shipped"], "2");
    let documents = shown.body["documents"].as_array().expect("documents").clone();
    let href = |kind: &str, format: &str| {
        documents
            .iter()
            .find(|d| d["kind"] == kind && d["format"] == format)
            .and_then(|d| d["href"].as_str())
            .unwrap_or_else(|| panic!("no {kind} {format} in {documents:?}"))
            .to_owned()
    };
    let fetch = |path: String, cookie: Option<String>| {
        let stack = &stack;
        async move {
            let cookie = cookie.unwrap_or_else(|| "none=1".into());
            let response = stack.cookie_request(Method::GET, &path, &cookie).send().await.expect("response");
            let status = response.status().as_u16();
            let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            (status, kind, response.bytes().await.expect("body").to_vec())
        }
    };
    let pdf = href("invoice", "pdf");
    let (status, kind, bytes) = fetch(pdf.clone(), Some(session.cookie.clone())).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    assert!(bytes.starts_with(b"%PDF"));
    let mut ubl = Vec::new();
    for path in [href("invoice", "ubl"), href("order_response", "ubl"), href("despatch_advice", "ubl")] {
        let (status, kind, bytes) = fetch(path.clone(), Some(session.cookie.clone())).await;
        assert_eq!((status, kind.as_str()), (200, "application/xml"), "{path}");
        ubl.push((path.replace('/', "_"), String::from_utf8(bytes).expect("UTF-8")));
    }
    if let Some(results) = orders_testkit::validate_peppol(&ubl) {
        for result in &results {
            assert_eq!(result["ok"], true, "{result}");
        }
    }
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let staff = stack.call(Method::GET, &format!("/v1/orders/{order_id}"), &operator, None).await;
    let downloads: u64 = staff.body["buyer_access"]
        .as_array()
        .expect("buyer access")
        .iter()
        .filter_map(|a| a["downloads"].as_u64())
        .sum();
    assert_eq!(downloads, 4, "every download is in the order's access log: {}", staff.body["buyer_access"]);
    assert_eq!(fetch(pdf.clone(), None).await.0, 401, "no session, no document");
    let (stranger, _) = buyer_session(&stack, "DOCS-2", "C-2").await;
    assert_eq!(fetch(pdf, Some(stranger.cookie.clone())).await.0, 404, "another buyer's invoice");
    assert_eq!(fetch(href("order_response", "ubl"), Some(stranger.cookie)).await.0, 404);
}

#[tokio::test]
async fn a_buyer_without_a_peppol_id_is_offered_no_peppol_documents_only_the_ones_issued() {
    let stack = TestStack::start().await;
    let store = stack.stack.store();
    let c1 = orders_domain::ids::CustomerId::parse("C-1").expect("id");
    let mut plain = store.get_customer(&stack.tenant.id, &c1).await.expect("read").expect("C-1");
    plain.id = orders_domain::ids::CustomerId::parse("C-PLAIN").expect("id");
    plain.peppol_id = None;
    store.put_customer(&stack.tenant.id, &plain).await.expect("customer");
    let (session, order_id) = buyer_session(&stack, "PLAIN-1", "C-PLAIN").await;
    stack.despatch(&order_id, &json!({"despatch_number": "D-PLAIN", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all().await;
    let shown = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{order_id}"), None).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let kinds: Vec<&str> =
        shown.body["documents"].as_array().expect("documents").iter().filter_map(|d| d["kind"].as_str()).collect();
    assert!(kinds.contains(&"delivery_note"), "{kinds:?}");
    assert!(!kinds.contains(&"order_response") && !kinds.contains(&"despatch_advice"), "none issued: {kinds:?}");
    let advice = stack
        .cookie_request(Method::GET, &format!("/v1/portal/orders/{order_id}/despatches/D-PLAIN.xml"), &session.cookie)
        .send()
        .await
        .expect("response");
    assert_eq!(advice.status().as_u16(), 404, "and none served");
}

#[tokio::test]
async fn every_portal_route_answers_bad_input_with_a_problem_never_a_server_error() {
    let stack = TestStack::start().await;
    let (session, order_id) = buyer_session(&stack, "BAD-1", "C-1").await;
    let o = &order_id;
    // (method, template path, path with bad input, body): each must be a 4xx problem.
    let cases: Vec<(&str, &str, String, Option<Value>)> = vec![
        ("GET", "/portal", "/portal".into(), None),
        ("GET", "/portal/{proxy+}", "/portal/assets/nope.js".into(), None),
        ("POST", "/v1/portal/session", "/v1/portal/session".into(), Some(json!({"link": ["x"]}))),
        ("GET", "/v1/portal/session", "/v1/portal/session?x=1".into(), None),
        ("GET", "/v1/portal/orders", "/v1/portal/orders?limit=-1".into(), None),
        ("POST", "/v1/portal/orders", "/v1/portal/orders".into(), Some(json!({"cart_id": 7}))),
        ("GET", "/v1/portal/orders/{id}", "/v1/portal/orders/ord_nope".into(), None),
        ("POST", "/v1/portal/orders/{id}/reorder", "/v1/portal/orders/..%2F/reorder".into(), None),
        (
            "POST",
            "/v1/portal/orders/{id}/requests",
            format!("/v1/portal/orders/{o}/requests"),
            Some(json!({"kind": "refund", "message": "x"})),
        ),
        (
            "POST",
            "/v1/portal/orders/{id}/messages",
            format!("/v1/portal/orders/{o}/messages"),
            Some(json!({"text": ""})),
        ),
        ("GET", "/v1/portal/orders/{id}/order-response.xml", "/v1/portal/orders/ord_0/order-response.xml".into(), None),
        (
            "GET",
            "/v1/portal/orders/{id}/despatches/{number}",
            format!("/v1/portal/orders/{o}/despatches/NOPE.xml"),
            None,
        ),
        (
            "GET",
            "/v1/portal/orders/{id}/despatches/{number}/delivery-note.pdf",
            format!("/v1/portal/orders/{o}/despatches/NOPE/delivery-note.pdf"),
            None,
        ),
        ("GET", "/v1/portal/catalogue", format!("/v1/portal/catalogue?q={}", "x".repeat(101)), None),
        ("GET", "/v1/portal/cart", "/v1/portal/cart?limit=x".into(), None),
        ("PUT", "/v1/portal/cart/lines/{sku}", "/v1/portal/cart/lines/SKU-1".into(), Some(json!({"quantity": "-2"}))),
        ("DELETE", "/v1/portal/cart/lines/{sku}", "/v1/portal/cart/lines/%20".into(), None),
        ("GET", "/v1/portal/quotes/{id}", "/v1/portal/quotes/quo_nope".into(), None),
        (
            "POST",
            "/v1/portal/quotes/{id}/acceptance",
            "/v1/portal/quotes/quo_nope/acceptance".into(),
            Some(json!({"version": 0})),
        ),
        ("POST", "/v1/portal/quotes/{id}/decline", "/v1/portal/quotes/quo_nope/decline".into(), Some(json!({}))),
        ("GET", "/v1/portal/invoices/{number}/{file}", "/v1/portal/invoices/NOPE/invoice.pdf".into(), None),
        ("GET", "/v1/portal/credit-notes/{number}/{file}", "/v1/portal/credit-notes/X/credit-note.exe".into(), None),
    ];
    let routed: std::collections::BTreeSet<String> = orders_testkit::template_routes()
        .iter()
        .filter(|r| r.function == "PortalFunction" || r.path.starts_with("/v1/portal/"))
        .map(devstack::template::Route::key)
        .collect();
    let covered: std::collections::BTreeSet<String> =
        cases.iter().map(|(method, template, _, _)| format!("{method} {template}")).collect();
    assert_eq!(covered, routed, "every portal route has a row");

    for (method, template, path, body) in &cases {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let answer = stack.portal(&session, method.clone(), path, body.as_ref()).await;
        if template.starts_with("/portal") && answer.status == 200 {
            continue; // the page itself, whatever the query
        }
        if (*template == "/v1/portal/session" || *template == "/v1/portal/cart") && answer.status == 200 {
            continue; // ignored query parameters
        }
        assert!((400..500).contains(&answer.status), "{method} {path}: {} {}", answer.status, answer.body);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{method} {path}");
        // Broken JSON is a 400 problem too.
        if method != Method::GET && method != Method::DELETE {
            let broken = Answer::from(
                stack
                    .cookie_request(method.clone(), path, &session.cookie)
                    .header("x-csrf-token", &session.csrf)
                    .header("content-type", "application/json")
                    .body("{\"broken")
                    .send()
                    .await,
            )
            .await;
            assert!((400..500).contains(&broken.status), "{method} {path} broken: {}", broken.status);
        }
        // Without a session: 401.
        let anonymous = Answer::from(stack.cookie_request(method.clone(), path, "none=1").send().await).await;
        assert!((400..500).contains(&anonymous.status), "{method} {path} anonymous: {}", anonymous.status);
    }
}

#[tokio::test]
async fn an_invited_b2b_buyer_signs_in_with_their_account_key_until_it_is_revoked() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let own = stack.answered_order("KEY-1", "C-1").await;
    let others = stack.answered_order("KEY-2", "C-2").await;

    let invited = stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let key = invited.body["key"].as_str().expect("key").to_owned();
    let link_id = invited.body["link_id"].as_str().expect("link id").to_owned();
    assert_eq!(invited.body["emailed_to"], "inkop@kontorsmobler-syd.example.se");
    let year = invited.body["expires_at"].as_i64().expect("expiry") - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((364 * 86_400..=366 * 86_400).contains(&year), "a year by default: {year}");
    // The invitation email, in the buyer's language, carries the key and a link that signs in.
    let emails = stack.emails_for(&link_id).await;
    assert_eq!(emails.len(), 1);
    let (text, _) = mime_parts(&emails[0].raw_data);
    assert!(text.contains(&key) && text.contains(&format!("{}/portal#link=", stack.api_url)), "{text}");
    assert!(text.contains("köparportal"), "Swedish for C-1: {text}");

    let session = stack.portal_session(&key).await;
    let mine = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{own}"), None).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let theirs = stack.portal(&session, Method::GET, &format!("/v1/portal/orders/{others}"), None).await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);

    assert_eq!(stack.call(Method::POST, "/v1/customers/C-404/buyer-keys", &operator, None).await.status, 404);
    let too_long =
        stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &operator, Some(&json!({"valid_days": 731}))).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(
        stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &stack.tenant.key, None).await.status,
        403,
        "webshop keys invite nobody"
    );

    let revoked = stack.call(Method::POST, &format!("/v1/buyer-links/{link_id}/revocation"), &operator, None).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(stack.open_portal_link(&key).await.status, 401, "a revoked key signs nobody in");
    let after = stack.portal(&session, Method::GET, "/v1/portal/orders", None).await;
    assert_eq!(after.status, 401, "{}", after.body);
}
