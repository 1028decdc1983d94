//! openapi.yaml describes exactly the template's routes, and the running API answers with the documented shapes.

use std::collections::BTreeSet;

use orders_testkit::{assert_conforms, openapi_spec as spec, order_body, Answer, TestStack};
use serde_json::{json, Value};

#[test]
fn the_spec_documents_exactly_the_templates_routes() {
    let spec = spec();
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().map(move |(method, _)| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    let routed: BTreeSet<String> =
        orders_testkit::template_routes().iter().map(devstack::template::Route::key).collect();
    assert_eq!(documented, routed);
    // The list the answers to unrouted requests are read from is the same routes.
    let listed: BTreeSet<String> =
        orders_http::routes::API_ROUTES.iter().map(|(method, path)| format!("{method} {path}")).collect();
    assert_eq!(listed, routed, "orders_http::routes::API_ROUTES lists exactly the template's routes");
}

#[test]
fn a_request_no_route_takes_goes_to_the_console_functions_default_route() {
    let template = orders_testkit::local_template();
    let default = template.default_route().expect("the HTTP API's $default route");
    assert_eq!((default.key(), default.function.as_str()), ("$default".to_owned(), "ConsoleFunction"));
}

/// An undeclared method on a path of the API is a 405 problem whose `Allow` lists the methods openapi.yaml
/// declares for the path, one path of each function (and one path two functions share); an unknown path a 404
/// problem.
#[tokio::test]
async fn an_undeclared_method_is_405_with_the_declared_methods_in_allow() {
    use reqwest::Method;
    let spec = spec();
    let stack = TestStack::start().await;
    let cases = [
        (Method::DELETE, "/v1/orders", "/v1/orders"),
        (Method::PUT, "/v1/orders/batch", "/v1/orders/batch"),
        (Method::DELETE, "/v1/orders/ord_00000000000000000000000000000000", "/v1/orders/{id}"),
        (Method::DELETE, "/v1/orders/merge", "/v1/orders/merge"),
        (Method::PATCH, "/v1/invoices/INV-1/invoice.pdf", "/v1/invoices/{number}/invoice.pdf"),
        (Method::GET, "/v1/reports", "/v1/reports"),
        (Method::POST, "/console", "/console"),
        (Method::OPTIONS, "/console/session", "/console/session"),
        (Method::TRACE, "/v1/portal/cart", "/v1/portal/cart"),
        (Method::from_bytes(b"QUERY").expect("method"), "/v1/portal/session", "/v1/portal/session"),
    ];
    for (method, path, template) in cases {
        let answer = Answer::from(stack.request(method.clone(), path, &stack.tenant.key).send().await).await;
        assert_eq!(answer.status, 405, "{method} {path}: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{method} {path}");
        assert_eq!(answer.body["type"], "https://errors.orders.example/method-not-allowed", "{method} {path}");
        let declared: Vec<String> = spec["paths"][template]
            .as_object()
            .expect("documented path")
            .keys()
            .filter(|key| !key.starts_with("x-") && *key != "parameters")
            .map(|method| method.to_uppercase())
            .collect();
        let mut allowed: Vec<String> = answer.header("allow").expect("Allow").split(", ").map(str::to_owned).collect();
        allowed.sort();
        let mut declared = declared;
        declared.sort();
        assert_eq!(allowed, declared, "{method} {path}: Allow is the methods openapi.yaml declares");
    }
    for path in ["/", "/v2/orders", "/v1/orders/ord_00000000000000000000000000000000/nothing"] {
        let answer = Answer::from(stack.request(Method::GET, path, &stack.tenant.key).send().await).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert_eq!(answer.body["type"], "https://errors.orders.example/not-found", "{path}");
    }
}

#[tokio::test]
async fn the_running_api_answers_with_the_documented_shapes() {
    let spec = spec();
    let stack = TestStack::start().await;
    let mut body = order_body("WS-SPEC");
    body["lines"][0]["quantity"] = json!("500");
    let created = stack.post_json("/v1/orders", &body).await;
    assert_eq!(created.status, 201);
    assert!(created.body["lines"][0]["stock_warning"].is_object(), "a stock warning is exercised");
    assert_conforms(&spec, "/v1/orders", "post", 201, &created.body);

    let id = created.body["id"].as_str().expect("id");
    stack.deliver_all().await; // confirmed: the answer's fields appear too
    let read = stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await;
    assert_eq!(read.body["status"], "accepted_with_changes", "{}", read.body);
    assert_conforms(&spec, "/v1/orders/{id}", "get", 200, &read.body);

    let operator = stack.key_with_role(&stack.tenant.id, orders_domain::ids::Role::Operator).await;
    let list = stack.get("/v1/orders?limit=5", &operator).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1), "{}", list.body);
    assert_conforms(&spec, "/v1/orders", "get", 200, &list.body);
    let forbidden = stack.get("/v1/orders", &stack.tenant.key).await;
    assert_conforms(&spec, "/v1/orders", "get", 403, &forbidden.body);

    let history = stack.get("/v1/customers/C-1/orders", &operator).await;
    assert_conforms(&spec, "/v1/customers/{id}/orders", "get", 200, &history.body);
    let suggestions = stack.get("/v1/reorder-suggestions", &operator).await;
    assert_eq!(suggestions.body["items"].as_array().map(Vec::len), Some(1), "{}", suggestions.body);
    assert_conforms(&spec, "/v1/reorder-suggestions", "get", 200, &suggestions.body);
    let stock = orders_testkit::Answer::from(
        stack
            .request(reqwest::Method::PUT, "/v1/stock/SKU-2/lulea", &operator)
            .json(&json!({"on_hand": 7}))
            .send()
            .await,
    )
    .await;
    assert_conforms(&spec, "/v1/stock/{sku}/{warehouse}", "put", 200, &stock.body);

    let put = |path: &str, body: Value| {
        let request = stack.request(reqwest::Method::PUT, path, &operator).json(&body);
        async move { orders_testkit::Answer::from(request.send().await).await }
    };
    let product = put(
        "/v1/products/SPEC-1",
        json!({"name": "Spec", "price": "9.90", "vat_category": "S", "vat_rate": 25, "lot_tracked": true}),
    )
    .await;
    assert_eq!(product.status, 200, "{}", product.body);
    assert_conforms(&spec, "/v1/products/{sku}", "put", 200, &product.body);
    let agreed = put("/v1/customers/C-1/prices/SPEC-1", json!({"price": "8.50", "discount": {"percent": 2}})).await;
    assert_conforms(&spec, "/v1/customers/{id}/prices/{sku}", "put", 200, &agreed.body);

    let products = stack.get("/v1/products?limit=2&customer=C-1", &stack.tenant.key).await;
    assert_conforms(&spec, "/v1/products", "get", 200, &products.body);
    // Staff see the stock of each product: none yet for SPEC-1, which is an empty list (not null).
    let staff_products = stack.get("/v1/products?limit=200", &operator).await;
    assert_conforms(&spec, "/v1/products", "get", 200, &staff_products.body);
    let spec_1 = staff_products.body["items"].as_array().into_iter().flatten().find(|p| p["sku"] == "SPEC-1");
    assert_eq!(spec_1.map(|p| &p["stock"]), Some(&json!([])), "{}", staff_products.body);

    let batch =
        stack.post_json("/v1/orders/batch", &json!({"orders": [order_body("WS-SPEC-2"), {"order_number": "x"}]})).await;
    assert_eq!(batch.status, 207);
    assert_conforms(&spec, "/v1/orders/batch", "post", 207, &batch.body);

    let closed = orders_testkit::Answer::from(
        stack
            .request(reqwest::Method::POST, &format!("/v1/orders/{id}/closure"), &operator)
            .json(&json!({"reason": "spec"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_conforms(&spec, "/v1/orders/{id}/closure", "post", 200, &closed.body);
    let conflict = orders_testkit::Answer::from(
        stack.request(reqwest::Method::POST, &format!("/v1/orders/{id}/cancellation"), &operator).send().await,
    )
    .await;
    assert_conforms(&spec, "/v1/orders/{id}/cancellation", "post", 409, &conflict.body);

    let invalid = stack.post_json("/v1/orders", &json!({"order_number": "x"})).await;
    assert_eq!(invalid.status, 422);
    assert_conforms(&spec, "/v1/orders", "post", 422, &invalid.body);
    let missing = stack.get("/v1/orders/ord_00000000000000000000000000000000", &stack.tenant.key).await;
    assert_conforms(&spec, "/v1/orders/{id}", "get", 404, &missing.body);
}
