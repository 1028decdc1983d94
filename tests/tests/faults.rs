//! AWS misbehaving, injected from the emulator's side (scripts/devstack_faults.py through `orders_testkit::Faults`):
//! the functions see only AWS's own answers, retry as the SDK does, and nothing is lost or done twice.

use orders_testkit::{order_body, TestStack};
use serde_json::json;

/// The order's history entries.
async fn history_len(stack: &TestStack, id: &str) -> usize {
    stack.order(id).await["history"].as_array().map(Vec::len).unwrap_or_default()
}

#[tokio::test]
async fn an_order_whose_stored_answer_was_lost_is_stored_once_and_relayed_once() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    // The placing transaction is applied, then its answer is lost: the SDK retries a transaction that has
    // happened already.
    let intake = stack.function_faults("IntakeFunction");
    let lost = intake
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "drop_answer", "times": 1}))
        .await;
    let posted = stack.post_json("/v1/orders", &order_body("WS-LOST-ANSWER")).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(intake.struck(&lost).await, 1, "the answer was lost once");
    let id = posted.body["id"].as_str().expect("id").to_owned();
    let again = stack.post_json("/v1/orders", &order_body("WS-LOST-ANSWER")).await;
    assert_eq!((again.status, again.body["id"].as_str()), (201, Some(id.as_str())), "one order: {}", again.body);

    // Whether or not the event went out, the order carries its "publish pending" mark until it is consumed.
    stack.deliver_all().await;
    let relay = stack.stack.relay().expect("relay");
    relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(history_len(&stack, &id).await, 2, "received and answered, once each");
    assert_eq!(stack.emails_for(&id).await.len(), 2, "seller and buyer, once each");
}

#[tokio::test]
async fn a_transaction_conflict_on_the_answer_is_retried_and_the_order_answered_once() {
    let stack = TestStack::start().await;
    let confirmation = stack.function_faults("ConfirmationFunction");
    let conflict = confirmation
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "conflict", "nth": [1]}))
        .await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-CONFLICT")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(confirmation.struck(&conflict).await, 1, "the first answer met a transaction conflict");
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(history_len(&stack, &id).await, 2, "answered once");
    assert_eq!(stack.emails_for(&id).await.len(), 2, "seller and buyer, once each");
}

#[tokio::test]
async fn dynamodb_throttling_of_the_answer_leaves_the_message_for_redelivery_and_answers_once() {
    let stack = TestStack::start().await;
    let confirmation = stack.function_faults("ConfirmationFunction");
    // Throttled on every attempt the SDK makes, until the rule is removed.
    confirmation
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "error", "error": "throttling"}))
        .await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-THROTTLE-DB")).await.body["id"].as_str().expect("id").to_owned();
    let consumer = stack.consumers().await.remove(0);
    let first = consumer.deliver_once(0).await.expect("deliver");
    assert_eq!((first.received, first.failed), (1, 1), "reported as a batch item failure, left on the queue");
    assert_eq!(stack.order(&id).await["status"], "received");

    confirmation.clear().await;
    let retry = devstack::consumers(&stack.stack).await.expect("consumers").remove(0).retry_after(0);
    let second = retry.deliver_once(0).await.expect("deliver");
    assert_eq!((second.received, second.succeeded), (1, 1));
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(history_len(&stack, &id).await, 2, "answered once");
    assert_eq!(stack.emails_for(&id).await.len(), 2, "seller and buyer, once each");
}

#[tokio::test]
async fn the_relay_backs_off_and_gives_up_on_an_event_its_stage_never_takes_and_the_copies_answer_once() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "60")).await;
    stack
        .function_faults("IntakeFunction")
        .inject(json!({"service": "sqs", "action": "SendMessage", "kind": "error", "error": "unavailable"}))
        .await;
    let id = stack.post_json("/v1/orders", &order_body("WS-GIVE-UP")).await.body["id"].as_str().expect("id").to_owned();
    let relay = stack.stack.relay().expect("relay");
    let start = time::OffsetDateTime::now_utc();
    let at = |seconds: i64| start + time::Duration::seconds(seconds);

    // Not due within the grace period; then sent, and due again only after twice the grace period.
    assert_eq!(relay.run_once(at(30)).await.expect("relay").pending, 0);
    let first = relay.run_once(at(61)).await.expect("relay");
    assert_eq!((first.pending, first.republished), (1, 1));
    assert_eq!(relay.run_once(at(62)).await.expect("relay").pending, 0, "backed off");
    assert_eq!(relay.run_once(at(61 + 119)).await.expect("relay").pending, 0, "still backed off");
    assert_eq!(relay.run_once(at(61 + 121)).await.expect("relay").republished, 1, "due after 2 × 60 s");

    // Nothing consumes it: after its last send the relay gives up on it, once.
    let mut clock = 61 + 121;
    let mut sends = 2;
    let mut gave_up = 0;
    for _ in 0..20 {
        clock += 60 * (1 << 10);
        let report = relay.run_once(at(clock)).await.expect("relay");
        sends += report.republished;
        gave_up += report.gave_up;
    }
    assert_eq!((sends, gave_up), (orders_app::relay::MAX_RELAY_ATTEMPTS as usize, 1));
    assert_eq!(relay.run_once(at(clock + 100_000)).await.expect("relay").pending, 0, "no longer relayed");

    // Every copy reaches confirmation, which answers the order once.
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(history_len(&stack, &id).await, 2, "answered once");
    assert_eq!(stack.emails_for(&id).await.len(), 2, "seller and buyer, once each");
}

#[tokio::test]
async fn a_message_dead_lettered_during_an_outage_is_redriven_and_answers_once() {
    let stack = TestStack::start().await;
    let confirmation = stack.function_faults("ConfirmationFunction");
    confirmation
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "error", "error": "unavailable"}))
        .await;
    let id = stack.post_json("/v1/orders", &order_body("WS-REDRIVE")).await.body["id"].as_str().expect("id").to_owned();
    // The stage fails on every receive; after maxReceiveCount (5) the message is dead-lettered.
    let consumer = stack.consumers().await.remove(0);
    for _ in 0..8 {
        consumer.deliver_once(0).await.expect("deliver");
    }
    assert_eq!(stack.order(&id).await["status"], "received");
    confirmation.clear().await;
    assert_eq!(consumer.deliver_once(0).await.expect("deliver").received, 0, "the queue is empty: all in the DLQ");

    let moved = devstack::redrive::redrive(&stack.stack, "confirmation").await.expect("redrive");
    assert_eq!(moved, 1, "the one dead letter moved back");
    assert_eq!(devstack::redrive::redrive(&stack.stack, "confirmation").await.expect("redrive"), 0, "DLQ empty");
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    assert_eq!(history_len(&stack, &id).await, 2, "answered once");
    assert_eq!(stack.emails_for(&id).await.len(), 2, "seller and buyer, once each");
}

#[tokio::test]
async fn an_automatic_invoice_whose_archive_and_email_failed_is_completed_through_the_relay_once() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    let tenant = stack.tenant.id.clone();
    let id =
        stack.post_json("/v1/orders", &order_body("WS-INV-FAULT")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    // S3 and SES refuse the invoicing stage until the faults are cleared.
    let invoicing = stack.function_faults("InvoicingFunction");
    invoicing.inject(json!({"service": "s3", "action": "PutObject", "kind": "error", "error": "unavailable"})).await;
    invoicing.inject(json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "error": "throttling"})).await;
    stack.despatch(&id, &json!({"despatch_number": "D-F1", "lines": [{"line_no": 1, "quantity": 2}]})).await;
    stack.deliver_all().await;
    stack.deliver_all().await;

    // Issued (numbered, on the order), neither archived nor emailed, and its completion left to the relay: the
    // invoicing message itself is done, so nothing waits in a queue or lands in a DLQ.
    let partition = stack.partition(&format!("T#{tenant}#O#{id}")).await;
    let numbers: Vec<&str> = partition
        .iter()
        .filter(|item| item.get("SK").and_then(|v| v.as_s().ok()).is_some_and(|sk| sk.starts_with("I#")))
        .filter_map(|item| item.get("number").and_then(|v| v.as_s().ok()).map(String::as_str))
        .collect();
    assert_eq!(numbers.len(), 1, "one invoice issued");
    let number = numbers[0].to_owned();
    let request = stack.item(&format!("T#{tenant}#O#{id}"), &format!("Q#DOC#{number}")).await.expect("request");
    assert!(request.contains_key("GSI3PK"), "its completion is pending");
    let billing_emails = |emails: Vec<devstack::mail::SentEmail>| {
        emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_billing_document"))).count()
    };
    assert_eq!(billing_emails(stack.emails_for(&id).await), 0);

    // AWS recovers; the relay hands the completion to the invoicing stage, which archives and emails once.
    invoicing.clear().await;
    let relay = stack.stack.relay().expect("relay");
    relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    stack.deliver_all().await;
    let year = time::OffsetDateTime::now_utc().year();
    let prefix = format!("tenant={tenant}/invoices/INV-{year}/");
    assert_eq!(stack.archived_keys(&prefix).await, [format!("{prefix}{number}.pdf")]);
    assert!(stack.bundled_document(&tenant, &format!("{prefix}{number}.xml")).await.is_some(), "the UBL bundled");
    assert_eq!(billing_emails(stack.emails_for(&id).await), 1, "emailed once");
    let request = stack.item(&format!("T#{tenant}#O#{id}"), &format!("Q#DOC#{number}")).await.expect("request");
    assert!(!request.contains_key("GSI3PK"), "completed");
    relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(2)).await.expect("relay");
    stack.deliver_all().await;
    assert_eq!(billing_emails(stack.emails_for(&id).await), 1, "still once");
}

#[tokio::test]
async fn a_transaction_conflict_on_marking_emails_sent_is_retried_so_no_email_is_sent_again() {
    let stack = TestStack::start().await;
    let confirmation = stack.function_faults("ConfirmationFunction");
    // The second transaction of the answer is the one that marks the seller's and the buyer's emails sent.
    let conflict = confirmation
        .inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "conflict", "nth": [2]}))
        .await;
    let id = stack.post_json("/v1/orders", &order_body("WS-MARK")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(confirmation.struck(&conflict).await, 1);
    let records: Vec<String> = stack
        .partition(&format!("T#{}#O#{id}", stack.tenant.id))
        .await
        .iter()
        .filter(|item| orders_testkit::s(item, "SK").starts_with("M#"))
        .map(|item| orders_testkit::s(item, "status").to_owned())
        .collect();
    assert_eq!(records, ["sent", "sent"], "both emails recorded sent: nothing for the relay to send again");
    assert_eq!(stack.emails_for(&id).await.len(), 2);
}

#[tokio::test]
async fn an_email_ses_rejects_is_recorded_refused_not_sent_and_never_sent_again() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    stack
        .function_faults("ConfirmationFunction")
        .inject(json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "error": "rejected", "times": 1}))
        .await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-REJECTED")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted", "a refused email does not hold the order back");
    let statuses = |items: Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>| {
        let mut statuses: Vec<String> = items
            .iter()
            .filter(|item| orders_testkit::s(item, "SK").starts_with("M#"))
            .map(|item| orders_testkit::s(item, "status").to_owned())
            .collect();
        statuses.sort();
        statuses
    };
    let pk = format!("T#{}#O#{id}", stack.tenant.id);
    assert_eq!(statuses(stack.partition(&pk).await), ["refused", "sent"], "one refused, one sent; none 'sent' twice");
    assert_eq!(stack.emails_for(&id).await.len(), 1);
    let relay = stack.stack.relay().expect("relay");
    let report = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::hours(1)).await.expect("relay");
    assert_eq!(report.unsent_email_orders, 0, "a refused email is not retried");
    assert_eq!(stack.emails_for(&id).await.len(), 1);
}
