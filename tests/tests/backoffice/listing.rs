//! The order list, an order's detail and a customer's order history: exact sets over two tenants, newest first,
//! filters, search, signed cursors and roles.

use std::collections::BTreeSet;

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, Tenant, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// The rows' `received_at` as instants: RFC 3339 text drops trailing zeros of the fraction, so "…05.12345Z"
/// (…050 µs) sorts after "…05.123456Z" as text although it is earlier.
fn received_instants(rows: &[Value]) -> Vec<time::OffsetDateTime> {
    rows.iter()
        .map(|r| r["received_at"].as_str().expect("received_at"))
        .map(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("RFC 3339"))
        .collect()
}

/// Posts `count` orders for `tenant` in one batch; every third one asks for an out-of-stock item (rejected on
/// confirmation). Returns the ids with the SKU each asked for.
async fn post_orders(stack: &TestStack, tenant: &Tenant, prefix: &str, count: usize) -> Vec<(String, &'static str)> {
    let orders: Vec<Value> = (0..count)
        .map(|i| {
            let mut body = order_body(&format!("{prefix}-{i:03}"));
            let sku = if i % 3 == 0 { "SKU-5" } else { "SKU-2" };
            body["lines"] = json!([{"sku": sku, "quantity": 1}]);
            body
        })
        .collect();
    let answer = Answer::from(
        stack.request(Method::POST, "/v1/orders/batch", &tenant.key).json(&json!({ "orders": orders })).send().await,
    )
    .await;
    assert_eq!(answer.body["summary"]["created"], count, "{}", answer.body);
    answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .enumerate()
        .map(|(i, r)| (r["order"]["id"].as_str().expect("id").to_owned(), if i % 3 == 0 { "SKU-5" } else { "SKU-2" }))
        .collect()
}

/// Every page of `GET /v1/orders{query}` as `key`.
async fn list_all(stack: &TestStack, key: &str, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let separator = if query.is_empty() { "?" } else { "&" };
        let path = match &cursor {
            None => format!("/v1/orders{query}"),
            Some(c) => format!("/v1/orders{query}{separator}cursor={c}"),
        };
        let page = stack.get(&path, key).await;
        assert_eq!(page.status, 200, "{}", page.body);
        rows.extend(page.body["items"].as_array().expect("items").iter().cloned());
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return rows;
        }
    }
    panic!("no end of the listing");
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn the_order_list_returns_exactly_the_tenants_orders_newest_first_with_filters() {
    let stack = TestStack::start().await;
    let a = stack.tenant.clone();
    let b = stack.new_tenant().await;
    let confirmed = post_orders(&stack, &a, "A", 30).await;
    let others = post_orders(&stack, &b, "B", 12).await;
    stack.deliver_all().await;
    let waiting = post_orders(&stack, &a, "A2", 7).await;

    let operator = stack.key_with_role(&a.id, Role::Operator).await;
    let rows = list_all(&stack, &operator, "?limit=7").await;
    let expected: BTreeSet<String> = confirmed.iter().chain(&waiting).map(|(id, _)| id.clone()).collect();
    assert_eq!(rows.len(), expected.len(), "no duplicates across pages");
    assert_eq!(ids(&rows), expected);
    assert!(
        ids(&rows).is_disjoint(&others.iter().map(|(id, _)| id.clone()).collect()),
        "never the other tenant's orders"
    );
    let received = received_instants(&rows);
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first: {received:?}");

    let rejected: BTreeSet<String> =
        confirmed.iter().filter(|(_, sku)| *sku == "SKU-5").map(|(id, _)| id.clone()).collect();
    let waiting_ids: BTreeSet<String> = waiting.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids(&list_all(&stack, &operator, "?status=rejected&limit=4").await), rejected);
    let both = list_all(&stack, &operator, "?status=rejected,received&limit=5").await;
    assert_eq!(ids(&both), rejected.union(&waiting_ids).cloned().collect());
    assert!(both.iter().all(|r| r["status"] == "rejected" || r["status"] == "received"));
    let row = &both[0];
    assert!(row["buyer"]["name"].is_string() && row["gross"].is_string() && row["order_number"].is_string());

    let warehouse = stack.key_with_role(&a.id, Role::Warehouse).await;
    assert_eq!(stack.get("/v1/orders?limit=1", &warehouse).await.status, 200);
}

#[tokio::test]
async fn the_order_list_refuses_webshops_strangers_and_foreign_cursors() {
    let stack = TestStack::start().await;
    post_orders(&stack, &stack.tenant, "A", 3).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    assert_eq!(stack.get("/v1/orders", &stack.tenant.key).await.status, 403, "webshop key");
    assert_eq!(stack.get("/v1/orders", "oop_unknown").await.status, 401);
    let page = stack.get("/v1/orders?limit=1", &operator).await;
    let cursor = page.body["next_cursor"].as_str().expect("more pages").to_owned();
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(
        stack.get(&format!("/v1/orders?cursor={cursor}"), &other_operator).await.status,
        400,
        "bound to its tenant"
    );
    assert_eq!(
        stack.get(&format!("/v1/orders?status=received&cursor={cursor}"), &operator).await.status,
        400,
        "bound to its filter"
    );
    let bad = stack.get("/v1/orders?status=shipped", &operator).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["errors"][0]["parameter"], "status");
    assert_eq!(stack.get("/v1/orders?limit=500", &operator).await.status, 400);
    let undeclared = stack.request(Method::DELETE, "/v1/orders", &operator).send().await.expect("send");
    assert_eq!(undeclared.status().as_u16(), 405, "not a method of the path");
    let allow = undeclared.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn staff_see_an_orders_reservations_and_webshops_do_not() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-DETAIL");
    body["lines"] = json!([{"sku": "SKU-1", "quantity": 13}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let staff = stack.get(&format!("/v1/orders/{id}"), &warehouse).await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    assert_eq!(
        staff.body["reservations"],
        json!([
            {"sku": "SKU-1", "warehouse": "lulea", "quantity": "1"},
            {"sku": "SKU-1", "warehouse": "malmo", "quantity": "12"}
        ])
    );
    assert_eq!(staff.body["history"].as_array().map(Vec::len), Some(2));
    let webshop = stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await;
    assert!(webshop.body.get("reservations").is_none(), "{}", webshop.body);
    let other = stack.new_tenant().await;
    let stranger = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(stack.get(&format!("/v1/orders/{id}"), &stranger).await.status, 404);
}

#[tokio::test]
async fn a_customers_order_history_is_newest_first_and_paged() {
    let stack = TestStack::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut body = order_body(&format!("HIST-{i}"));
        body["buyer"] = json!({"customer_id": "C-2"});
        ids.push(stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.post_json("/v1/orders", &order_body("OTHER-CUSTOMER")).await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let first = stack.get("/v1/customers/C-2/orders?limit=3", &operator).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_owned();
    let second = stack.get(&format!("/v1/customers/C-2/orders?limit=3&cursor={cursor}"), &operator).await;
    let listed: Vec<String> = first.body["items"]
        .as_array()
        .into_iter()
        .chain(second.body["items"].as_array())
        .flatten()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.reverse();
    assert_eq!(listed, ids, "exactly C-2's orders, newest first");
    assert_eq!(stack.get("/v1/customers/C-404/orders", &operator).await.status, 404);
    assert_eq!(
        stack.get(&format!("/v1/customers/C-1/orders?cursor={cursor}"), &operator).await.status,
        400,
        "cursor bound to its customer"
    );
    assert_eq!(stack.get("/v1/customers/C-2/orders", &stack.tenant.key).await.status, 403);
}

/// One order of the 300-order listing test: what the test knows about it to compute every expected set.
#[derive(Debug, Clone)]
struct Known {
    id: String,
    number: String,
    buyer: &'static str,
    express: bool,
    second_sku: bool,
    rejected: bool,
    confirmed: bool,
}

/// Posts `count` orders numbered `{prefix}-{i:03}` in one batch: buyers rotate over C-1, C-2 and two inline
/// buyers, every fifth is express, every third asks for the out-of-stock SKU-5 (rejected when confirmed), and the
/// others for SKU-2 (plus SKU-3 on every third).
async fn post_varied(stack: &TestStack, key: &str, prefix: &str, range: std::ops::Range<usize>) -> Vec<Known> {
    let lina = json!({"name": "Lina Berg", "email": "lina@example.se"});
    let olof = json!({"name": "Olof Ek", "email": "olof@example.se"});
    let plan: Vec<(usize, Value, &'static str)> = range
        .map(|i| {
            let mut body = order_body(&format!("{prefix}-{i:03}"));
            let (buyer, name) = match i % 4 {
                0 => (json!({"customer_id": "C-1"}), "C-1"),
                1 => (json!({"customer_id": "C-2"}), "C-2"),
                2 => (lina.clone(), "lina"),
                _ => (olof.clone(), "olof"),
            };
            body["buyer"] = buyer;
            body["type"] = json!(if i % 5 == 0 { "express" } else { "purchase" });
            body["lines"] = match i % 3 {
                0 => json!([{"sku": "SKU-5", "quantity": 1}]),
                1 => json!([{"sku": "SKU-2", "quantity": 1}]),
                _ => json!([{"sku": "SKU-2", "quantity": 1}, {"sku": "SKU-3", "quantity": 1}]),
            };
            (i, body, name)
        })
        .collect();
    let orders: Vec<&Value> = plan.iter().map(|(_, body, _)| body).collect();
    let answer = Answer::from(
        stack.request(Method::POST, "/v1/orders/batch", key).json(&json!({ "orders": orders })).send().await,
    )
    .await;
    assert_eq!(answer.body["summary"]["created"], plan.len(), "{}", answer.body);
    let results = answer.body["results"].as_array().expect("results");
    plan.iter()
        .zip(results)
        .map(|((i, _, buyer), result)| Known {
            id: result["order"]["id"].as_str().expect("id").to_owned(),
            number: format!("{prefix}-{i:03}"),
            buyer,
            express: i % 5 == 0,
            second_sku: i % 3 == 2,
            rejected: i % 3 == 0,
            confirmed: false,
        })
        .collect()
}

fn set_of<'a>(orders: impl IntoIterator<Item = &'a Known>) -> BTreeSet<String> {
    orders.into_iter().map(|k| k.id.clone()).collect()
}

#[tokio::test]
async fn three_hundred_orders_of_two_tenants_list_filter_search_and_page_exactly() {
    let stack = TestStack::start().await;
    let a = stack.tenant.clone();
    let b = stack.new_tenant().await;
    let (op_a, op_b) =
        (stack.key_with_role(&a.id, Role::Operator).await, stack.key_with_role(&b.id, Role::Operator).await);
    for (tenant, operator) in [(&a, &op_a), (&b, &op_b)] {
        let put = Answer::from(
            stack.request(Method::PUT, "/v1/stock/SKU-2/malmo", operator).json(&json!({"on_hand": 1000})).send().await,
        )
        .await;
        assert_eq!(put.status, 200, "{} {}", tenant.id, put.body);
    }
    let mut first_a = post_varied(&stack, &a.key, "A", 0..90).await;
    let mut first_b = post_varied(&stack, &b.key, "B", 0..60).await;
    stack.deliver_all().await;
    for known in first_a.iter_mut().chain(first_b.iter_mut()) {
        known.confirmed = true;
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("now");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second_a = post_varied(&stack, &a.key, "A", 90..180).await;
    let second_b = post_varied(&stack, &b.key, "B", 60..120).await;
    let all_a: Vec<Known> = first_a.iter().chain(&second_a).cloned().collect();
    let all_b: Vec<Known> = first_b.iter().chain(&second_b).cloned().collect();
    assert_eq!(all_a.len() + all_b.len(), 300);

    // Everything, in pages of 37: each of A's 180 orders once, newest first, none of B's.
    let rows = list_all(&stack, &op_a, "?limit=37").await;
    assert_eq!(rows.len(), 180);
    assert_eq!(ids(&rows), set_of(&all_a));
    let received = received_instants(&rows);
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(ids(&list_all(&stack, &op_b, "").await), set_of(&all_b));

    let expect = |query: &str, wanted: BTreeSet<String>| (query.to_owned(), wanted);
    let status_of = |k: &Known| match (k.confirmed, k.rejected) {
        (false, _) => "received",
        (true, true) => "rejected",
        (true, false) => "accepted",
    };
    let cases = vec![
        expect("?status=accepted,received&limit=50", set_of(all_a.iter().filter(|k| status_of(k) != "rejected"))),
        expect("?status=rejected&limit=9", set_of(all_a.iter().filter(|k| status_of(k) == "rejected"))),
        expect("?type=express&limit=7", set_of(all_a.iter().filter(|k| k.express))),
        expect("?customer_id=C-2&limit=6", set_of(all_a.iter().filter(|k| k.buyer == "C-2"))),
        expect(
            "?customer_id=C-1&status=rejected,received&limit=4",
            set_of(all_a.iter().filter(|k| k.buyer == "C-1" && status_of(k) != "accepted")),
        ),
        expect(&format!("?received_from={between}&limit=40"), set_of(&second_a)),
        expect(&format!("?received_to={between}&limit=40"), set_of(&first_a)),
        expect("?q=A-007", set_of(all_a.iter().filter(|k| k.number == "A-007"))),
        expect("?q=B-007", BTreeSet::new()),
        expect("?q=lina&limit=10", set_of(all_a.iter().filter(|k| k.buyer == "lina"))),
        expect("?q=B%C3%BCRO%20schmidt&limit=10", set_of(all_a.iter().filter(|k| k.buyer == "C-2"))),
        expect("?q=SKU-3&limit=11", set_of(all_a.iter().filter(|k| k.second_sku))),
        expect(
            "?q=SKU-3&type=express&status=accepted&limit=2",
            set_of(all_a.iter().filter(|k| k.second_sku && k.express && status_of(k) == "accepted")),
        ),
        expect(&format!("?q={}", all_a[5].id), set_of([&all_a[5]])),
        expect(&format!("?q={}", all_b[5].id), BTreeSet::new()),
        expect("?received_from=2000-01-01&received_to=2000-12-31", BTreeSet::new()),
    ];
    for (query, wanted) in cases {
        let rows = list_all(&stack, &op_a, &query).await;
        assert_eq!(rows.len(), wanted.len(), "{query}: no duplicates");
        assert_eq!(ids(&rows), wanted, "{query}");
        let received = received_instants(&rows);
        assert!(received.windows(2).all(|w| w[0] >= w[1]), "{query}: newest first");
    }
    assert!(
        !set_of(all_a.iter().filter(|k| k.second_sku && k.express)).is_empty(),
        "the combined case selects something"
    );

    for bad in [
        "?type=pallet",
        "?customer_id=a%23b",
        "?received_from=yesterday",
        "?sort=oldest",
        "?received_from=2026-02-01&received_to=2026-01-01",
    ] {
        let answer = stack.get(&format!("/v1/orders{bad}"), &op_a).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
        assert!(answer.body["errors"][0]["parameter"].is_string(), "{bad}: {}", answer.body);
    }
}
