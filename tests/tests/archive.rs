//! The document archive against the emulator: every Order Response and Despatch Advice issued lands in the
//! documents bucket once, under its own key, byte for byte what the back office serves — through the table's
//! stream and the archive function, as deployed.

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::json;

/// A document route's status and body text.
async fn document(stack: &TestStack, path: &str, key: &str) -> (u16, String) {
    let response = stack.request(Method::GET, path, key).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn issued_order_responses_and_despatch_advices_are_archived_once_each() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let id = stack.post_json("/v1/orders", &order_body("WS-ARCHIVE")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    let operator = stack.key_with_role(tenant, Role::Operator).await;

    // The automatic answer (the order's second version) issued an Order Response; the stream archives it.
    let archived = stack.deliver_stream("ArchiveFunction").await;
    assert_eq!((archived.received, archived.failed), (1, 0), "one document so far: {archived:?}");
    let prefix = format!("tenant={tenant}/orders/{id}/");
    let response_key = format!("{prefix}order-response-v000002.xml");
    assert_eq!(stack.archived_keys(&prefix).await, std::slice::from_ref(&response_key));
    let (status, served) = document(&stack, &format!("/v1/orders/{id}/order-response.xml"), &operator).await;
    assert_eq!(status, 200, "{served}");
    let archived_response = stack.archived_document(&response_key).await.expect("archived order response");
    assert_eq!(served, archived_response, "the back office serves the document as issued and archived");
    assert!(archived_response.contains(&format!("<cbc:ID>{id}-R2</cbc:ID>")), "{archived_response}");
    assert!(archived_response.contains("<cbc:OrderResponseCode>AP</cbc:OrderResponseCode>"));

    // A change after acceptance is answered again: a new version, a new Order Response, the old one kept.
    let changed = Answer::from(
        stack
            .request(Method::PATCH, &format!("/v1/orders/{id}"), &operator)
            .json(&json!({"lines": [{"line_no": 2, "quantity": "1"}]}))
            .send()
            .await,
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(stack.deliver_stream("ArchiveFunction").await.received, 1);
    let keys = stack.archived_keys(&format!("{prefix}order-response-")).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(stack.archived_document(&response_key).await.as_deref(), Some(archived_response.as_str()), "kept");
    let (_, latest) = document(&stack, &format!("/v1/orders/{id}/order-response.xml"), &operator).await;
    let latest_key = keys.iter().find(|k| **k != response_key).expect("the new answer's key");
    assert_eq!(stack.archived_document(latest_key).await.as_deref(), Some(latest.as_str()));
    assert_ne!(latest, archived_response);

    // A despatch issues a Despatch Advice; a number with a colon gets a percent-encoded key (and the route finds it).
    stack
        .despatch(
            &id,
            &json!({"despatch_number": "D:1", "lines": [{"line_no": 1, "quantity": 1}], "carrier": "PostNord",
                    "tracking_number": "00370712345"}),
        )
        .await;
    stack.deliver_all().await;
    assert_eq!(stack.deliver_stream("ArchiveFunction").await.received, 1);
    let advice_key = format!("{prefix}despatch-advice-D%3A1.xml");
    let keys = stack.archived_keys(&prefix).await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.contains(&advice_key), "{keys:?}");
    let (status, served) = document(&stack, &format!("/v1/orders/{id}/despatches/D:1.xml"), &operator).await;
    assert_eq!(status, 200, "{served}");
    let archived_advice = stack.archived_document(&advice_key).await.expect("archived despatch advice");
    assert_eq!(served, archived_advice);

    // Read again from the stream's start (a redelivery): nothing fails, nothing is overwritten or added.
    let replay = devstack::stream_consumers(&stack.stack).await.expect("consumers");
    for mut consumer in replay.into_iter().filter(|c| c.function() == "ArchiveFunction") {
        let delivery = consumer.deliver_once().await.expect("replay");
        assert_eq!((delivery.received, delivery.failed), (3, 0), "{delivery:?}");
    }
    assert_eq!(stack.archived_keys(&prefix).await.len(), 3);
    assert_eq!(stack.archived_document(&advice_key).await.as_deref(), Some(archived_advice.as_str()));

    // What was archived passes the Peppol validator.
    let documents = vec![
        ("archived-t76".to_owned(), archived_response),
        ("archived-t76-change".to_owned(), latest),
        ("archived-t16".to_owned(), archived_advice),
    ];
    if let Some(results) = orders_testkit::validate_peppol(&documents) {
        for result in &results {
            assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(result).unwrap_or_default());
        }
    }
}
