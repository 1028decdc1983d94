//! Tenants and buyers kept apart on every route of infra/template.yaml: a route × role × other tenant × other buyer
//! matrix. For every route that takes an id, another tenant's keys (every role) and, on portal routes, another
//! buyer of the same seller and a buyer of another seller with the same customer id get 404 for the first
//! tenant's object; on every list, nothing of the first tenant appears. The table must have a row for every route
//! of the template, so a new route cannot be added without one.

use std::collections::BTreeSet;

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, PortalSession, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// What isolation means for one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A staff or webshop route naming an object of the first tenant: another tenant's keys get 403 or 404.
    Scoped,
    /// A staff or webshop list: another tenant's keys see nothing of the first tenant.
    List,
    /// A portal route naming an object of the first tenant's buyer C-1: other buyers get 404 (or 403 link-scope).
    PortalScoped,
    /// A portal list or view of the buyer's own things: other buyers see nothing of C-1's.
    PortalList,
    /// A portal route naming something of the seller (a product): a buyer of another seller gets 404.
    PortalSellerScoped,
    /// Names only the caller's own things (its session, its cart, a product or customer it writes under its own
    /// tenant), or nothing of anyone (the pages): no other tenant's object can be named.
    Own,
}

struct Row {
    method: Method,
    template: &'static str,
    path: String,
    kind: Kind,
    body: Option<Value>,
}

fn row(method: Method, template: &'static str, path: impl Into<String>, kind: Kind, body: Option<Value>) -> Row {
    Row { method, template, path: path.into(), kind, body }
}

async fn call(stack: &TestStack, row: &Row, key: &str) -> Answer {
    let mut request =
        stack.request(row.method.clone(), &row.path, key).header("Idempotency-Key", orders_testkit::unique("iso-"));
    if let Some(body) = &row.body {
        request = request.json(body);
    }
    Answer::from(request.send().await).await
}

async fn portal_call(stack: &TestStack, row: &Row, session: &PortalSession) -> Answer {
    stack.portal(session, row.method.clone(), &row.path, row.body.as_ref()).await
}

async fn account(stack: &TestStack, operator: &str, customer: &str) -> PortalSession {
    let invited =
        stack.call(Method::POST, &format!("/v1/customers/{customer}/buyer-keys"), operator, Some(&json!({}))).await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    stack.portal_session(invited.body["key"].as_str().expect("key")).await
}

#[tokio::test]
async fn no_route_lets_another_tenant_or_buyer_reach_anything_of_a_tenant_or_buyer() {
    let stack = TestStack::start().await;
    let a = stack.tenant.id.clone();
    let operator = stack.key_with_role(&a, Role::Operator).await;
    let marker = orders_testkit::unique("ISOA");

    // The first tenant's things: orders of two buyers (one shipped, invoiced and credited), a quote sent, a
    // customer and a product of its own, an API key, a report run.
    let mut first = order_body(&format!("{marker}-1"));
    first["buyer"] = json!({"customer_id": "C-1"});
    let order = stack.post_json("/v1/orders", &first).await.body["id"].as_str().expect("id").to_owned();
    let mut second = order_body(&orders_testkit::unique("ISOC2-"));
    second["buyer"] = json!({"customer_id": "C-2"});
    let other_order = stack.post_json("/v1/orders", &second).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack.despatch(&order, &json!({"despatch_number": "D-ISO", "lines": [{"line_no": 1, "quantity": 2}]})).await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let invoice = stack.order(&order).await["invoices"][0]["number"].as_str().expect("invoice").to_owned();
    let credit = stack
        .request(Method::POST, &format!("/v1/invoices/{invoice}/credit-notes"), &operator)
        .header("Idempotency-Key", "iso-credit")
        .json(&json!({"reason": "Isolation", "lines": [{"line_id": 1, "quantity": 1}]}))
        .send()
        .await;
    let credit = Answer::from(credit).await;
    assert_eq!(credit.status, 201, "{}", credit.body);
    let credit_note = credit.body["number"].as_str().expect("credit note").to_owned();
    let customer = format!("C-{marker}");
    let put = stack
        .call(
            Method::PUT,
            &format!("/v1/customers/{customer}"),
            &operator,
            Some(&json!({"name": marker, "email": "iso@example.se"})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let sku = orders_testkit::unique("SKU-ISO-");
    let product = json!({"name": "Isolation product", "price": "9.00", "vat_category": "S", "vat_rate": 25});
    assert_eq!(stack.call(Method::PUT, &format!("/v1/products/{sku}"), &operator, Some(&product)).await.status, 200);
    let quote_body = json!({
        "currency": "EUR", "buyer": {"customer_id": "C-1"}, "valid_until_date": orders_testkit::tomorrow(),
        "delivery_address": {"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "SE"},
        "lines": [{"sku": "SKU-1", "quantity": 1}], "notes": marker,
    });
    let quote = stack.call(Method::POST, "/v1/quotes", &operator, Some(&quote_body)).await.body["id"]
        .as_str()
        .expect("quote")
        .to_owned();
    assert_eq!(stack.call(Method::POST, &format!("/v1/quotes/{quote}/sending"), &operator, None).await.status, 200);
    let key =
        stack.call(Method::POST, "/v1/api-keys", &operator, Some(&json!({"name": marker, "role": "webshop"}))).await;
    let key_id = key.body["id"].as_str().expect("key id").to_owned();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let report = json!({"report": "sales_by_product", "from_date": today, "to_date": today});
    let run = stack.call(Method::POST, "/v1/reports", &operator, Some(&report)).await;
    assert_eq!(run.status, 201, "{}", run.body);
    let run_id = run.body["id"].as_str().expect("run id").to_owned();
    let hook = json!({"url": "http://127.0.0.1:9/hooks", "events": ["order.received"], "description": marker});
    let endpoint = stack.call(Method::POST, "/v1/webhook-endpoints", &operator, Some(&hook)).await;
    assert_eq!(endpoint.status, 201, "{}", endpoint.body);
    let endpoint_id = endpoint.body["id"].as_str().expect("endpoint id").to_owned();
    let link_id =
        orders_domain::buyer_link::order_link_id(&orders_domain::ids::OrderId::parse_public(&order).expect("id"));
    // What nothing of another tenant or buyer may show.
    let markers = [
        marker.clone(),
        order.clone(),
        quote.clone(),
        key_id.clone(),
        run_id.clone(),
        sku.clone(),
        endpoint_id.clone(),
    ];

    // The other tenant, with the same demo customers (C-1 exists at both sellers) and keys of every role; the
    // other buyer of the first tenant.
    let b = stack.new_tenant().await;
    let other_keys = [
        b.key.clone(),
        stack.key_with_role(&b.id, Role::Operator).await,
        stack.key_with_role(&b.id, Role::Warehouse).await,
    ];
    let b_operator = other_keys[1].clone();
    let other_buyer = account(&stack, &operator, "C-2").await;
    let other_sellers_buyer = {
        let invited = stack.call(Method::POST, "/v1/customers/C-1/buyer-keys", &b_operator, Some(&json!({}))).await;
        stack.portal_session(invited.body["key"].as_str().expect("key")).await
    };

    use Kind::{List, Own, PortalList, PortalScoped, PortalSellerScoped, Scoped};
    let o = &order;
    let rows = vec![
        // intake
        row(Method::POST, "/v1/orders", "/v1/orders", Own, Some(order_body("ISO-B-1"))),
        row(
            Method::POST,
            "/v1/orders/batch",
            "/v1/orders/batch",
            Own,
            Some(json!({"orders": [order_body("ISO-B-2")]})),
        ),
        row(Method::GET, "/v1/products", "/v1/products?limit=200", List, None),
        row(
            Method::POST,
            "/v1/orders/{id}/despatches",
            format!("/v1/orders/{o}/despatches"),
            Scoped,
            Some(json!({"despatch_number": "D-X", "lines": [{"line_no": 1, "quantity": 1}]})),
        ),
        // back office
        row(Method::GET, "/v1/orders", "/v1/orders?limit=200", List, None),
        row(Method::GET, "/v1/order-counts", "/v1/order-counts", List, None),
        row(Method::GET, "/v1/orders/{id}", format!("/v1/orders/{o}"), Scoped, None),
        row(
            Method::PATCH,
            "/v1/orders/{id}",
            format!("/v1/orders/{o}"),
            Scoped,
            Some(json!({"lines": [{"line_no": 1, "quantity": 1}]})),
        ),
        row(
            Method::POST,
            "/v1/orders/{id}/response",
            format!("/v1/orders/{o}/response"),
            Scoped,
            Some(json!({"decision": "accept"})),
        ),
        row(
            Method::POST,
            "/v1/orders/{id}/cancellation",
            format!("/v1/orders/{o}/cancellation"),
            Scoped,
            Some(json!({})),
        ),
        row(Method::POST, "/v1/orders/{id}/closure", format!("/v1/orders/{o}/closure"), Scoped, Some(json!({}))),
        row(Method::POST, "/v1/orders/{id}/notes", format!("/v1/orders/{o}/notes"), Scoped, Some(json!({"text": "x"}))),
        row(
            Method::POST,
            "/v1/orders/{id}/split",
            format!("/v1/orders/{o}/split"),
            Scoped,
            Some(json!({"lines": [{"line_no": 1}]})),
        ),
        row(Method::POST, "/v1/orders/merge", "/v1/orders/merge", Scoped, Some(json!({"order_ids": [o, other_order]}))),
        row(
            Method::GET,
            "/v1/orders/{id}/order-response.xml",
            format!("/v1/orders/{o}/order-response.xml"),
            Scoped,
            None,
        ),
        row(Method::GET, "/v1/orders/{id}/peppol-order.xml", format!("/v1/orders/{o}/peppol-order.xml"), Scoped, None),
        row(
            Method::GET,
            "/v1/orders/{id}/despatches/{number}",
            format!("/v1/orders/{o}/despatches/D-ISO.xml"),
            Scoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/orders/{id}/despatches/{number}/delivery-note.pdf",
            format!("/v1/orders/{o}/despatches/D-ISO/delivery-note.pdf"),
            Scoped,
            None,
        ),
        row(
            Method::POST,
            "/v1/orders/{id}/buyer-requests/{request_id}/resolution",
            format!("/v1/orders/{o}/buyer-requests/req_x/resolution"),
            Scoped,
            Some(json!({"outcome": "done"})),
        ),
        row(Method::GET, "/v1/customers", "/v1/customers?limit=200", List, None),
        row(Method::GET, "/v1/customers/{id}", format!("/v1/customers/{customer}"), Scoped, None),
        row(Method::GET, "/v1/customers/{id}/orders", format!("/v1/customers/{customer}/orders"), Scoped, None),
        row(
            Method::PUT,
            "/v1/customers/{id}",
            format!("/v1/customers/C-{marker}-B"),
            Own,
            Some(json!({"name": "B", "email": "b@example.se"})),
        ),
        row(
            Method::PUT,
            "/v1/customers/{id}/prices/{sku}",
            "/v1/customers/C-1/prices/SKU-1",
            Own,
            Some(json!({"price": "1.00"})),
        ),
        row(
            Method::POST,
            "/v1/customers/{id}/buyer-keys",
            format!("/v1/customers/{customer}/buyer-keys"),
            Scoped,
            Some(json!({})),
        ),
        row(
            Method::POST,
            "/v1/customers/{id}/link-revocation",
            format!("/v1/customers/{customer}/link-revocation"),
            Scoped,
            Some(json!({})),
        ),
        row(
            Method::PUT,
            "/v1/customers/{id}/portal-access",
            format!("/v1/customers/{customer}/portal-access"),
            Scoped,
            Some(json!({"blocked": true})),
        ),
        row(
            Method::POST,
            "/v1/buyer-links/{id}/revocation",
            format!("/v1/buyer-links/{link_id}/revocation"),
            Scoped,
            Some(json!({})),
        ),
        row(Method::PUT, "/v1/stock/{sku}/{warehouse}", "/v1/stock/SKU-1/malmo", Own, Some(json!({"on_hand": 5}))),
        row(
            Method::PUT,
            "/v1/products/{sku}",
            "/v1/products/SKU-B",
            Own,
            Some(json!({"name": "B", "price": "1.00", "vat_category": "S", "vat_rate": 25})),
        ),
        row(Method::GET, "/v1/reorder-suggestions", "/v1/reorder-suggestions", List, None),
        row(Method::GET, "/v1/quotes", "/v1/quotes?limit=200", List, None),
        row(
            Method::POST,
            "/v1/quotes",
            "/v1/quotes",
            Own,
            Some(
                json!({"currency": "EUR", "buyer": {"customer_id": "C-1"}, "valid_until_date": orders_testkit::tomorrow(), "delivery_address": {"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "SE"}, "lines": [{"sku": "SKU-1", "quantity": 1}]}),
            ),
        ),
        row(Method::GET, "/v1/quotes/{id}", format!("/v1/quotes/{quote}"), Scoped, None),
        row(
            Method::POST,
            "/v1/quotes/{id}/versions",
            format!("/v1/quotes/{quote}/versions"),
            Scoped,
            Some(quote_body.clone()),
        ),
        row(Method::POST, "/v1/quotes/{id}/sending", format!("/v1/quotes/{quote}/sending"), Scoped, Some(json!({}))),
        row(Method::GET, "/v1/buyer-requests", "/v1/buyer-requests", List, None),
        row(Method::GET, "/v1/settings", "/v1/settings", List, None),
        row(Method::GET, "/v1/settings/history", "/v1/settings/history", List, None),
        // Only the caller's own settings can be named (the body's `tenant` must be the caller's).
        row(Method::PUT, "/v1/settings", "/v1/settings", Own, Some(json!({"name": "B"}))),
        row(Method::GET, "/v1/api-keys", "/v1/api-keys", List, None),
        row(Method::POST, "/v1/api-keys", "/v1/api-keys", Own, Some(json!({"name": "B", "role": "webshop"}))),
        row(Method::DELETE, "/v1/api-keys/{id}", format!("/v1/api-keys/{key_id}"), Scoped, None),
        row(Method::GET, "/v1/webhook-endpoints", "/v1/webhook-endpoints", List, None),
        row(
            Method::POST,
            "/v1/webhook-endpoints",
            "/v1/webhook-endpoints",
            Own,
            Some(json!({"url": "http://127.0.0.1:9/b", "events": ["order.received"]})),
        ),
        row(Method::GET, "/v1/webhook-endpoints/{id}", format!("/v1/webhook-endpoints/{endpoint_id}"), Scoped, None),
        row(
            Method::PATCH,
            "/v1/webhook-endpoints/{id}",
            format!("/v1/webhook-endpoints/{endpoint_id}"),
            Scoped,
            Some(json!({"description": "B"})),
        ),
        row(Method::DELETE, "/v1/webhook-endpoints/{id}", format!("/v1/webhook-endpoints/{endpoint_id}"), Scoped, None),
        row(
            Method::POST,
            "/v1/webhook-endpoints/{id}/secret-rotation",
            format!("/v1/webhook-endpoints/{endpoint_id}/secret-rotation"),
            Scoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/webhook-endpoints/{id}/deliveries",
            format!("/v1/webhook-endpoints/{endpoint_id}/deliveries"),
            Scoped,
            None,
        ),
        row(
            Method::POST,
            "/v1/webhook-endpoints/{id}/deliveries/{message_id}/resending",
            format!("/v1/webhook-endpoints/{endpoint_id}/deliveries/msg_x/resending"),
            Scoped,
            None,
        ),
        // billing
        row(Method::GET, "/v1/invoices", "/v1/invoices?limit=200", List, None),
        row(Method::GET, "/v1/invoices/{number}", format!("/v1/invoices/{invoice}"), Scoped, None),
        row(
            Method::GET,
            "/v1/invoices/{number}/invoice.pdf",
            format!("/v1/invoices/{invoice}/invoice.pdf"),
            Scoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/invoices/{number}/invoice.xml",
            format!("/v1/invoices/{invoice}/invoice.xml"),
            Scoped,
            None,
        ),
        row(
            Method::POST,
            "/v1/invoices/{number}/credit-notes",
            format!("/v1/invoices/{invoice}/credit-notes"),
            Scoped,
            Some(json!({"reason": "x"})),
        ),
        row(
            Method::POST,
            "/v1/invoices/{number}/debit-notes",
            format!("/v1/invoices/{invoice}/debit-notes"),
            Scoped,
            Some(json!({"reason": "x", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "1.00"}]})),
        ),
        row(Method::GET, "/v1/credit-notes", "/v1/credit-notes?limit=200", List, None),
        row(Method::GET, "/v1/credit-notes/{number}", format!("/v1/credit-notes/{credit_note}"), Scoped, None),
        row(
            Method::GET,
            "/v1/credit-notes/{number}/credit-note.pdf",
            format!("/v1/credit-notes/{credit_note}/credit-note.pdf"),
            Scoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/credit-notes/{number}/credit-note.xml",
            format!("/v1/credit-notes/{credit_note}/credit-note.xml"),
            Scoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/orders/{id}/proforma.pdf",
            format!("/v1/orders/{other_order}/proforma.pdf"),
            Scoped,
            None,
        ),
        row(Method::POST, "/v1/orders/{id}/invoices", format!("/v1/orders/{o}/invoices"), Scoped, Some(json!({}))),
        row(
            Method::POST,
            "/v1/customers/{id}/invoices",
            format!("/v1/customers/{customer}/invoices"),
            Scoped,
            Some(json!({"despatches": [{"order_id": o, "despatch_number": "D-1"}]})),
        ),
        // reports
        row(Method::POST, "/v1/reports", "/v1/reports", Own, Some(report.clone())),
        row(Method::GET, "/v1/reports/{id}", format!("/v1/reports/{run_id}"), Scoped, None),
        // console
        row(Method::GET, "/console", "/console", Own, None),
        row(Method::GET, "/console/{proxy+}", format!("/console/orders/{o}"), Own, None),
        row(Method::POST, "/console/session", "/console/session", Own, None),
        row(Method::DELETE, "/console/session", "/console/session", Own, None),
        row(Method::PUT, "/console/session", "/console/session", Own, None),
        // portal
        row(Method::GET, "/portal", "/portal", Own, None),
        row(Method::GET, "/portal/{proxy+}", format!("/portal/orders/{o}"), Own, None),
        row(Method::POST, "/v1/portal/session", "/v1/portal/session", Own, None),
        row(Method::GET, "/v1/portal/session", "/v1/portal/session", PortalList, None),
        row(Method::GET, "/v1/portal/orders", "/v1/portal/orders?limit=200", PortalList, None),
        row(Method::POST, "/v1/portal/orders", "/v1/portal/orders", Own, Some(json!({"cart_id": "crt_none"}))),
        row(Method::GET, "/v1/portal/orders/{id}", format!("/v1/portal/orders/{o}"), PortalScoped, None),
        row(
            Method::POST,
            "/v1/portal/orders/{id}/reorder",
            format!("/v1/portal/orders/{o}/reorder"),
            PortalScoped,
            None,
        ),
        row(
            Method::POST,
            "/v1/portal/orders/{id}/requests",
            format!("/v1/portal/orders/{o}/requests"),
            PortalScoped,
            Some(json!({"kind": "change", "message": "x"})),
        ),
        row(
            Method::POST,
            "/v1/portal/orders/{id}/messages",
            format!("/v1/portal/orders/{o}/messages"),
            PortalScoped,
            Some(json!({"text": "x"})),
        ),
        row(
            Method::GET,
            "/v1/portal/orders/{id}/order-response.xml",
            format!("/v1/portal/orders/{o}/order-response.xml"),
            PortalScoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/portal/orders/{id}/despatches/{number}",
            format!("/v1/portal/orders/{o}/despatches/D-ISO.xml"),
            PortalScoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/portal/orders/{id}/despatches/{number}/delivery-note.pdf",
            format!("/v1/portal/orders/{o}/despatches/D-ISO/delivery-note.pdf"),
            PortalScoped,
            None,
        ),
        row(Method::GET, "/v1/portal/quotes/{id}", format!("/v1/portal/quotes/{quote}"), PortalScoped, None),
        row(
            Method::POST,
            "/v1/portal/quotes/{id}/acceptance",
            format!("/v1/portal/quotes/{quote}/acceptance"),
            PortalScoped,
            Some(json!({"version": 1})),
        ),
        row(
            Method::POST,
            "/v1/portal/quotes/{id}/decline",
            format!("/v1/portal/quotes/{quote}/decline"),
            PortalScoped,
            Some(json!({"version": 1})),
        ),
        row(Method::GET, "/v1/portal/catalogue", "/v1/portal/catalogue?limit=200", PortalList, None),
        row(Method::GET, "/v1/portal/cart", "/v1/portal/cart", PortalList, None),
        row(
            Method::PUT,
            "/v1/portal/cart/lines/{sku}",
            format!("/v1/portal/cart/lines/{sku}"),
            PortalSellerScoped,
            Some(json!({"quantity": "1"})),
        ),
        row(Method::DELETE, "/v1/portal/cart/lines/{sku}", "/v1/portal/cart/lines/SKU-1", Own, None),
        row(
            Method::GET,
            "/v1/portal/invoices/{number}/{file}",
            format!("/v1/portal/invoices/{invoice}/invoice.pdf"),
            PortalScoped,
            None,
        ),
        row(
            Method::GET,
            "/v1/portal/credit-notes/{number}/{file}",
            format!("/v1/portal/credit-notes/{credit_note}/credit-note.pdf"),
            PortalScoped,
            None,
        ),
    ];

    // Every route of the template has exactly one row.
    let routed: BTreeSet<String> =
        orders_testkit::template_routes().iter().map(devstack::template::Route::key).collect();
    let covered: BTreeSet<String> = rows.iter().map(|r| format!("{} {}", r.method, r.template)).collect();
    assert_eq!(covered.len(), rows.len(), "one row per route");
    assert_eq!(covered, routed, "every route of infra/template.yaml has a row");

    // What an answer shows of the first tenant beyond the ids the request itself named (a 404 may repeat them).
    let leaks = |row: &Row, answer: &Answer| {
        let text = answer.body.to_string();
        let named = format!("{} {}", row.path, row.body.as_ref().map(Value::to_string).unwrap_or_default());
        markers.iter().filter(|m| !named.contains(m.as_str()) && text.contains(m.as_str())).cloned().collect::<Vec<_>>()
    };
    for row in &rows {
        let route = format!("{} {}", row.method, row.template);
        match row.kind {
            Kind::Scoped => {
                let mut not_found = 0;
                for key in &other_keys {
                    let answer = call(&stack, row, key).await;
                    assert!(
                        matches!(answer.status, 403 | 404),
                        "{route} as another tenant: {} {}",
                        answer.status,
                        answer.body
                    );
                    assert!(leaks(row, &answer).is_empty(), "{route}: {:?} in {}", leaks(row, &answer), answer.body);
                    not_found += usize::from(answer.status == 404);
                }
                assert!(not_found > 0, "{route}: some role of another tenant may call it, and gets 404");
            }
            Kind::List => {
                let mut listed = 0;
                for key in &other_keys {
                    let answer = call(&stack, row, key).await;
                    assert!(matches!(answer.status, 200 | 403), "{route}: {} {}", answer.status, answer.body);
                    assert_eq!(leaks(row, &answer), Vec::<String>::new(), "{route} shows another tenant's things");
                    listed += usize::from(answer.status == 200);
                }
                assert!(listed > 0, "{route}: some role of another tenant lists it");
            }
            Kind::PortalScoped => {
                for (who, session) in [("another buyer", &other_buyer), ("another seller's C-1", &other_sellers_buyer)]
                {
                    let answer = portal_call(&stack, row, session).await;
                    assert_eq!(answer.status, 404, "{route} as {who}: {}", answer.body);
                    assert!(leaks(row, &answer).is_empty(), "{route} as {who}: {}", answer.body);
                }
            }
            Kind::PortalList => {
                for (who, session) in [("another buyer", &other_buyer), ("another seller's C-1", &other_sellers_buyer)]
                {
                    let answer = portal_call(&stack, row, session).await;
                    assert_eq!(answer.status, 200, "{route} as {who}: {}", answer.body);
                    let leaked: Vec<String> =
                        leaks(row, &answer).into_iter().filter(|m| *m != sku || who != "another buyer").collect();
                    assert!(leaked.is_empty(), "{route} as {who} shows {leaked:?}: {}", answer.body);
                }
            }
            Kind::PortalSellerScoped => {
                let answer = portal_call(&stack, row, &other_sellers_buyer).await;
                assert_eq!(answer.status, 404, "{route} as another seller's buyer: {}", answer.body);
            }
            Kind::Own => {}
        }
    }

    // Nothing of the first tenant changed.
    let after = stack.call(Method::GET, &format!("/v1/orders/{order}"), &operator, None).await.body;
    assert_eq!(after["lines"][0]["quantity"], "2", "{after}");
    assert!(after["seller_notes"].as_array().expect("notes").is_empty(), "{after}");
    let access = stack.call(Method::GET, &format!("/v1/customers/{customer}"), &operator, None).await.body;
    assert_eq!(access["portal_access"]["blocked"], false, "{access}");
    let keys = stack.call(Method::GET, "/v1/api-keys", &operator, None).await.body;
    assert!(keys.to_string().contains(&key_id) && !keys.to_string().contains("\"revoked\""), "{keys}");
}
