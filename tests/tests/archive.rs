//! The document archive against the emulator: every Order Response, Despatch Advice and UBL invoice issued lands
//! in the documents bucket, byte for byte what the back office and billing serve, in one tar bundle per tenant and
//! stream batch (docs/decisions/0014-document-bundles.md) — through the table's stream and the archive function,
//! as deployed.

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
async fn issued_documents_are_archived_in_one_bundle_per_tenant_and_batch_once() {
    let stack = TestStack::start().await;
    let (first, second) = (stack.tenant.clone(), stack.new_tenant().await);
    let operator = stack.key_with_role(&first.id, Role::Operator).await;
    let order_of = |answer: Answer| answer.body["id"].as_str().expect("id").to_owned();

    // Stream order: the first tenant's answer, the second tenant's answer, the first tenant's second answer and
    // its despatch advice.
    let id = order_of(stack.post_json("/v1/orders", &order_body("WS-ARCHIVE")).await);
    stack.deliver_all().await;
    let other = stack
        .request(Method::POST, "/v1/orders", &second.key)
        .json(&order_body("WS-ARCHIVE-2"))
        .send()
        .await
        .expect("POST");
    let other_id = order_of(Answer::from(Ok(other)).await);
    stack.deliver_all().await;
    let (_, first_answer) = document(&stack, &format!("/v1/orders/{id}/order-response.xml"), &operator).await;
    let changed = Answer::from(
        stack
            .request(Method::PATCH, &format!("/v1/orders/{id}"), &operator)
            .json(&json!({"lines": [{"line_no": 2, "quantity": "1"}]}))
            .send()
            .await,
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    // A despatch number whose percent-encoded name is too long for a ustar header (a pax record carries it).
    let number = format!("D:1{}", ":".repeat(30));
    stack
        .despatch(
            &id,
            &json!({"despatch_number": number, "lines": [{"line_no": 1, "quantity": 1}], "carrier": "PostNord",
                    "tracking_number": "00370712345"}),
        )
        .await;
    stack.deliver_all().await;
    let (_, second_answer) = document(&stack, &format!("/v1/orders/{id}/order-response.xml"), &operator).await;
    let (status, advice) = document(&stack, &format!("/v1/orders/{id}/despatches/{number}.xml"), &operator).await;
    assert_eq!(status, 200, "{advice}");
    assert_ne!(first_answer, second_answer, "the change was answered again");
    // The despatch was invoiced (per despatch, both parties on Peppol): its UBL, as the billing API serves it.
    let year = time::OffsetDateTime::now_utc().year();
    let invoice = format!("INV-{year}-000001");
    let (status, invoice_ubl) = document(&stack, &format!("/v1/invoices/{invoice}/invoice.xml"), &operator).await;
    assert_eq!(status, 200, "{invoice_ubl}");
    let other_operator = stack.key_with_role(&second.id, Role::Operator).await;
    let (_, other_answer) =
        document(&stack, &format!("/v1/orders/{other_id}/order-response.xml"), &other_operator).await;

    // S3 refuses the first tenant's bundle through every attempt the SDK makes: its first record is reported, the
    // shard is retried from it, and the retry archives both tenants' bundles.
    let faults = stack.function_faults("ArchiveFunction");
    let attempts = u64::from(orders_aws::config::MAX_ATTEMPTS);
    let rule = faults
        .inject(json!({"service": "s3", "action": "PutObject", "resource": format!("tenant={}/archive/", first.id),
                       "kind": "error", "error": "unavailable", "times": attempts}))
        .await;
    let archived = stack.deliver_stream("ArchiveFunction").await;
    assert_eq!(faults.struck(&rule).await, attempts, "the fault struck");
    assert_eq!((archived.received, archived.succeeded, archived.failed), (10, 5, 5), "{archived:?}");

    let prefix = format!("tenant={}/orders/{id}/", first.id);
    let bundles = stack.archived_bundles(&first.id).await;
    assert_eq!(bundles.len(), 1, "one bundle for the batch: {bundles:?}");
    let (key, entries) = &bundles[0];
    assert!(key.starts_with(&format!("tenant={}/archive/date=", first.id)) && key.ends_with(".tar"), "{key}");
    let expected = vec![
        (format!("{prefix}order-response-v000002.xml"), first_answer.clone()),
        (format!("{prefix}order-response-v000003.xml"), second_answer.clone()),
        (format!("{prefix}despatch-advice-D%3A1{}.xml", "%3A".repeat(30)), advice.clone()),
        (format!("tenant={}/invoices/INV-{year}/{invoice}.xml", first.id), invoice_ubl.clone()),
    ];
    assert_eq!(*entries, expected, "the tenant's documents in stream order, as the back office and billing serve them");
    let other_bundles = stack.archived_bundles(&second.id).await;
    let other_name = format!("tenant={}/orders/{other_id}/order-response-v000002.xml", second.id);
    assert_eq!(other_bundles.len(), 1, "{other_bundles:?}");
    assert_eq!(other_bundles[0].1, [(other_name, other_answer.clone())], "a bundle holds one tenant's documents");
    assert!(first_answer.contains(&format!("<cbc:ID>{id}-R2</cbc:ID>")), "{first_answer}");
    assert!(first_answer.contains("<cbc:OrderResponseCode>AP</cbc:OrderResponseCode>"));

    // Read again from the stream's start (a redelivery of the same batch): nothing fails, nothing is added.
    let bytes = stack.archived_bytes(key).await.expect("bundle");
    let replay = devstack::stream_consumers(&stack.stack).await.expect("consumers");
    for mut consumer in replay.into_iter().filter(|c| c.function() == "ArchiveFunction") {
        let delivery = consumer.deliver_once().await.expect("replay");
        assert_eq!((delivery.received, delivery.failed), (5, 0), "{delivery:?}");
    }
    assert_eq!(stack.archived_bundles(&first.id).await.len(), 1);
    assert_eq!(stack.archived_bundles(&second.id).await.len(), 1);
    assert_eq!(stack.archived_bytes(key).await, Some(bytes), "left as it was");

    // What was archived passes the Peppol validator.
    let documents = vec![
        ("archived-t76".to_owned(), first_answer),
        ("archived-t76-change".to_owned(), second_answer),
        ("archived-t16".to_owned(), advice),
        ("archived-invoice".to_owned(), invoice_ubl),
        ("archived-t76-other-tenant".to_owned(), other_answer),
    ];
    if let Some(results) = orders_testkit::validate_peppol(&documents) {
        for result in &results {
            assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(result).unwrap_or_default());
        }
    }
}
