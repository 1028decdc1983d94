//! SES's reports on sent emails, against the emulator: every email goes out through the stack's configuration set
//! with the tenant, customer and order as message tags; a permanent bounce or a complaint that the configuration
//! set's event destination publishes (SES -> SNS -> MailFeedbackQueue, raw) marks the customer's address, which the
//! customer's record shows until the address is corrected, and the email it concerned. moto's SES emits no such
//! reports, so the test puts into the queue what the subscription would: SES's event as SES documents it.

use orders_domain::ids::Role;
use orders_testkit::{order_body, s, TestStack};
use serde_json::{json, Value};

/// SES's event of `event_type` (`Bounce`, `Complaint`) about email `message_id` of `order` to `address`.
fn ses_event(stack: &TestStack, event_type: &str, message_id: &str, order: &str, address: &str) -> Value {
    let mail = json!({
        "timestamp": "2026-12-04T10:00:00.000Z", "source": "orders@example.com", "sendingAccountId": "123456789012",
        "messageId": message_id, "destination": [address], "headersTruncated": false,
        "tags": {"ses:configuration-set": [format!("{}-mail", stack.stack.template.stack_name)],
                 "tenant": [stack.tenant.id.as_str()], "customer": ["C-1"], "order": [order]}
    });
    match event_type {
        "Bounce" => json!({"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General", "feedbackId": "fb-1", "reportingMTA": "dsn; mx.example.se",
            "timestamp": "2026-12-04T10:00:05.000Z",
            "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1",
                                   "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}),
        "TransientBounce" => json!({"eventType": "Bounce", "mail": mail, "bounce": {
            "bounceType": "Transient", "bounceSubType": "MailboxFull", "feedbackId": "fb-2",
            "timestamp": "2026-12-04T10:00:05.000Z", "bouncedRecipients": [{"emailAddress": address}]}}),
        _ => json!({"eventType": "Complaint", "mail": mail, "complaint": {
            "complainedRecipients": [{"emailAddress": address}], "timestamp": "2026-12-04T11:00:00.000Z",
            "feedbackId": "fb-3", "complaintFeedbackType": "abuse"}}),
    }
}

async fn report(stack: &TestStack, body: &str) {
    stack.send_to_queue("MailFeedbackQueue", body).await;
}

#[tokio::test]
async fn a_bounce_marks_the_customers_address_and_the_email_until_the_address_is_corrected() {
    let stack = TestStack::start().await;
    let set = format!("{}-mail", stack.stack.template.stack_name);
    // Rules that never strike (probability 0) but count the sends naming the configuration set and the order.
    let faults = stack.function_faults("ConfirmationFunction");
    let counting = |resource: String| json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "probability": 0.0, "resource": resource});
    faults.inject(counting(format!("ConfigurationSetName={set}"))).await;
    let id = stack.post_json("/v1/orders", &order_body("WS-FB-1")).await.body["id"].as_str().expect("id").to_owned();
    faults.inject(counting(format!("Value={id}"))).await;
    stack.deliver_all().await;
    let matched: Vec<u64> = faults.rules().await.iter().map(|rule| rule["matched"].as_u64().unwrap_or(0)).collect();
    assert_eq!(matched, [2, 2], "both emails (buyer, seller) go through the configuration set, tagged with the order");
    faults.clear().await;

    let pk = format!("T#{}#O#{id}", stack.tenant.id);
    let email = stack
        .partition(&pk)
        .await
        .into_iter()
        .find(|item| {
            s(item, "SK") == format!("M#buyer_order_accepted#{}", s(item, "reference")) && s(item, "status") == "sent"
        })
        .expect("the buyer's acceptance email, sent");
    let message_id = s(&email, "message_id").to_owned();
    let address = s(&email, "to_address").to_owned();
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let customer = stack.get("/v1/customers/C-1", &operator).await;
    assert_eq!((customer.status, &customer.body["email_feedback"]), (200, &Value::Null), "{}", customer.body);

    // A transient bounce (a full mailbox) and a delivery change nothing; something that is not SES's fails.
    report(&stack, &ses_event(&stack, "TransientBounce", &message_id, &id, &address).to_string()).await;
    report(&stack, &json!({"eventType": "Delivery", "mail": {"messageId": message_id}, "delivery": {}}).to_string())
        .await;
    report(&stack, "{not an SES event").await;
    let delivery = stack.deliver_all().await;
    assert!(delivery.failed >= 1, "{delivery:?}");
    let dead = stack.drain_queue("MailFeedbackDeadLetterQueue").await;
    assert_eq!(dead, ["{not an SES event"], "only the message that is not SES's is dead-lettered");
    assert_eq!(stack.get("/v1/customers/C-1", &operator).await.body["email_feedback"], Value::Null);

    // A permanent bounce: the address is marked on the customer, the email records it; twice changes nothing.
    let bounce = ses_event(&stack, "Bounce", &message_id, &id, &address).to_string();
    report(&stack, &bounce).await;
    report(&stack, &bounce).await;
    let delivery = stack.deliver_all().await;
    assert_eq!(delivery.failed, 0, "{delivery:?}");
    let customer = stack.get("/v1/customers/C-1", &operator).await.body;
    assert_eq!(
        customer["email_feedback"],
        json!({"status": "bounced", "detail": "General: smtp; 550 5.1.1 user unknown", "at": "2026-12-04T10:00:05.000Z", "order_id": id}),
        "{customer}"
    );
    let email = stack.item(&pk, s(&email, "SK")).await.expect("email");
    assert_eq!((s(&email, "status"), s(&email, "feedback")), ("sent", "bounced"), "sent, and then bounced");
    // The warehouse reads it too (the console shows it on the order).
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    assert_eq!(stack.get("/v1/customers/C-1", &warehouse).await.body["email_feedback"]["status"], "bounced");

    // A complaint replaces what is shown; another tenant's customer of the same id sees nothing of it.
    report(&stack, &ses_event(&stack, "Complaint", &message_id, &id, &address).to_string()).await;
    stack.deliver_all().await;
    let customer = stack.get("/v1/customers/C-1", &operator).await.body;
    assert_eq!(
        (customer["email_feedback"]["status"].as_str(), customer["email_feedback"]["detail"].as_str()),
        (Some("complained"), Some("abuse"))
    );
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    let mut put = json!({"name": customer["name"], "email": customer["email"]});
    let created =
        stack.request(reqwest::Method::PUT, "/v1/customers/C-1", &other_operator).json(&put).send().await.expect("put");
    assert_eq!(created.status(), 200);
    assert_eq!(stack.get("/v1/customers/C-1", &other_operator).await.body["email_feedback"], Value::Null);

    // The seller corrects the address: the customer shows clean again.
    put["email"] = json!("anna.svensson@example.se");
    let saved =
        stack.request(reqwest::Method::PUT, "/v1/customers/C-1", &operator).json(&put).send().await.expect("put");
    assert_eq!(saved.status(), 200);
    assert_eq!(stack.get("/v1/customers/C-1", &operator).await.body["email_feedback"], Value::Null);
}
