//! Confirmation against the emulator: orders posted through the HTTP API, delivered from the real confirmation
//! queue to the confirmation handler, asserting on stored items, stock and the emails SES accepted.

use orders_domain::catalogue::{Product, VatCategory};
use orders_domain::ids::{Sku, WarehouseId};
use orders_domain::money::Currency;
use orders_domain::tenant::ResponsePolicy;
use orders_testkit::{mime_parts, order_body, s, TestStack};
use rust_decimal::Decimal;
use serde_json::json;

fn dec(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn lines(body: &mut serde_json::Value, lines: serde_json::Value) {
    body["lines"] = lines;
}

/// A catalogue product at `price` EUR with 25 % VAT.
fn product(sku: &str, price: &str, lot_tracked: bool) -> Product {
    Product {
        sku: Sku::parse(sku).expect("sku"),
        name: format!("Product {sku}"),
        unit: "C62".into(),
        price: dec(price),
        currency: Currency::parse("EUR").expect("EUR"),
        vat_category: VatCategory::S,
        vat_rate: dec("25"),
        cost_price: None,
        lot_tracked,
        min_stock: None,
        target_stock: None,
        gtin: None,
    }
}

#[tokio::test]
async fn an_order_with_enough_stock_is_accepted_reserved_and_emailed_once() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-OK");
    lines(&mut body, json!([{"sku": "SKU-1", "quantity": 14}]));
    body["notes"] = json!("<script>alert('x')</script> please call");
    let posted = stack.post_json("/v1/orders", &body).await;
    let id = posted.body["id"].as_str().expect("id").to_owned();
    let delivery = stack.deliver_all().await;
    assert_eq!((delivery.received, delivery.succeeded), (1, 1));

    let order = stack.order(&id).await;
    assert_eq!(order["status"], "accepted");
    assert_eq!(order["lines"][0]["confirmed_quantity"], "14");
    assert_eq!(order["lines"][0]["open_quantity"], "14");
    assert_eq!(order["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(order["history"][1]["actor"], "system:confirmation");
    // Warehouses in priority order: malmo (12 on hand) first, then lulea (4).
    let tenant = &stack.tenant.id;
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await, (dec("12"), dec("12"), dec("0")));
    assert_eq!(stack.stock(tenant, "SKU-1", "lulea").await, (dec("4"), dec("2"), dec("2")));
    let stored = stack.item(&format!("T#{tenant}#O#{id}"), "ORDER").await.expect("order");
    assert!(!stored.contains_key("GSI3PK"), "the publish-pending mark is cleared");
    assert_eq!(s(&stored, "GSI1PK"), format!("T#{tenant}#S#accepted"));
    // 2 left of 16 is below the minimum of 5: a reorder suggestion.
    let reorder = stack.item(&format!("T#{tenant}#REORDER"), "SKU#SKU-1").await.expect("reorder suggestion");
    assert_eq!(reorder["available"].as_n().map(String::as_str), Ok("2"));

    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 2, "one seller and one buyer email");
    let seller =
        emails.iter().find(|e| e.destinations.iter().any(|d| d.contains("order-desk@"))).expect("seller email");
    assert!(seller.header("Message-ID").is_some_and(|m| m.contains("seller_new_order")));
    let buyer = emails.iter().find(|e| e.destinations.iter().any(|d| d.contains("inkop@"))).expect("buyer email");
    assert_eq!(buyer.header("Content-Language").as_deref(), Some("sv"), "C-1 reads Swedish");
    let (text, html) = mime_parts(&buyer.raw_data);
    assert!(text.contains("Tack för din beställning"), "{text}");
    // 14 × 349.00 − 5 % customer discount, in Swedish notation
    assert!(text.contains("Belopp: 4\u{202f}641,70\u{a0}EUR"), "{text}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&#60;script&#62;"), "{html}");
}

#[tokio::test]
async fn partial_stock_is_accepted_with_changes_and_no_stock_is_rejected() {
    let stack = TestStack::start().await;
    let mut partial = order_body("WS-PART");
    lines(&mut partial, json!([{"sku": "SKU-4", "quantity": 5}, {"sku": "SKU-2", "quantity": 1}]));
    let partial_id = stack.post_json("/v1/orders", &partial).await.body["id"].as_str().expect("id").to_owned();
    let mut none = order_body("WS-NONE");
    lines(&mut none, json!([{"sku": "SKU-5", "quantity": 1}]));
    none["buyer"] = json!({"customer_id": "C-2"});
    let none_id = stack.post_json("/v1/orders", &none).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;

    let order = stack.order(&partial_id).await;
    assert_eq!(order["status"], "accepted_with_changes");
    assert_eq!(order["lines"][0]["confirmed_quantity"], "3");
    assert_eq!(order["lines"][0]["line_status"], "changed");
    assert_eq!(order["lines"][1]["confirmed_quantity"], "1");
    let buyer = stack
        .emails_for(&partial_id)
        .await
        .into_iter()
        .find(|e| e.destinations.iter().any(|d| d.contains("inkop@")))
        .expect("buyer email");
    let (text, _) = mime_parts(&buyer.raw_data);
    assert!(text.contains("Endast 3 av 5 kan levereras"), "{text}");
    assert!(text.contains("[Ändrad]"), "{text}");

    let order = stack.order(&none_id).await;
    assert_eq!(order["status"], "rejected");
    assert!(order["response_reason"].as_str().is_some_and(|r| r.contains("Out of stock")), "{order}");
    let emails = stack.emails_for(&none_id).await;
    let buyer =
        emails.iter().find(|e| e.destinations.iter().any(|d| d.contains("einkauf@"))).expect("German buyer email");
    assert!(buyer.header("Message-ID").is_some_and(|m| m.contains("buyer_order_rejected")));
    assert_eq!(buyer.header("Content-Language").as_deref(), Some("de"));
}

#[tokio::test]
async fn the_same_message_delivered_three_times_is_processed_once() {
    let stack = TestStack::start().await;
    let mut body = order_body("WS-DUP");
    lines(&mut body, json!([{"sku": "SKU-2", "quantity": 4}]));
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    let message = stack.drain_queue("ConfirmationQueue").await.pop().expect("order.received");
    for _ in 0..3 {
        stack.send_to_queue("ConfirmationQueue", &message).await;
    }
    let delivery = stack.deliver_all().await;
    assert_eq!((delivery.received, delivery.succeeded), (3, 3));
    // Once more, separately, after the first ones completed.
    stack.send_to_queue("ConfirmationQueue", &message).await;
    stack.deliver_all().await;

    assert_eq!(stack.stock(&stack.tenant.id, "SKU-2", "malmo").await, (dec("40"), dec("4"), dec("36")));
    let order = stack.order(&id).await;
    let actions: Vec<&str> =
        order["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert_eq!(actions, ["received", "accepted"]);
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 2, "one email of each kind");
}

#[tokio::test]
async fn thirty_orders_racing_for_ten_units_reserve_exactly_ten() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let store = stack.stack.store();
    let sku = Sku::parse("LAST-TEN").expect("sku");
    let product = product("LAST-TEN", "99.00", false);
    store.put_product(tenant, &product).await.expect("product");
    store.set_stock(tenant, &sku, &WarehouseId::parse("malmo").expect("wh"), dec("6")).await.expect("stock");
    store.set_stock(tenant, &sku, &WarehouseId::parse("lulea").expect("wh"), dec("4")).await.expect("stock");
    let stack = &stack;
    let posts = (0..30).map(|i| {
        let mut body = order_body(&format!("RACE-{i:02}"));
        lines(&mut body, json!([{"sku": "LAST-TEN", "quantity": 1}]));
        async move { stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned() }
    });
    let ids = futures::future::join_all(posts).await;

    // Three consumers at once, as three concurrent Lambda invocations would.
    let consumers: Vec<_> = (0..3).map(|_| stack.consumers()).collect();
    let consumers = futures::future::join_all(consumers).await;
    let runs = consumers.into_iter().flatten().map(|consumer| async move {
        for _ in 0..50 {
            if consumer.deliver_once(0).await.expect("deliver").received == 0 {
                break;
            }
        }
    });
    futures::future::join_all(runs).await;
    stack.deliver_all().await;

    let malmo = stack.stock(tenant, "LAST-TEN", "malmo").await;
    let lulea = stack.stock(tenant, "LAST-TEN", "lulea").await;
    assert_eq!((malmo.1 + lulea.1, malmo.2 + lulea.2), (dec("10"), dec("0")), "{malmo:?} {lulea:?}");
    assert!(malmo.2 >= Decimal::ZERO && lulea.2 >= Decimal::ZERO);
    let mut accepted = 0;
    let mut rejected = 0;
    for id in &ids {
        match stack.order(id).await["status"].as_str() {
            Some("accepted") => accepted += 1,
            Some("rejected") => rejected += 1,
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!((accepted, rejected), (10, 20));
}

#[tokio::test]
async fn a_poison_message_lands_in_the_dlq_without_failing_its_batch() {
    let stack = TestStack::start().await;
    stack.send_to_queue("ConfirmationQueue", "{not an envelope").await;
    let unknown = json!({"type": "order.received", "v": 1, "event_id": "evt_x", "tenant": stack.tenant.id, "order_id": "ord_00000000000000000000000000000000", "ref": "x", "at": "2026-11-23T00:00:00Z"});
    stack.send_to_queue("ConfirmationQueue", unknown.to_string()).await;
    let id = stack.post_json("/v1/orders", &order_body("WS-GOOD")).await.body["id"].as_str().expect("id").to_owned();

    let consumer = stack.consumers().await.remove(0);
    let first = consumer.deliver_once(0).await.expect("deliver");
    assert_eq!((first.received, first.succeeded, first.failed), (3, 1, 2));
    assert_eq!(stack.order(&id).await["status"], "accepted");
    for _ in 0..10 {
        consumer.deliver_once(0).await.expect("deliver");
    }
    let dlq = stack.stack.reference("ConfirmationDeadLetterQueue").expect("dlq").to_owned();
    let dead = stack
        .stack
        .aws
        .sqs
        .receive_message()
        .queue_url(&dlq)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("receive");
    let bodies: Vec<String> = dead.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect();
    assert_eq!(bodies.len(), 2, "both bad messages after maxReceiveCount (5) receives: {bodies:?}");
    assert!(bodies.iter().any(|b| b == "{not an envelope"));
}

#[tokio::test]
async fn an_order_whose_publish_failed_is_relayed_and_accepted() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    // SQS is unavailable to the intake function (every attempt of the SDK), from the emulator's side.
    let unavailable = stack
        .function_faults("IntakeFunction")
        .inject(json!({"service": "sqs", "action": "SendMessage", "kind": "error", "error": "unavailable"}))
        .await;
    let posted = stack.post_json("/v1/orders", &order_body("WS-LOST")).await;
    assert_eq!(posted.status, 201, "the order is stored although its publish failed");
    assert!(stack.function_faults("IntakeFunction").struck(&unavailable).await >= 1);
    let id = posted.body["id"].as_str().expect("id").to_owned();
    assert_eq!(stack.deliver_all().await.received, 0, "nothing was published");
    assert_eq!(stack.order(&id).await["status"], "received");

    let relay = stack.stack.relay().expect("relay");
    let report = relay.run_once(time::OffsetDateTime::now_utc()).await.expect("relay");
    assert_eq!((report.pending, report.republished), (1, 1));
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    let again = relay.run_once(time::OffsetDateTime::now_utc()).await.expect("relay");
    assert_eq!(again.pending, 0, "the consumer cleared the mark");
}

#[tokio::test]
async fn a_call_off_line_exceeding_its_blanket_order_is_rejected_with_a_reason() {
    let stack = TestStack::start().await;
    let mut blanket = order_body("FRAME-1");
    blanket["type"] = json!("blanket");
    lines(&mut blanket, json!([{"sku": "SKU-3", "quantity": 10}]));
    let blanket_id = stack.post_json("/v1/orders", &blanket).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&blanket_id).await["status"], "accepted");
    assert_eq!(
        stack.stock(&stack.tenant.id, "SKU-3", "malmo").await.1,
        Decimal::ZERO,
        "blanket orders reserve nothing"
    );

    let mut call_off = order_body("CALL-1");
    call_off["type"] = json!("call_off");
    call_off["blanket_order_id"] = json!(blanket_id);
    lines(&mut call_off, json!([{"sku": "SKU-3", "quantity": 6}, {"sku": "SKU-3", "quantity": 5}]));
    let posted = stack.post_json("/v1/orders", &call_off).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let id = posted.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "accepted_with_changes");
    assert_eq!(order["lines"][0]["line_status"], "accepted");
    assert_eq!(order["lines"][1]["line_status"], "rejected");
    assert!(
        order["lines"][1]["note"]
            .as_str()
            .is_some_and(|n| n.contains("remaining quantity of blanket order FRAME-1: 4 left")),
        "{order}"
    );
    assert_eq!(stack.order(&blanket_id).await["lines"][0]["called_off_quantity"], "6");
}

#[tokio::test]
async fn express_orders_are_confirmed_before_others_in_a_batch() {
    let stack = TestStack::start().await;
    let mut normal = order_body("WS-SLOW");
    lines(&mut normal, json!([{"sku": "SKU-4", "quantity": 3}]));
    let normal_id = stack.post_json("/v1/orders", &normal).await.body["id"].as_str().expect("id").to_owned();
    let mut express = order_body("WS-FAST");
    express["type"] = json!("express");
    lines(&mut express, json!([{"sku": "SKU-4", "quantity": 3}]));
    let express_id = stack.post_json("/v1/orders", &express).await.body["id"].as_str().expect("id").to_owned();
    let delivery = stack.consumers().await.remove(0).deliver_once(0).await.expect("deliver");
    assert_eq!(delivery.received, 2, "both in one batch");
    assert_eq!(stack.order(&express_id).await["status"], "accepted");
    assert_eq!(stack.order(&normal_id).await["status"], "rejected");
}

#[tokio::test]
async fn a_manual_response_tenant_leaves_orders_pending() {
    let stack = TestStack::start().await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let id = stack.post_json("/v1/orders", &order_body("WS-MANUAL")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "pending_response");
    assert_eq!(stack.stock(&stack.tenant.id, "SKU-1", "malmo").await.1, Decimal::ZERO);
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 1, "only the seller hears of it");
    assert!(emails[0].header("Message-ID").is_some_and(|m| m.contains("seller_new_order")));
}

/// An order of one each of `count` new products with `on_hand` in malmo (130: more stock updates than one
/// transaction holds), posted: its SKUs and its id.
async fn bulk_order(stack: &TestStack, prefix: &str, on_hand: &str, count: usize) -> (Vec<String>, String) {
    let tenant = &stack.tenant.id;
    let store = stack.stack.store();
    let malmo = WarehouseId::parse("malmo").expect("wh");
    let skus: Vec<String> = (0..count).map(|i| format!("{prefix}-{i:03}")).collect();
    for sku in &skus {
        let product = product(sku, "1.00", false);
        store.put_product(tenant, &product).await.expect("product");
        store.set_stock(tenant, &product.sku, &malmo, dec(on_hand)).await.expect("stock");
    }
    let mut body = order_body(&format!("WS-{prefix}"));
    lines(&mut body, skus.iter().map(|sku| json!({"sku": sku, "quantity": 1})).collect());
    let posted = stack.post_json("/v1/orders", &body).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    (skus, posted.body["id"].as_str().expect("id").to_owned())
}

/// The reservation chunk markers stored with order `id`.
async fn chunk_markers(stack: &TestStack, id: &str) -> usize {
    let pk = format!("T#{}#O#{id}", stack.tenant.id);
    stack.partition(&pk).await.into_iter().filter(|i| s(i, "SK").starts_with("R#")).count()
}

#[tokio::test]
async fn an_order_needing_more_than_100_stock_updates_is_reserved_in_deterministic_chunks() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let (skus, id) = bulk_order(&stack, "BULK", "2", 130).await;
    // Delivered twice: the chunk markers make the second delivery a no-op.
    let message = stack.drain_queue("ConfirmationQueue").await.pop().expect("message");
    for _ in 0..2 {
        stack.send_to_queue("ConfirmationQueue", &message).await;
        stack.deliver_all().await;
    }
    assert_eq!(stack.order(&id).await["status"], "accepted");
    for sku in &skus {
        assert_eq!(stack.stock(tenant, sku, "malmo").await, (dec("2"), dec("1"), dec("1")), "{sku}");
    }
    let markers = chunk_markers(&stack, &id).await;
    assert_eq!(markers, 1, "130 updates + 4 other actions: one chunk of 99 before the final transaction");
}

#[tokio::test]
async fn an_event_too_big_to_carry_its_order_is_sent_thin_and_confirmed_from_a_read() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    // A small order's event carries it; a 200-line order's would pass the limit, so it goes without.
    stack.post_json("/v1/orders", &order_body("WS-CARRIED")).await;
    let (skus, id) = bulk_order(&stack, "THIN", "2", 200).await;
    let bodies = stack.drain_queue("ConfirmationQueue").await;
    let events: Vec<serde_json::Value> =
        bodies.iter().map(|body| serde_json::from_str(body).expect("envelope")).collect();
    let (big, small): (Vec<_>, Vec<_>) = events.iter().partition(|e| e["order_id"] == id.as_str());
    assert_eq!((big.len(), small.len()), (1, 1));
    assert_eq!(small[0]["carried"]["version"], 1, "{}", small[0]);
    assert!(big[0].get("carried").is_none(), "sent thin");
    let big_body = bodies.iter().find(|b| b.contains(&id)).expect("the big order's message");
    assert!(big_body.len() < orders_aws::publisher::MAX_CARRIED_BYTES, "{} bytes", big_body.len());

    // Confirmation reads the order and its stock, as for any thin event.
    for body in bodies {
        stack.send_to_queue("ConfirmationQueue", body).await;
    }
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    for sku in &skus {
        assert_eq!(stack.stock(tenant, sku, "malmo").await, (dec("2"), dec("1"), dec("1")), "{sku}");
    }
}

#[tokio::test]
async fn an_attempt_that_dies_between_its_chunks_and_its_answer_is_undone_exactly_before_the_order_is_planned_again() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    // One of each on hand: what the first attempt's chunk reserved is all there is.
    let (skus, id) = bulk_order(&stack, "TIGHT", "1", 130).await;
    // The first attempt writes its chunk of 99 reservations, then its final transaction is refused.
    let faults = stack.function_faults("ConfirmationFunction");
    let rule = faults
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "error", "error": "rejected", "nth": [2]}))
        .await;
    stack.deliver_all().await;
    assert_eq!(faults.struck(&rule).await, 1, "the final transaction of the first attempt failed");
    faults.clear().await;

    let order = stack.order(&id).await;
    assert_eq!(order["status"], "accepted", "planned again from the true counters: {}", order["lines"][0]);
    for sku in &skus {
        assert_eq!(stack.stock(tenant, sku, "malmo").await, (dec("1"), dec("1"), dec("0")), "{sku}: reserved once");
    }
    let markers = chunk_markers(&stack, &id).await;
    assert_eq!(markers, 1, "the dead attempt's marker is gone; the second attempt's one chunk remains");
}

#[tokio::test]
async fn lots_are_reserved_first_expiring_first_in_warehouse_priority_order() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let store = stack.stack.store();
    let sku = Sku::parse("MILK-1L").expect("sku");
    let product = product("MILK-1L", "2.10", true);
    store.put_product(tenant, &product).await.expect("product");
    let today = time::OffsetDateTime::now_utc().date();
    let malmo = WarehouseId::parse("malmo").expect("wh");
    let lulea = WarehouseId::parse("lulea").expect("wh");
    let days = |n| today.checked_add(time::Duration::days(n));
    store.set_lot_stock(tenant, &sku, &malmo, "L-NEW", days(30), dec("10")).await.expect("lot");
    store.set_lot_stock(tenant, &sku, &malmo, "L-OLD", days(10), dec("3")).await.expect("lot");
    store.set_lot_stock(tenant, &sku, &lulea, "L-NORTH", days(2), dec("10")).await.expect("lot");

    let mut body = order_body("WS-LOTS");
    lines(&mut body, json!([{"sku": "MILK-1L", "quantity": 5}]));
    let posted = stack.post_json("/v1/orders", &body).await;
    assert!(posted.body["lines"][0].get("stock_warning").is_none(), "23 available over all lots");
    let id = posted.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(stack.lot_stock(tenant, "MILK-1L", "malmo", "L-OLD").await, (dec("3"), dec("3"), dec("0")));
    assert_eq!(stack.lot_stock(tenant, "MILK-1L", "malmo", "L-NEW").await, (dec("10"), dec("2"), dec("8")));
    assert_eq!(
        stack.lot_stock(tenant, "MILK-1L", "lulea", "L-NORTH").await.1,
        Decimal::ZERO,
        "lulea comes after malmo"
    );
}

#[tokio::test]
async fn ses_throttling_leaves_the_message_queued_and_the_retry_sends_each_email_once() {
    let stack = TestStack::start().await;
    let faults = stack.function_faults("ConfirmationFunction");
    faults.inject(json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "error": "throttling"})).await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-THROTTLED")).await.body["id"].as_str().expect("id").to_owned();
    let throttled = stack.consumers().await.remove(0);
    let first = throttled.deliver_once(0).await.expect("deliver");
    assert_eq!((first.received, first.failed), (1, 1), "the message stays on the queue");
    assert_eq!(stack.order(&id).await["status"], "accepted", "the answer itself is stored");
    assert!(stack.emails_for(&id).await.is_empty());

    faults.clear().await;
    let consumer = devstack::consumers(&stack.stack).await.expect("consumers").remove(0).retry_after(0);
    let second = consumer.deliver_once(0).await.expect("deliver");
    assert_eq!((second.received, second.succeeded), (1, 1));
    let emails = stack.emails_for(&id).await;
    assert_eq!(emails.len(), 2, "seller and buyer, once each");
    let history = stack.order(&id).await["history"].as_array().map(Vec::len);
    assert_eq!(history, Some(2), "answered once");
}

#[tokio::test]
async fn the_order_and_stock_intake_read_come_with_the_event_and_stock_that_moved_since_is_answered_as_it_is_then() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let store = stack.stack.store();
    let (malmo, lulea) = (WarehouseId::parse("malmo").expect("wh"), WarehouseId::parse("lulea").expect("wh"));
    for (sku, on_hand) in [("HINT-GONE", "5"), ("HINT-NEW", "0"), ("HINT-KEPT", "9")] {
        store.put_product(tenant, &product(sku, "10.00", false)).await.expect("product");
        let sku = Sku::parse(sku).expect("sku");
        store.set_stock(tenant, &sku, &malmo, dec(on_hand)).await.expect("stock");
        store.set_stock(tenant, &sku, &lulea, dec("0")).await.expect("stock");
    }
    let mut ids = Vec::new();
    for (number, sku, quantity) in [("HINT-1", "HINT-GONE", 3), ("HINT-2", "HINT-NEW", 2), ("HINT-3", "HINT-KEPT", 4)] {
        let mut body = order_body(number);
        lines(&mut body, json!([{"sku": sku, "quantity": quantity}]));
        ids.push(stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned());
    }

    // Each event carries the order as intake stored it and the stock intake read to price it.
    let bodies = stack.drain_queue("ConfirmationQueue").await;
    assert_eq!(bodies.len(), 3);
    for body in &bodies {
        let event: serde_json::Value = serde_json::from_str(body).expect("envelope");
        assert_eq!(event["carried"]["order"]["id"], event["order_id"], "{event}");
        assert_eq!(event["carried"]["version"], 1, "{event}");
        assert!(ids.iter().any(|id| event["order_id"] == id.as_str()), "{event}");
        let stock = &event["carried"]["stock"]["stock"];
        let sku = stock.as_object().and_then(|s| s.keys().next().cloned()).expect("a stock hint");
        let malmo = stock[&sku].as_array().expect("levels").iter().find(|l| l["warehouse"] == "malmo");
        let expected = match sku.as_str() {
            "HINT-GONE" => "5",
            "HINT-NEW" => "0",
            _ => "9",
        };
        assert_eq!(malmo.map(|l| l["on_hand"].clone()), Some(json!(expected)), "{event}");
    }
    // Stock moves between intake and confirmation: most of one SKU is gone, another arrives.
    store.set_stock(tenant, &Sku::parse("HINT-GONE").expect("sku"), &malmo, dec("1")).await.expect("stock");
    store.set_stock(tenant, &Sku::parse("HINT-NEW").expect("sku"), &malmo, dec("4")).await.expect("stock");
    for body in bodies {
        stack.send_to_queue("ConfirmationQueue", body).await;
    }
    stack.deliver_all().await;

    let answered: Vec<serde_json::Value> = futures::future::join_all(ids.iter().map(|id| stack.order(id))).await;
    let summary: Vec<(&str, &str)> = answered
        .iter()
        .map(|o| {
            (o["status"].as_str().unwrap_or_default(), o["lines"][0]["confirmed_quantity"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(summary, [("accepted_with_changes", "1"), ("accepted", "2"), ("accepted", "4")]);
    for (sku, reserved, available) in [("HINT-GONE", "1", "0"), ("HINT-NEW", "2", "2"), ("HINT-KEPT", "4", "5")] {
        let (_, r, a) = stack.stock(tenant, sku, "malmo").await;
        assert_eq!((r, a), (dec(reserved), dec(available)), "{sku}");
    }
}
