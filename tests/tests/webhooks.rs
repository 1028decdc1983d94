//! Signed webhooks against the emulator (docs/decisions/0017-signed-webhooks.md): an operator registers endpoints
//! through the API; orders placed and answered through the HTTP API and the real queues reach the testkit's
//! receivers, signed as the Standard Webhooks specification says (checked there with the specification's own
//! algorithm, not ours). A failing receiver gets retries with growing gaps, is marked failing when they are used
//! up, and delays no healthy one; a resent delivery keeps its id; a rotated secret signs beside the old one.

use std::time::{Duration, Instant};

use orders_domain::ids::Role;
use orders_testkit::{Answer, TestStack, WebhookReceiver};
use reqwest::Method;
use serde_json::{json, Value};

/// Retries after 1, 2 and 4 seconds: four attempts in all.
const RETRY_SECONDS: &str = "1,2,4";

async fn stack() -> TestStack {
    TestStack::start_with(|stack| {
        stack.with_env("WebhooksFunction", "WEBHOOK_RETRY_SECONDS", RETRY_SECONDS).with_env(
            "WebhooksFunction",
            "WEBHOOK_ENDPOINTS_TTL_SECONDS",
            "0",
        )
    })
    .await
}

async fn call(stack: &TestStack, method: Method, path: &str, key: &str, body: Option<Value>) -> Answer {
    let mut request = stack.request(method, path, key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Answer::from(request.send().await).await
}

/// Registers an endpoint for `events` at `receiver`, which from now on checks signatures with its secret.
async fn register(stack: &TestStack, operator: &str, receiver: &WebhookReceiver, events: &[&str]) -> Value {
    let body = json!({ "url": receiver.url(), "events": events, "description": "ERP" });
    let answer = call(stack, Method::POST, "/v1/webhook-endpoints", operator, Some(body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let secret = answer.body["secret"].as_str().expect("the secret, once").to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.set_secrets(&[secret]);
    answer.body
}

/// Posts an order as the webshop; its id.
async fn place_order(stack: &TestStack, number: &str) -> String {
    let answer = stack.post_json("/v1/orders", &orders_testkit::order_body(number)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}

/// Runs the pipeline until `done` holds or `timeout` passes: the queues, the stream, the queues again (retries
/// wait on the webhooks queue with a delay).
async fn run_until(stack: &TestStack, timeout: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    loop {
        stack.deliver_all().await;
        stack.deliver_streams().await;
        stack.deliver_all().await;
        if done() || started.elapsed() > timeout {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn order_events_reach_the_endpoint_signed_once_each_and_the_log_shows_them() {
    let stack = stack().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let receiver = WebhookReceiver::start("erp").await;
    let endpoint = register(&stack, &operator, &receiver, &["order.received", "order.accepted"]).await;
    let endpoint_id = endpoint["id"].as_str().expect("id");
    assert_eq!(endpoint["status"], "enabled");
    assert!(endpoint.get("secret").is_some());
    let read = call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{endpoint_id}"), &operator, None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert!(read.body.get("secret").is_none(), "the secret is shown once: {}", read.body);

    let order_id = place_order(&stack, "WH-1").await;
    run_until(&stack, Duration::from_secs(30), || receiver.received().len() >= 2).await;
    stack.deliver_streams().await;
    stack.deliver_all().await;

    // Deliveries of one batch go out at once, so they may arrive in any order; their ids sort in event order.
    let mut received = receiver.received();
    received.sort_by(|a, b| a.id.cmp(&b.id));
    let types: Vec<_> = received.iter().map(|r| r.event_type.clone().unwrap_or_default()).collect();
    assert_eq!(types, ["order.received", "order.accepted"], "each event once");
    for delivery in &received {
        assert!(delivery.signature_valid, "signed with the endpoint's secret: {delivery:?}");
        assert!(delivery.id.starts_with("msg_"));
        assert_eq!(delivery.body["data"]["id"], order_id.as_str());
        assert_eq!(delivery.header("content-type"), Some("application/json"));
    }
    assert_eq!(received[1].body["data"]["status"], "accepted");
    assert_ne!(received[0].id, received[1].id);

    // Another tenant's operator sees nothing of it.
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    let foreign =
        call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{endpoint_id}"), &other_operator, None).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    let webshop = call(&stack, Method::GET, "/v1/webhook-endpoints", &stack.tenant.key, None).await;
    assert_eq!(webshop.status, 403, "{}", webshop.body);

    let log =
        call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{endpoint_id}/deliveries"), &operator, None).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let items = log.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", log.body);
    assert_eq!(items[0]["event_type"], "order.accepted", "newest first");
    for item in items {
        assert_eq!(item["status"], "delivered");
        assert_eq!(item["attempts"], 1);
        assert_eq!(item["last_attempt"]["status_code"], 204);
    }

    // A redelivered event keeps its id, and carries a fresh signature.
    let first = &received[0];
    let resend = format!("/v1/webhook-endpoints/{endpoint_id}/deliveries/{}/resending", first.id);
    let answer = call(&stack, Method::POST, &resend, &operator, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    run_until(&stack, Duration::from_secs(20), || receiver.received().len() >= 3).await;
    let again = receiver.received();
    assert_eq!(again.len(), 3);
    assert_eq!(again[2].id, first.id, "the same webhook-id");
    assert_eq!(again[2].raw_body, first.raw_body, "the same body");
    assert!(again[2].signature_valid);

    // Unknown events and plain http to another host are refused at registration.
    let bad = json!({ "url": "http://hooks.example.com/x", "events": ["order.shipped"] });
    let refused = call(&stack, Method::POST, "/v1/webhook-endpoints", &operator, Some(bad)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let pointers: Vec<&str> =
        refused.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["pointer"].as_str()).collect();
    assert_eq!(pointers, ["/url", "/events/0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_endpoint_is_retried_with_growing_gaps_and_delays_no_healthy_one() {
    let stack = stack().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let healthy = WebhookReceiver::start("healthy").await;
    let failing = WebhookReceiver::start("failing").await;
    let slow = WebhookReceiver::start("slow").await;
    failing.fail_always(503);
    slow.answer_slowly(Duration::from_secs(3));
    register(&stack, &operator, &healthy, &["order.received"]).await;
    let failing_endpoint = register(&stack, &operator, &failing, &["order.received"]).await;
    register(&stack, &operator, &slow, &["order.received"]).await;

    let started = Instant::now();
    place_order(&stack, "WH-2").await;
    stack.deliver_all().await;
    stack.deliver_streams().await;
    stack.deliver_all().await;
    let healthy_got = healthy.received();
    assert_eq!(healthy_got.len(), 1, "the healthy endpoint got the event in the first round");
    assert!(healthy_got[0].succeeded());
    let slow_got = slow.received();
    assert_eq!(slow_got.len(), 1);
    assert!(
        healthy_got[0].received_at < slow_got[0].received_at + Duration::from_secs(1),
        "the healthy endpoint did not wait for the slow one"
    );

    run_until(&stack, Duration::from_secs(40), || failing.received().len() >= 4).await;
    let attempts = failing.received();
    assert_eq!(attempts.len(), 4, "four attempts in all ({RETRY_SECONDS})");
    assert!(attempts.iter().all(|a| a.id == attempts[0].id && a.signature_valid), "one id, each signed");
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1].received_at - w[0].received_at).collect();
    for (gap, want) in gaps.iter().zip([1u64, 2, 4]) {
        assert!(*gap >= Duration::from_millis(want * 1000 - 100), "gap {gap:?} before the retry after {want} s");
    }
    assert!(gaps[2] > gaps[0], "gaps grow: {gaps:?}");
    assert_eq!(healthy.received().len(), 1, "the healthy endpoint got it once");
    assert!(started.elapsed() < Duration::from_secs(60));

    let id = failing_endpoint["id"].as_str().expect("id");
    let endpoint = call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{id}"), &operator, None).await;
    assert_eq!(endpoint.body["status"], "failing", "{}", endpoint.body);
    let log = call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{id}/deliveries"), &operator, None).await;
    let item = &log.body["items"][0];
    assert_eq!(item["status"], "failed", "{}", log.body);
    assert_eq!(item["attempts"], 4);
    assert_eq!(item["last_attempt"]["status_code"], 503);

    // Healed and enabled again, a resend delivers and the endpoint is no longer failing.
    failing.heal();
    let enabled =
        call(&stack, Method::PATCH, &format!("/v1/webhook-endpoints/{id}"), &operator, Some(json!({"enabled": true})))
            .await;
    assert_eq!(enabled.body["status"], "enabled", "{}", enabled.body);
    let message_id = item["id"].as_str().expect("message id");
    let resend = format!("/v1/webhook-endpoints/{id}/deliveries/{message_id}/resending");
    assert_eq!(call(&stack, Method::POST, &resend, &operator, None).await.status, 200);
    run_until(&stack, Duration::from_secs(20), || failing.received().iter().any(|r| r.succeeded())).await;
    let last = failing.received().pop().expect("the resend");
    assert!(last.succeeded() && last.id == message_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends_and_deleted_endpoints_get_nothing() {
    let stack = stack().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let receiver = WebhookReceiver::start("rotating").await;
    let endpoint = register(&stack, &operator, &receiver, &["order.received"]).await;
    let id = endpoint["id"].as_str().expect("id");
    let old_secret = endpoint["secret"].as_str().expect("secret").to_owned();

    let rotation = format!("/v1/webhook-endpoints/{id}/secret-rotation");
    let rotated = call(&stack, Method::POST, &rotation, &operator, Some(json!({"overlap_seconds": 3600}))).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().expect("new secret").to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated.body["previous_secret_expires_at"].is_string());

    receiver.set_secrets(std::slice::from_ref(&old_secret));
    place_order(&stack, "WH-3").await;
    run_until(&stack, Duration::from_secs(20), || !receiver.received().is_empty()).await;
    let signed = receiver.received().pop().expect("a delivery");
    assert!(signed.signature_valid, "the old secret still verifies during the overlap");
    assert_eq!(signed.signature_header.split(' ').count(), 2, "two signatures: {}", signed.signature_header);
    assert!(orders_testkit::webhooks::verify_signature(
        &new_secret,
        &signed.id,
        signed.timestamp,
        &signed.raw_body,
        &signed.signature_header
    ));

    // Rotated again with no overlap: only the newest secret signs.
    let rotated = call(&stack, Method::POST, &rotation, &operator, Some(json!({"overlap_seconds": 0}))).await;
    let newest = rotated.body["secret"].as_str().expect("secret").to_owned();
    receiver.set_secrets(&[newest]);
    place_order(&stack, "WH-4").await;
    run_until(&stack, Duration::from_secs(20), || receiver.received().len() >= 2).await;
    let signed = receiver.received().pop().expect("a delivery");
    assert!(signed.signature_valid);
    assert_eq!(signed.signature_header.split(' ').count(), 1);
    assert!(!orders_testkit::webhooks::verify_signature(
        &new_secret,
        &signed.id,
        signed.timestamp,
        &signed.raw_body,
        &signed.signature_header
    ));

    let deleted = call(&stack, Method::DELETE, &format!("/v1/webhook-endpoints/{id}"), &operator, None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    place_order(&stack, "WH-5").await;
    run_until(&stack, Duration::from_secs(3), || false).await;
    assert_eq!(receiver.received().len(), 2, "a deleted endpoint gets nothing");
    let gone = call(&stack, Method::GET, &format!("/v1/webhook-endpoints/{id}"), &operator, None).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_despatch_raises_despatched_and_delivered_and_its_invoice_invoice_issued() {
    let stack = stack().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let receiver = WebhookReceiver::start("shipping").await;
    register(&stack, &operator, &receiver, &["order.despatched", "order.delivered", "invoice.issued"]).await;
    let order_id = place_order(&stack, "WH-6").await;
    stack.deliver_all().await;
    let lines = json!([{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]);
    stack.despatch(&order_id, &json!({"despatch_number": "D-WH-6", "lines": lines})).await;
    run_until(&stack, Duration::from_secs(30), || receiver.received().len() >= 3).await;
    stack.deliver_streams().await;
    stack.deliver_all().await;

    let mut received = receiver.received();
    received.sort_by(|a, b| a.id.cmp(&b.id));
    let types: Vec<_> = received.iter().map(|r| r.event_type.clone().unwrap_or_default()).collect();
    assert_eq!(types, ["order.despatched", "order.delivered", "invoice.issued"], "each once");
    assert!(received.iter().all(|r| r.signature_valid));
    assert_eq!(received[0].body["data"]["id"], order_id.as_str());
    assert_eq!(received[1].body["data"]["status"], "delivered");
    let invoice = &received[2].body["data"];
    assert_eq!(invoice["order_id"], order_id.as_str(), "{invoice}");
    assert!(invoice["number"].as_str().is_some_and(|n| n.starts_with("INV-")), "{invoice}");
    assert!(invoice.get("tenant").is_none(), "the API's view, not the stored document");
}
