//! openapi.yaml describes exactly the template's routes, and the running API answers with the documented shapes.

use std::collections::BTreeSet;

use orders_testkit::{order_body, TestStack};
use serde_json::{json, Value};

fn spec() -> Value {
    let text = std::fs::read_to_string(devstack::stack::project_root().join("openapi.yaml")).expect("openapi.yaml");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("yaml");
    serde_json::to_value(yaml).expect("json")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec, spec.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}")))
        }
        None => schema,
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    };
    match expected {
        Value::String(t) => one(t),
        Value::Array(types) => types.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

/// Every way `value` departs from `schema`: wrong types, missing required or undocumented fields, values outside enums.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged_props = serde_json::Map::new();
        for part in all {
            let part = resolve(spec, part);
            check(
                spec,
                &json!({ "required": part.get("required").cloned().unwrap_or(json!([])) }),
                value,
                at,
                problems,
            );
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                merged_props.extend(props.clone());
            }
        }
        check(spec, &json!({ "type": "object", "properties": merged_props }), value, at, problems);
        return;
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|o| {
            let mut p = Vec::new();
            check(spec, o, value, at, &mut p);
            p.is_empty()
        });
        if !fits {
            problems.push(format!("{at}: fits none of oneOf"));
        }
        return;
    }
    if let Some(expected) = schema.get("type") {
        if !type_matches(expected, value) {
            problems.push(format!("{at}: {value} is not of type {expected}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                problems.push(format!("{at}: required {required} missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, item) in object {
                match properties.get(key) {
                    Some(property) => check(spec, property, item, &format!("{at}/{key}"), problems),
                    None => problems.push(format!("{at}/{key}: not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, item) in values.iter().enumerate() {
            check(spec, items, item, &format!("{at}/{i}"), problems);
        }
    }
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let response = resolve(spec, &spec["paths"][path][method]["responses"][status.to_string()]);
    let content = &response["content"];
    let media = content.get("application/json").or_else(|| content.get("application/problem+json")).expect("content");
    &media["schema"]
}

fn assert_conforms(spec: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let mut problems = Vec::new();
    check(spec, response_schema(spec, path, method, status), body, "", &mut problems);
    assert!(problems.is_empty(), "{method} {path} {status}: {problems:#?}");
}

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
