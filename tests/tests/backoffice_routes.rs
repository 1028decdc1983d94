//! Every back-office route of infra/template.yaml against the emulator: the roles that may not use it get 403,
//! another tenant's ids 404, bad input a 4xx problem that points at what is wrong — and never a 500.

use std::collections::BTreeSet;

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// One route: who may call it, a path on the first tenant's data, and a bad request with where the problem is.
struct Case {
    method: Method,
    template: &'static str,
    allowed: &'static [Role],
    path: String,
    /// Whether the path names something of the first tenant (another tenant's keys then get 404).
    tenant_scoped: bool,
    /// A valid body for the route.
    body: Option<Value>,
    /// A bad request (query or body) and the pointer or parameter its problem names.
    bad: Option<(String, Option<Value>, &'static str)>,
}

const OPERATOR: &[Role] = &[Role::Operator];
const STAFF: &[Role] = &[Role::Operator, Role::Warehouse];

async fn call(stack: &TestStack, method: &Method, path: &str, key: &str, body: Option<&Value>) -> Answer {
    let mut request = stack.request(method.clone(), path, key);
    if let Some(body) = body {
        request = request.json(body);
    }
    Answer::from(request.send().await).await
}

fn problem_names(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["pointer"].as_str().or(e["parameter"].as_str()).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_back_office_route_refuses_wrong_roles_other_tenants_and_bad_input_with_problems() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let order =
        stack.post_json("/v1/orders", &order_body("WS-ROUTES")).await.body["id"].as_str().expect("id").to_owned();
    let mut inline = order_body("WS-ROUTES-2");
    inline["buyer"] = json!({"name": "Lina Berg", "email": "lina@example.se"});
    let second = stack.post_json("/v1/orders", &inline).await.body.clone();
    let (second_id, customer) = (
        second["id"].as_str().expect("id").to_owned(),
        second["buyer"]["customer_id"].as_str().expect("customer").to_owned(),
    );
    stack.deliver_all().await;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let quote_body = json!({
        "currency": "EUR", "buyer": {"customer_id": "C-1"}, "valid_until_date": orders_testkit::tomorrow(),
        "delivery_address": {"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "SE"},
        "lines": [{"sku": "SKU-1", "quantity": 1}]
    });
    // A key of the tenant to revoke (the matrix's own keys stay).
    let spare =
        call(&stack, &Method::POST, "/v1/api-keys", &operator, Some(&json!({"name": "Spare", "role": "webshop"})))
            .await;
    let spare_key = spare.body["id"].as_str().expect("key id").to_owned();
    let quote = call(&stack, &Method::POST, "/v1/quotes", &operator, Some(&quote_body)).await.body["id"]
        .as_str()
        .expect("quote id")
        .to_owned();

    let cases = vec![
        Case {
            method: Method::GET,
            template: "/v1/orders",
            allowed: STAFF,
            path: "/v1/orders".into(),
            tenant_scoped: false,
            body: None,
            bad: Some(("/v1/orders?status=shipped".into(), None, "status")),
        },
        Case {
            method: Method::GET,
            template: "/v1/orders/{id}",
            allowed: &[Role::Webshop, Role::Operator, Role::Warehouse],
            path: format!("/v1/orders/{order}"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/orders/{id}/order-response.xml",
            allowed: &[Role::Webshop, Role::Operator, Role::Warehouse],
            path: format!("/v1/orders/{order}/order-response.xml"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/orders/{id}/peppol-order.xml",
            allowed: &[Role::Webshop, Role::Operator, Role::Warehouse],
            path: format!("/v1/orders/{order}/peppol-order.xml"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/orders/{id}/despatches/{number}",
            allowed: &[Role::Webshop, Role::Operator, Role::Warehouse],
            path: format!("/v1/orders/{order}/despatches/D-1.xml"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::PATCH,
            template: "/v1/orders/{id}",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}"),
            tenant_scoped: true,
            body: Some(json!({"lines": [{"line_no": 1, "quantity": 1}]})),
            bad: Some((
                format!("/v1/orders/{order}"),
                Some(json!({"lines": [{"line_no": "one"}]})),
                "/lines/0/line_no",
            )),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/response",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}/response"),
            tenant_scoped: true,
            body: Some(json!({"decision": "accept"})),
            bad: Some((format!("/v1/orders/{order}/response"), Some(json!({"decision": "maybe"})), "/decision")),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/cancellation",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}/cancellation"),
            tenant_scoped: true,
            body: Some(json!({})),
            bad: Some((format!("/v1/orders/{order}/cancellation"), Some(json!({"reason": "x\u{7}"})), "/reason")),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/closure",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}/closure"),
            tenant_scoped: true,
            body: Some(json!({})),
            bad: Some((format!("/v1/orders/{order}/closure"), Some(json!({"reason": 5})), "/reason")),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/notes",
            allowed: STAFF,
            path: format!("/v1/orders/{order}/notes"),
            tenant_scoped: true,
            body: Some(json!({"text": "Back in stock on Monday"})),
            bad: Some((
                format!("/v1/orders/{order}/notes"),
                Some(json!({"text": "Hello", "visibility": "public"})),
                "/visibility",
            )),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/split",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}/split"),
            tenant_scoped: true,
            body: Some(json!({"lines": [{"line_no": 1}]})),
            bad: Some((format!("/v1/orders/{order}/split"), Some(json!({"lines": []})), "/lines")),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/merge",
            allowed: OPERATOR,
            path: "/v1/orders/merge".into(),
            tenant_scoped: false,
            body: Some(json!({"order_ids": [order, second_id]})),
            bad: Some(("/v1/orders/merge".into(), Some(json!({"order_ids": [order, "ord_nope"]})), "/order_ids/1")),
        },
        Case {
            method: Method::GET,
            template: "/v1/customers/{id}/orders",
            allowed: STAFF,
            path: format!("/v1/customers/{customer}/orders"),
            tenant_scoped: true,
            body: None,
            bad: Some((format!("/v1/customers/{customer}/orders?limit=0"), None, "limit")),
        },
        Case {
            method: Method::PUT,
            template: "/v1/stock/{sku}/{warehouse}",
            allowed: STAFF,
            path: "/v1/stock/SKU-1/malmo".into(),
            tenant_scoped: false,
            body: Some(json!({"on_hand": 20})),
            bad: Some(("/v1/stock/SKU-1/malmo".into(), Some(json!({"on_hand": -1})), "/on_hand")),
        },
        Case {
            method: Method::PUT,
            template: "/v1/products/{sku}",
            allowed: OPERATOR,
            path: "/v1/products/SKU-9".into(),
            tenant_scoped: false,
            body: Some(json!({"name": "Nine", "price": "9.00", "vat_category": "S", "vat_rate": 25})),
            bad: Some(("/v1/products/SKU-9".into(), Some(json!({"name": "Nine", "price": "abc"})), "/price")),
        },
        Case {
            method: Method::PUT,
            template: "/v1/customers/{id}/prices/{sku}",
            allowed: OPERATOR,
            path: format!("/v1/customers/{customer}/prices/SKU-1"),
            tenant_scoped: true,
            body: Some(json!({"discount": {"percent": 1}})),
            bad: Some((
                format!("/v1/customers/{customer}/prices/SKU-1"),
                Some(json!({"discount": {"percent": 150}})),
                "/discount/percent",
            )),
        },
        Case {
            method: Method::GET,
            template: "/v1/customers",
            allowed: STAFF,
            path: "/v1/customers?q=lina".into(),
            tenant_scoped: false,
            body: None,
            bad: Some(("/v1/customers?q=lina&cursor=nope".into(), None, "cursor")),
        },
        Case {
            method: Method::GET,
            template: "/v1/customers/{id}",
            allowed: STAFF,
            path: format!("/v1/customers/{customer}"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::PUT,
            template: "/v1/customers/{id}",
            allowed: OPERATOR,
            path: "/v1/customers/C-9".into(),
            tenant_scoped: false,
            body: Some(json!({"name": "Nio AB", "email": "nio@example.se"})),
            bad: Some(("/v1/customers/C-9".into(), Some(json!({"name": "Nio AB", "email": "nio"})), "/email")),
        },
        Case {
            method: Method::GET,
            template: "/v1/reorder-suggestions",
            allowed: STAFF,
            path: "/v1/reorder-suggestions".into(),
            tenant_scoped: false,
            body: None,
            bad: None,
        },
        Case {
            method: Method::POST,
            template: "/v1/quotes",
            allowed: OPERATOR,
            path: "/v1/quotes".into(),
            tenant_scoped: false,
            body: Some(quote_body.clone()),
            bad: Some((
                "/v1/quotes".into(),
                Some(json!({"lines": [{"sku": "SKU-1", "quantity": 0}]})),
                "/lines/0/quantity",
            )),
        },
        Case {
            method: Method::GET,
            template: "/v1/quotes/{id}",
            allowed: OPERATOR,
            path: format!("/v1/quotes/{quote}"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::POST,
            template: "/v1/quotes/{id}/versions",
            allowed: OPERATOR,
            path: format!("/v1/quotes/{quote}/versions"),
            tenant_scoped: true,
            body: Some(quote_body.clone()),
            bad: Some((
                format!("/v1/quotes/{quote}/versions"),
                Some(json!({"lines": [{"sku": "SKU-1", "quantity": "x"}]})),
                "/lines/0/quantity",
            )),
        },
        Case {
            method: Method::POST,
            template: "/v1/quotes/{id}/sending",
            allowed: OPERATOR,
            path: format!("/v1/quotes/{quote}/sending"),
            tenant_scoped: true,
            body: Some(json!({})),
            bad: Some((format!("/v1/quotes/{quote}/sending"), Some(json!({"to": "someone"})), "/to")),
        },
        Case {
            method: Method::POST,
            template: "/v1/buyer-links/{id}/revocation",
            allowed: OPERATOR,
            path: "/v1/buyer-links/lnk_nope/revocation".into(),
            tenant_scoped: false,
            body: Some(json!({})),
            bad: Some(("/v1/buyer-links/lnk_nope/revocation".into(), Some(json!({"why": 1})), "/why")),
        },
        Case {
            method: Method::POST,
            template: "/v1/orders/{id}/buyer-requests/{request_id}/resolution",
            allowed: OPERATOR,
            path: format!("/v1/orders/{order}/buyer-requests/req_nope/resolution"),
            tenant_scoped: true,
            body: Some(json!({"outcome": "done"})),
            bad: Some((
                format!("/v1/orders/{order}/buyer-requests/req_nope/resolution"),
                Some(json!({"outcome": "maybe"})),
                "/outcome",
            )),
        },
        Case {
            method: Method::GET,
            template: "/v1/buyer-requests",
            allowed: STAFF,
            path: "/v1/buyer-requests".into(),
            tenant_scoped: false,
            body: None,
            bad: Some(("/v1/buyer-requests?status=maybe".into(), None, "status")),
        },
        Case {
            method: Method::GET,
            template: "/v1/quotes",
            allowed: OPERATOR,
            path: "/v1/quotes".into(),
            tenant_scoped: false,
            body: None,
            bad: Some(("/v1/quotes?limit=0".into(), None, "limit")),
        },
        Case {
            method: Method::POST,
            template: "/v1/customers/{id}/buyer-keys",
            allowed: OPERATOR,
            path: "/v1/customers/C-1/buyer-keys".into(),
            tenant_scoped: false,
            body: Some(json!({"valid_days": 30})),
            bad: Some(("/v1/customers/C-1/buyer-keys".into(), Some(json!({"valid_days": 0})), "/valid_days")),
        },
        Case {
            method: Method::POST,
            template: "/v1/customers/{id}/link-revocation",
            allowed: OPERATOR,
            path: format!("/v1/customers/{customer}/link-revocation"),
            tenant_scoped: true,
            body: Some(json!({})),
            bad: Some((format!("/v1/customers/{customer}/link-revocation"), Some(json!({"why": 1})), "/why")),
        },
        Case {
            method: Method::PUT,
            template: "/v1/customers/{id}/portal-access",
            allowed: OPERATOR,
            path: format!("/v1/customers/{customer}/portal-access"),
            tenant_scoped: true,
            body: Some(json!({"blocked": false})),
            bad: Some((format!("/v1/customers/{customer}/portal-access"), Some(json!({"blocked": 1})), "/blocked")),
        },
        Case {
            method: Method::GET,
            template: "/v1/api-keys",
            allowed: OPERATOR,
            path: "/v1/api-keys".into(),
            tenant_scoped: false,
            body: None,
            bad: None,
        },
        Case {
            method: Method::POST,
            template: "/v1/api-keys",
            allowed: OPERATOR,
            path: "/v1/api-keys".into(),
            tenant_scoped: false,
            body: Some(json!({"name": "Matrix", "role": "warehouse"})),
            bad: Some(("/v1/api-keys".into(), Some(json!({"name": "Matrix", "role": "admin"})), "/role")),
        },
        Case {
            method: Method::DELETE,
            template: "/v1/api-keys/{id}",
            allowed: OPERATOR,
            path: format!("/v1/api-keys/{spare_key}"),
            tenant_scoped: true,
            body: None,
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/settings",
            allowed: OPERATOR,
            path: "/v1/settings".into(),
            tenant_scoped: false,
            body: None,
            bad: None,
        },
        Case {
            method: Method::PUT,
            template: "/v1/settings",
            allowed: OPERATOR,
            path: "/v1/settings".into(),
            tenant_scoped: false,
            // Without If-Match: the refused roles get 403 first; tests/tests/settings.rs covers the rest.
            body: Some(json!({"name": "Demo Trading AB"})),
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/settings/history",
            allowed: OPERATOR,
            path: "/v1/settings/history".into(),
            tenant_scoped: false,
            body: None,
            bad: None,
        },
        Case {
            method: Method::GET,
            template: "/v1/order-counts",
            allowed: STAFF,
            path: "/v1/order-counts".into(),
            tenant_scoped: false,
            body: None,
            bad: None,
        },
    ];

    // The table covers exactly the back office's routes in the template.
    let routed: BTreeSet<String> = orders_testkit::template_routes()
        .iter()
        .filter(|r| r.function == "BackofficeFunction")
        .map(devstack::template::Route::key)
        .collect();
    let covered: BTreeSet<String> = cases.iter().map(|c| format!("{} {}", c.method, c.template)).collect();
    assert_eq!(covered, routed, "every back-office route has a row");

    let keys = [
        (Role::Webshop, stack.tenant.key.clone()),
        (Role::Operator, stack.key_with_role(tenant, Role::Operator).await),
        (Role::Warehouse, stack.key_with_role(tenant, Role::Warehouse).await),
    ];
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    let other_warehouse = stack.key_with_role(&other.id, Role::Warehouse).await;
    for case in &cases {
        let route = format!("{} {}", case.method, case.template);
        for (role, key) in &keys {
            if case.allowed.contains(role) {
                continue;
            }
            let answer = call(&stack, &case.method, &case.path, key, case.body.as_ref()).await;
            assert_eq!(answer.status, 403, "{route} as {role:?}: {}", answer.body);
            assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{route}");
        }
        if case.tenant_scoped {
            let key = if case.allowed.contains(&Role::Operator) { &other_operator } else { &other_warehouse };
            let answer = call(&stack, &case.method, &case.path, key, case.body.as_ref()).await;
            assert_eq!(answer.status, 404, "{route} from another tenant: {}", answer.body);
        }
        let allowed_key = &keys.iter().find(|(role, _)| case.allowed.contains(role)).expect("a role").1;
        if let Some((path, body, pointer)) = &case.bad {
            let answer = call(&stack, &case.method, path, allowed_key, body.as_ref()).await;
            assert!((400..500).contains(&answer.status), "{route} bad input: {} {}", answer.status, answer.body);
            assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{route}");
            assert!(problem_names(&answer).contains(&pointer.to_string()), "{route}: {pointer} in {}", answer.body);
        }
        if case.method != Method::GET {
            let garbage = Answer::from(
                stack
                    .request(case.method.clone(), &case.path, allowed_key)
                    .header("content-type", "application/json")
                    .body("{\"not json")
                    .send()
                    .await,
            )
            .await;
            assert_eq!(garbage.status, 400, "{route} with a broken body: {}", garbage.body);
        }
    }
    // Nothing above touched the second order of the first tenant.
    assert_eq!(stack.order(&second_id).await["status"], "accepted");
}
