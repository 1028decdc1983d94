//! Order intake through the HTTP API, against the emulator: stored items, queue messages, problems.

use std::collections::HashSet;

use orders_testkit::{order_body, s, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_posted_order_is_stored_with_exact_totals_and_queued_once() {
    let stack = TestStack::start().await;
    let answer = stack.post_json("/v1/orders", &order_body("WS-10001")).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let id = answer.body["id"].as_str().expect("id").to_owned();
    assert_eq!(answer.header("location"), Some(format!("/v1/orders/{id}").as_str()));
    assert_eq!(answer.body["status"], "received");
    // C-1 has a 5 % discount: 2 × 349.00 = 698.00 − 34.90 = 663.10; the webshop's own 10 % on line 2:
    // 1.5 × 18.95 = 28.425 − 2.84 (2.8425 rounded) = 25.585 → 25.59.
    assert_eq!(answer.body["lines"][0]["line_net"], "663.10");
    assert_eq!(answer.body["lines"][1]["allowance"], "2.84");
    assert_eq!(answer.body["lines"][1]["line_net"], "25.59");
    // VAT: 663.10 × 25 % = 165.775 → 165.78; 25.59 × 12 % = 3.0708 → 3.07.
    assert_eq!(
        answer.body["totals"],
        json!({"net": "688.69", "allowances": "0.00", "charges": "0.00", "vat": "168.85", "gross": "857.54"})
    );

    let tenant = &stack.tenant.id;
    let order = stack.item(&format!("T#{tenant}#O#{id}"), "ORDER").await.expect("order item stored");
    assert_eq!(order["totals"].as_m().expect("totals")["gross"].as_s().expect("gross"), "857.54");
    assert_eq!(s(&order, "status"), "received");
    assert_eq!(s(&order, "GSI1PK"), format!("T#{tenant}#S#received"));
    assert!(s(&order, "GSI3PK").starts_with("PUB#"), "publish pending mark set");
    let partition = stack.partition(&format!("T#{tenant}#O#{id}")).await;
    assert_eq!(partition.iter().filter(|i| s(i, "SK").starts_with("H#")).count(), 1, "one history entry");
    let number = stack.item(&format!("T#{tenant}#ONO#webshop#WS-10001"), "ONO").await.expect("order number record");
    assert_eq!(s(&number, "order_id"), id);

    let messages = stack.drain_confirmation_queue().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].order_id.as_str(), id);
    assert_eq!(messages[0].event_type.as_str(), "order.received");
    assert_eq!(&messages[0].tenant, tenant);
    assert_eq!(messages[0].reference, "WS-10001");
}

#[tokio::test]
async fn the_webshop_reads_its_order_back_with_history() {
    let stack = TestStack::start().await;
    let created = stack.post_json("/v1/orders", &order_body("WS-7")).await;
    let id = created.body["id"].as_str().expect("id");
    let read = stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["status"], "received");
    assert_eq!(read.body["totals"], created.body["totals"]);
    assert_eq!(read.body["history"][0]["action"], "received");
    assert!(read.body["history"][0]["actor"].as_str().expect("actor").starts_with("webshop:key_"));
}

#[tokio::test]
async fn the_same_order_posted_twice_is_stored_once() {
    let stack = TestStack::start().await;
    let body = order_body("WS-2");
    let first = stack.post_json("/v1/orders", &body).await;
    let second = stack.post_json("/v1/orders", &body).await;
    assert_eq!((first.status, second.status), (201, 201));
    assert_eq!(first.body, second.body, "the same response");
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    // and with an Idempotency-Key, twice
    let keyed = |key: &str| {
        stack
            .request(Method::POST, "/v1/orders", &stack.tenant.key)
            .header("Idempotency-Key", key)
            .json(&order_body("WS-3"))
    };
    let third = orders_testkit::Answer::from(keyed("k-1").send().await).await;
    let fourth = orders_testkit::Answer::from(keyed("k-1").send().await).await;
    assert_eq!((third.status, fourth.status), (201, 201));
    assert_eq!(third.body["id"], fourth.body["id"]);

    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 2);
    assert_eq!(stack.drain_confirmation_queue().await.len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_identical_posts_yield_one_order_and_one_message() {
    let stack = TestStack::start().await;
    let body = order_body("WS-RACE");
    let answers = futures::future::join_all((0..20).map(|_| stack.post_json("/v1/orders", &body))).await;
    let ids: HashSet<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{}", a.body);
            a.body["id"].as_str().expect("id").to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the same order");
    assert_eq!(
        answers.iter().filter(|a| a.header("idempotent-replayed").is_none()).count(),
        1,
        "one request stored it"
    );
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 1);
    assert_eq!(stack.drain_confirmation_queue().await.len(), 1);
}

#[tokio::test]
async fn a_reused_key_or_order_number_with_another_body_is_refused() {
    let stack = TestStack::start().await;
    let post = |key: &'static str, body: Value| {
        let request =
            stack.request(Method::POST, "/v1/orders", &stack.tenant.key).header("Idempotency-Key", key).json(&body);
        async move { orders_testkit::Answer::from(request.send().await).await }
    };
    assert_eq!(post("key-a", order_body("WS-4")).await.status, 201);
    let reused = post("key-a", order_body("WS-5")).await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(reused.body["type"], "https://errors.orders.example/idempotency-key-reused");

    let mut changed = order_body("WS-4");
    changed["lines"][0]["quantity"] = json!("3");
    let conflict = stack.post_json("/v1/orders", &changed).await;
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 1);

    // A key a batch claimed (its record names no order) is taken for a single order too: 422, not a 503.
    let batch = orders_testkit::Answer::from(
        stack
            .request(Method::POST, "/v1/orders/batch", &stack.tenant.key)
            .header("Idempotency-Key", "key-b")
            .json(&json!({"orders": [order_body("WS-6")]}))
            .send()
            .await,
    )
    .await;
    assert_eq!(batch.status, 207, "{}", batch.body);
    let taken = post("key-b", order_body("WS-7")).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert_eq!(taken.body["type"], "https://errors.orders.example/idempotency-key-reused");
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 2, "WS-6 of the batch, and WS-7 not");
}

#[tokio::test]
async fn a_batch_of_100_with_3_bad_orders_stores_97() {
    let stack = TestStack::start().await;
    let mut orders: Vec<Value> = (0..100).map(|i| order_body(&format!("B-{i:03}"))).collect();
    orders[10]["lines"][0]["sku"] = json!("NO-SUCH-SKU");
    orders[50]["currency"] = json!("XYZ");
    orders[99]["lines"][1]["quantity"] = json!("0");
    let answer = stack.post_json("/v1/orders/batch", &json!({ "orders": orders })).await;
    assert_eq!(answer.status, 207, "{}", answer.body);
    let unexpected: Vec<&Value> = answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] != 201 && ![10, 50, 99].contains(&r["index"].as_u64().unwrap_or(0)))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(answer.body["summary"], json!({"created": 97, "replayed": 0, "failed": 3}));
    let results = answer.body["results"].as_array().expect("results");
    let failed: Vec<(u64, Vec<String>)> = results
        .iter()
        .filter(|r| r["status"] != 201)
        .map(|r| {
            let pointers = r["problem"]["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| e["pointer"].as_str().unwrap_or_default().to_owned())
                .collect();
            (r["index"].as_u64().expect("index"), pointers)
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (10, vec!["/orders/10/lines/0/sku".to_owned()]),
            (50, vec!["/orders/50/currency".to_owned()]),
            (99, vec!["/orders/99/lines/1/quantity".to_owned()]),
        ]
    );
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 97);
    assert_eq!(stack.drain_confirmation_queue().await.len(), 97);

    // The same batch again stores nothing new.
    let again = stack.post_json("/v1/orders/batch", &json!({ "orders": orders })).await;
    assert_eq!(again.body["summary"], json!({"created": 0, "replayed": 97, "failed": 3}));
    assert_eq!(stack.stored_orders(&stack.tenant.id).await.len(), 97);
}

#[tokio::test]
async fn every_bad_input_gets_its_problem_and_nothing_is_stored() {
    let stack = TestStack::start().await;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = order_body("WS-BAD");
        edit(&mut body);
        body
    };
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("unknown SKU", with(&|b| b["lines"][0]["sku"] = json!("SKU-404")), 422, "/lines/0/sku"),
        ("zero quantity", with(&|b| b["lines"][0]["quantity"] = json!(0)), 422, "/lines/0/quantity"),
        ("negative quantity", with(&|b| b["lines"][0]["quantity"] = json!("-1")), 422, "/lines/0/quantity"),
        ("five fraction digits", with(&|b| b["lines"][0]["quantity"] = json!("1.00001")), 422, "/lines/0/quantity"),
        ("unknown currency", with(&|b| b["currency"] = json!("ABC")), 422, "/currency"),
        (
            "price with 5 decimals",
            with(&|b| b["lines"][0]["unit_price"] = json!("1.23456")),
            422,
            "/lines/0/unit_price",
        ),
        ("501 lines", with(&|b| b["lines"] = json!(vec![json!({"sku": "SKU-1", "quantity": 1}); 501])), 422, "/lines"),
        (
            "a total the reports cannot hold",
            with(&|b| b["lines"] = json!([{"sku": "SKU-1", "quantity": "1000000000", "unit_price": "1000"}])),
            422,
            "/lines",
        ),
        ("missing buyer email", with(&|b| b["buyer"] = json!({"name": "Anna"})), 422, "/buyer/email"),
        ("bad buyer email", with(&|b| b["buyer"] = json!({"name": "Anna", "email": "anna@"})), 422, "/buyer/email"),
        (
            "delivery date in the past",
            with(&|b| b["requested_delivery_date"] = json!("2020-01-01")),
            422,
            "/requested_delivery_date",
        ),
        ("unknown customer", with(&|b| b["buyer"] = json!({"customer_id": "C-404"})), 422, "/buyer/customer_id"),
        ("quantity of the wrong type", with(&|b| b["lines"][0]["quantity"] = json!([1])), 400, "/lines/0/quantity"),
        ("unknown field", with(&|b| b["colour"] = json!("red")), 400, "/colour"),
        (
            "discount larger than the line",
            with(&|b| b["lines"][0]["discount"] = json!({"amount": "10000"})),
            422,
            "/lines/0/discount",
        ),
        (
            "missing lines",
            with(&|b| {
                b.as_object_mut().map(|o| o.remove("lines"));
            }),
            422,
            "/lines",
        ),
    ];
    for (name, body, status, pointer) in cases {
        let answer = stack.post_json("/v1/orders", &body).await;
        assert_eq!(answer.status, status, "{name}: {}", answer.body);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{name}");
        assert!(answer.pointers().contains(&pointer.to_owned()), "{name}: {:?}", answer.pointers());
        assert_eq!(answer.body["status"], status, "{name}");
    }

    let raw = |body: Vec<u8>, content_type: &'static str| {
        let request = stack
            .request(Method::POST, "/v1/orders", &stack.tenant.key)
            .header("content-type", content_type)
            .body(body);
        async move { orders_testkit::Answer::from(request.send().await).await }
    };
    let malformed = raw(b"{\"order_number\": ".to_vec(), "application/json").await;
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    assert_eq!(malformed.body["type"], "https://errors.orders.example/malformed-request");
    let mut big = order_body("WS-BIG");
    big["notes"] = json!("x".repeat(300 * 1024));
    let too_large = raw(big.to_string().into_bytes(), "application/json").await;
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    let not_json = raw(order_body("WS-X").to_string().into_bytes(), "text/plain").await;
    assert_eq!(not_json.status, 415, "{}", not_json.body);
    let not_utf8 = raw(vec![0xff, 0xfe, 0x00], "application/json").await;
    assert_eq!(not_utf8.status, 400, "{}", not_utf8.body);

    assert!(stack.stored_orders(&stack.tenant.id).await.is_empty(), "nothing stored");
    assert!(stack.drain_confirmation_queue().await.is_empty(), "nothing queued");
}

#[tokio::test]
async fn requests_without_a_valid_key_are_refused() {
    let stack = TestStack::start().await;
    let none = orders_testkit::Answer::from(
        reqwest::Client::new().post(format!("{}/v1/orders", stack.api_url)).json(&order_body("WS-1")).send().await,
    )
    .await;
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let unknown = stack.get("/v1/products", "ows_not_a_key").await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body["type"], "https://errors.orders.example/unauthorized");
    let operator = stack.key_with_role(&stack.tenant.id, orders_domain::ids::Role::Operator).await;
    let warehouse = stack.key_with_role(&stack.tenant.id, orders_domain::ids::Role::Warehouse).await;
    let forbidden = orders_testkit::Answer::from(
        stack.request(reqwest::Method::POST, "/v1/orders", &warehouse).json(&order_body("WS-2")).send().await,
    )
    .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    // Staff read the catalogue with the stock per warehouse; webshops see only what is available.
    let staff = stack.get("/v1/products", &operator).await;
    assert_eq!(staff.status, 200, "{}", staff.body);
    let desk = staff.body["items"].as_array().and_then(|items| items.iter().find(|p| p["sku"] == "SKU-1")).cloned();
    let desk = desk.expect("SKU-1");
    assert_eq!(desk["stock"][0]["warehouse"], "malmo", "{desk}");
    assert_eq!(desk["stock"][0]["on_hand"], "12");
    assert_eq!(desk["stock"][1]["on_hand"], "4");
    let webshop = stack.get("/v1/products", &stack.tenant.key).await;
    assert!(webshop.body["items"][0].get("stock").is_none(), "{}", webshop.body);
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_orders() {
    let stack = TestStack::start().await;
    let created = stack.post_json("/v1/orders", &order_body("WS-A")).await;
    let id = created.body["id"].as_str().expect("id");
    let other = stack.new_tenant().await;
    let answer = stack.get(&format!("/v1/orders/{id}"), &other.key).await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    // Its own order with the same number is a separate order.
    let own = orders_testkit::Answer::from(
        stack.request(Method::POST, "/v1/orders", &other.key).json(&order_body("WS-A")).send().await,
    )
    .await;
    assert_eq!(own.status, 201);
    assert_ne!(own.body["id"], created.body["id"]);
    assert_eq!(stack.get(&format!("/v1/orders/{id}"), &stack.tenant.key).await.status, 200);
    assert_eq!(stack.get("/v1/orders/ord_not-an-id", &stack.tenant.key).await.status, 404);
}

#[tokio::test]
async fn an_inline_buyer_is_upserted_into_the_customer_register() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-INLINE");
    body["buyer"] = json!({"name": "Lina Berg", "email": "lina@example.se", "language": "sv", "address": {"name": "Lina Berg", "street": "Vägen 2", "city": "Lund", "postal_code": "222 22", "country": "SE"}});
    let answer = stack.post_json("/v1/orders", &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let customer_id = answer.body["buyer"]["customer_id"].as_str().expect("customer id");
    assert!(customer_id.starts_with("cus_"));
    let customer =
        stack.item(&format!("T#{}#C#{customer_id}", stack.tenant.id), "CUSTOMER").await.expect("customer stored");
    assert_eq!(s(&customer, "email"), "lina@example.se");
    assert_eq!(s(&customer, "language"), "sv");
    // Ordering again by customer id now works.
    let mut again = order_body("WS-INLINE-2");
    again["buyer"] = json!({"customer_id": customer_id});
    assert_eq!(stack.post_json("/v1/orders", &again).await.status, 201);
}

#[tokio::test]
async fn a_short_line_is_accepted_with_a_stock_warning() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-SHORT");
    body["lines"] = json!([{"sku": "SKU-4", "quantity": 5}, {"sku": "SKU-2", "quantity": 1}]);
    let answer = stack.post_json("/v1/orders", &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["lines"][0]["stock_warning"]["available_quantity"], "3");
    assert!(answer.body["lines"][1].get("stock_warning").is_none());
}

#[tokio::test]
async fn the_catalogue_pages_with_signed_cursors_and_customer_prices() {
    let stack = TestStack::start().await;
    let key = &stack.tenant.key;
    let first = stack.get("/v1/products?limit=2", key).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let mut skus: Vec<String> = first.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["sku"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut next = Some(cursor.clone());
    while let Some(cursor) = next {
        let page = stack.get(&format!("/v1/products?limit=2&cursor={cursor}"), key).await;
        assert_eq!(page.status, 200, "{}", page.body);
        skus.extend(
            page.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["sku"].as_str().unwrap_or_default().to_owned()),
        );
        next = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(skus, ["SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-5"]);

    let all = stack.get("/v1/products?limit=10&customer=C-2", key).await;
    let lamp =
        all.body["items"].as_array().expect("items").iter().find(|p| p["sku"] == "SKU-2").expect("SKU-2").clone();
    assert_eq!(lamp["price"], "45.00");
    assert_eq!(lamp["price_source"], "customer");
    let desk = &all.body["items"][0];
    assert_eq!(desk["available_quantity"], "16", "12 + 4 in two warehouses");
    assert_eq!(desk["vat_rate"], "25");

    let tampered = stack.get(&format!("/v1/products?cursor={}x", cursor), key).await;
    assert_eq!(tampered.status, 400);
    let other = stack.new_tenant().await;
    assert_eq!(
        stack.get(&format!("/v1/products?cursor={cursor}"), &other.key).await.status,
        400,
        "a cursor is bound to its tenant"
    );
    assert_eq!(stack.get("/v1/products?limit=0", key).await.status, 400);
    assert_eq!(stack.get("/v1/products?customer=C-404", key).await.status, 400);
}

#[tokio::test]
async fn routes_not_in_the_template_are_not_served() {
    let stack = TestStack::start().await;
    assert_eq!(stack.get("/v1/nothing", &stack.tenant.key).await.status, 404);
    let health = stack.get("/healthz", "").await;
    assert_eq!(health.status, 200);
}

#[tokio::test]
async fn a_tenant_beyond_its_orders_per_minute_gets_429_with_retry_after_and_nothing_is_stored() {
    let stack = orders_testkit::TestStack::start().await;
    let store = stack.stack.store();
    let mut settings = store.get_tenant(&stack.tenant.id).await.expect("read").expect("tenant");
    settings.limits.orders_per_minute = 1;
    store.put_tenant(&settings).await.expect("write");
    let before_minute = time::OffsetDateTime::now_utc().second();
    if before_minute >= 55 {
        // Both orders in one minute.
        tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    }
    let first = stack.post_json("/v1/orders", &orders_testkit::order_body("RATE-1")).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = stack.post_json("/v1/orders", &orders_testkit::order_body("RATE-2")).await;
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(second.header("content-type"), Some("application/problem+json"));
    let wait: u64 = second.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // A retry of the stored order is answered as before (it is not a new order), and nothing of RATE-2 exists.
    let again = stack.post_json("/v1/orders", &orders_testkit::order_body("RATE-1")).await;
    assert!(again.status < 300 && again.body["id"] == first.body["id"], "the same order: {}", again.body);
    let numbers: Vec<String> = stack
        .stored_orders(&stack.tenant.id)
        .await
        .iter()
        .map(|item| orders_testkit::s(item, "order_number").to_owned())
        .collect();
    assert_eq!(numbers, ["RATE-1"]);
}
