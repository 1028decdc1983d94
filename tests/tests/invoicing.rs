//! Invoicing against the emulator: a despatch becomes an invoice under the next gapless number of the tenant's
//! series, its UBL (valid Peppol BIS Billing 3) and PDF land in the documents bucket once, the buyer gets one email
//! with text, HTML and both files attached, and a redelivered request changes nothing.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use orders_testkit::{mime_leaves, order_body, pdf_text, s, TestStack};
use serde_json::{json, Value};

/// The billing documents linked to an order: (number, kind).
async fn invoice_links(stack: &TestStack, id: &str) -> Vec<(String, String)> {
    stack
        .partition(&format!("T#{}#O#{id}", stack.tenant.id))
        .await
        .iter()
        .filter(|item| s(item, "SK").starts_with("I#"))
        .map(|item| (s(item, "number").to_owned(), s(item, "kind").to_owned()))
        .collect()
}

/// The billing-document emails SES accepted for an order.
async fn billing_emails(stack: &TestStack, id: &str) -> Vec<devstack::mail::SentEmail> {
    stack
        .emails_for(id)
        .await
        .into_iter()
        .filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_billing_document")))
        .collect()
}

/// The amount due of a stored invoice item.
fn payable_of(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> String {
    item["invoice"]
        .as_m()
        .ok()
        .and_then(|m| m.get("totals"))
        .and_then(|t| t.as_m().ok())
        .and_then(|t| t.get("payable"))
        .and_then(|p| p.as_s().ok())
        .cloned()
        .expect("payable")
}

#[tokio::test]
async fn a_despatch_is_invoiced_once_with_its_ubl_and_pdf_archived_and_emailed() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let id = stack.post_json("/v1/orders", &order_body("WS-INV-1")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack
        .despatch(
            &id,
            &json!({"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 1}], "despatch_date": "2026-11-27"}),
        )
        .await;
    stack.deliver_all().await;
    stack.deliver_all().await;

    // One invoice, numbered first in the tenant's series, linked to the order, consuming the request.
    let links = invoice_links(&stack, &id).await;
    assert_eq!(links.len(), 1, "{links:?}");
    let (number, kind) = &links[0];
    assert_eq!(kind, "invoice");
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(number, &format!("INV-{year}-000001"));
    let request = stack.item(&format!("T#{tenant}#O#{id}"), "Q#INVOICE#D-1").await.expect("request item");
    assert_eq!(s(&request, "issued"), number);
    assert!(!request.contains_key("GSI3PK"), "the publish-pending mark is cleared");
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "partially_invoiced");
    assert_eq!(order["lines"][0]["invoiced_quantity"], "1");
    assert_eq!(order["invoices"][0]["number"], number.as_str(), "the order detail lists it");
    assert_eq!(order["invoices"][0]["kind"], "invoice");
    let invoice = stack.item(&format!("T#{tenant}#INV#{number}"), "INV").await.expect("invoice item");
    assert_eq!(s(&invoice, "order_id"), id);

    // The PDF archived under the series; the UBL, valid, in the tenant's document bundle under its name there.
    let prefix = format!("tenant={tenant}/invoices/INV-{year}/");
    assert_eq!(stack.archived_keys(&prefix).await, [format!("{prefix}{number}.pdf")]);
    let ubl = stack.bundled_document(&tenant, &format!("{prefix}{number}.xml")).await.expect("UBL bundled");
    assert!(ubl.contains("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"));
    assert!(ubl.contains("<cac:DespatchDocumentReference><cbc:ID>D-1</cbc:ID>"), "{ubl}");
    assert!(ubl.contains("<cac:OrderReference><cbc:ID>WS-INV-1</cbc:ID>"));
    if let Some(results) = orders_testkit::validate_peppol(&[("invoice".into(), ubl.clone())]) {
        assert_eq!(results[0]["ok"], true, "{}", results[0]);
    }

    // One email, in Swedish (C-1), with text, HTML, the PDF and the UBL.
    let emails = billing_emails(&stack, &id).await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].header("Subject").is_some_and(|s| s.contains(number.as_str()) && s.contains("Faktura")));
    let leaves = mime_leaves(emails[0].raw_data.as_bytes());
    let types: Vec<&str> = leaves.iter().map(|l| l.content_type.as_str()).collect();
    assert_eq!(types, ["text/plain", "text/html", "application/pdf", "application/xml"], "{types:?}");
    let text = String::from_utf8_lossy(&leaves[0].bytes);
    assert!(text.contains(number.as_str()) && text.contains("Att betala"), "{text}");
    assert_eq!(leaves[2].filename.as_deref(), Some(format!("{number}.pdf").as_str()));
    assert_eq!(String::from_utf8_lossy(&leaves[3].bytes), ubl, "the attached UBL is the archived one");
    let archived_pdf = stack.archived_bytes(&format!("{prefix}{number}.pdf")).await.expect("PDF");
    assert_eq!(leaves[2].bytes, archived_pdf, "the attached PDF is the archived one");
    if let Some(pdf) = pdf_text(&archived_pdf) {
        assert!(pdf.contains(number.as_str()), "{pdf}");
        assert!(pdf.contains("Kontorsmöbler Syd AB"), "the buyer's name with its diacritics: {pdf}");
        let amount = payable_of(&invoice);
        // Swedish: decimal comma, the currency after the amount
        let swedish = format!("{}\u{a0}EUR", amount.replace('.', ","));
        assert!(
            pdf.contains(&swedish) || pdf.contains(&swedish.replace('\u{a0}', " ")),
            "{amount} as {swedish:?} in {pdf}"
        );
    }
}

#[tokio::test]
async fn a_redelivered_request_issues_one_invoice_one_email_and_one_object() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let id = stack.post_json("/v1/orders", &order_body("WS-INV-2")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack.despatch(&id, &json!({"despatch_number": "D-9", "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]}),
    )
    .await;
    // deliver the shipment stage only, and keep the invoicing request to deliver it three times
    let shipment = stack.consumers().await;
    for consumer in &shipment {
        if consumer.queue_url().ends_with("-shipment") {
            consumer.deliver_once(0).await.expect("deliver");
        }
    }
    let bodies = stack.drain_queue("InvoicingQueue").await;
    assert_eq!(bodies.len(), 1);
    let app = stack.stack.invoicing().expect("invoicing");
    let message = |n: usize| {
        let mut message = SqsMessage::default();
        message.message_id = Some(format!("m-{n}"));
        message.body = Some(bodies[0].clone());
        message
    };
    let mut event = SqsEvent::default();
    event.records = vec![message(1), message(2)];
    let first = invoicing::handle(&app, event).await.expect("handled");
    assert!(first.batch_item_failures.is_empty(), "{:?}", first.batch_item_failures);
    let mut again = SqsEvent::default();
    again.records = vec![message(3)];
    let second = invoicing::handle(&app, again).await.expect("handled");
    assert!(second.batch_item_failures.is_empty());

    let links = invoice_links(&stack, &id).await;
    assert_eq!(links.len(), 1, "one invoice: {links:?}");
    let number = &links[0].0;
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(stack.archived_keys(&format!("tenant={tenant}/invoices/INV-{year}/")).await.len(), 1, "one PDF");
    stack.deliver_stream("ArchiveFunction").await;
    let invoices = format!("tenant={tenant}/invoices/");
    let bundled = stack.bundled_documents(&tenant).await;
    assert_eq!(bundled.iter().filter(|(name, _)| name.starts_with(&invoices)).count(), 1, "one UBL: {bundled:?}");
    let emails = stack.emails_for(&id).await;
    assert_eq!(
        emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains(number.as_str()))).count(),
        1
    );
    assert_eq!(stack.order(&id).await["status"], "invoiced");
}

#[tokio::test]
async fn sixty_concurrent_invoicings_number_one_to_sixty_without_gap_or_duplicate() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let orders: Vec<Value> = (0..60)
        .map(|n| {
            let mut body = order_body(&format!("WS-CONC-{n}"));
            body["lines"] = json!([{"sku": "SKU-3", "quantity": "1"}]);
            body
        })
        .collect();
    let mut ids = Vec::new();
    for chunk in orders.chunks(30) {
        let answer = stack.post_json("/v1/orders/batch", &json!({ "orders": chunk })).await;
        assert_eq!(answer.status, 207, "{}", answer.body);
        ids.extend(
            answer.body["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|r| r["order"]["id"].as_str().or(r["id"].as_str()).expect("order id").to_owned()),
        );
    }
    assert_eq!(ids.len(), 60);
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    for (n, id) in ids.iter().enumerate() {
        stack
            .despatch(id, &json!({"despatch_number": format!("DC-{n}"), "lines": [{"line_no": 1, "quantity": 1}]}))
            .await;
    }
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let bodies = stack.drain_queue("InvoicingQueue").await;
    assert_eq!(bodies.len(), 60);

    // Sixty invocations at once, one message each, as sixty Lambda containers would run them; a transaction that
    // meets another in flight on one of its items (the series counter, above all) is cancelled, as DynamoDB does.
    let overlap =
        stack.faults().inject(json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "overlap"})).await;
    let app = std::sync::Arc::new(stack.stack.invoicing().expect("invoicing"));
    let runs = bodies.into_iter().enumerate().map(|(n, body)| {
        let app = app.clone();
        tokio::spawn(async move {
            let mut message = SqsMessage::default();
            message.message_id = Some(format!("m-{n}"));
            message.body = Some(body);
            let mut event = SqsEvent::default();
            event.records = vec![message];
            invoicing::handle(&app, event).await.expect("handled")
        })
    });
    for result in futures::future::join_all(runs).await {
        let response = result.expect("task");
        assert!(response.batch_item_failures.is_empty(), "{:?}", response.batch_item_failures);
    }
    let conflicts = stack.faults().struck(&overlap).await;
    assert!(conflicts > 0, "transactions met in flight and were cancelled");
    eprintln!("{conflicts} overlapping transactions cancelled");

    let year = time::OffsetDateTime::now_utc().year();
    let mut numbers = Vec::new();
    for id in &ids {
        let links = invoice_links(&stack, id).await;
        assert_eq!(links.len(), 1, "order {id}: {links:?}");
        numbers.push(links[0].0.clone());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=60).map(|n| format!("INV-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected, "1..60, no gap, no duplicate");
    let counter = stack.item(&format!("T#{tenant}#SEQ#INV-{year}"), "SEQ").await.expect("counter");
    assert_eq!(counter["last"].as_n().map(String::as_str), Ok("60"));
}

/// An order of an inline buyer (`buyer`: the request's buyer object), shipped in full under `despatch_number`
/// and invoiced: (order id, invoice number).
async fn invoiced_for(stack: &TestStack, order_number: &str, buyer: Value, despatch_number: &str) -> (String, String) {
    let mut body = order_body(order_number);
    body["buyer"] = buyer;
    let created = stack.post_json("/v1/orders", &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack.despatch(
        &id,
        &json!({"despatch_number": despatch_number, "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]}),
    )
    .await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let links = invoice_links(stack, &id).await;
    assert_eq!(links.len(), 1, "{links:?}");
    (id, links[0].0.clone())
}

#[tokio::test]
async fn a_buyer_outside_peppol_gets_the_pdf_only_with_its_name_and_amounts_intact() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let buyer = json!({"name": "Łukasz Żółć Spółka z o.o. (ąęśńź, ėįšųūž)",
        "email": "lukasz@zolc.example.pl", "language": "pl", "vat_id": "PL5260250274"});
    let (id, number) = invoiced_for(&stack, "WS-INV-PL", buyer, "D-PL").await;
    let number = &number;
    let year = time::OffsetDateTime::now_utc().year();
    let prefix = format!("tenant={tenant}/invoices/INV-{year}/");
    assert_eq!(stack.archived_keys(&prefix).await, [format!("{prefix}{number}.pdf")], "no Peppol address: no UBL");

    let emails = billing_emails(&stack, &id).await;
    assert_eq!(emails.len(), 1);
    let leaves = mime_leaves(emails[0].raw_data.as_bytes());
    let types: Vec<&str> = leaves.iter().map(|l| l.content_type.as_str()).collect();
    assert_eq!(types, ["text/plain", "text/html", "application/pdf"]);
    let html = String::from_utf8_lossy(&leaves[1].bytes);
    assert!(html.contains("Do zapłaty") && html.contains("lang=\"pl\""), "{html}");

    let invoice = stack.item(&format!("T#{tenant}#INV#{number}"), "INV").await.expect("invoice");
    let payable = payable_of(&invoice);
    if let Some(text) = pdf_text(&leaves[2].bytes) {
        assert!(text.contains(number.as_str()), "{text}");
        // a long name wraps (it is never cut): compare with the line breaks as spaces
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Łukasz Żółć Spółka z o.o. (ąęśńź, ėįšųūž)"), "the name with every diacritic: {text}");
        assert!(text.contains("Faktura") && text.contains("Do zapłaty"), "{text}");
        // Polish: decimal comma, thin spaces between thousands
        let polish = payable.replace('.', ",");
        let compact: String = text.chars().filter(|c| !matches!(c, '\u{202f}' | '\u{a0}' | ' ')).collect();
        assert!(compact.contains(&polish), "{payable} as {polish} in {text}");
    }
}

#[tokio::test]
async fn a_chinese_buyer_name_is_set_in_the_fallback_font_of_the_layer() {
    let font = devstack::stack::project_root().join(".local/pdf-fonts-layer/fonts/DroidSansFallbackFull.ttf");
    if !font.is_file() {
        orders_testkit::cannot_run(&format!("the CJK font check: no font at {} (make fonts)", font.display()));
        return;
    }
    let stack = TestStack::start().await;
    let buyer = json!({"name": "上海明华贸易有限公司", "email": "caigou@minghua.example.cn", "language": "zh"});
    let (_, number) = invoiced_for(&stack, "WS-INV-ZH", buyer, "D-ZH").await;
    let tenant = stack.tenant.id.clone();
    let year = time::OffsetDateTime::now_utc().year();
    let pdf =
        stack.archived_bytes(&format!("tenant={tenant}/invoices/INV-{year}/{number}.pdf")).await.expect("archived PDF");
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("DroidSansFallback"), "the CJK font is embedded (as a subset)");
    assert!(pdf.len() < 200_000, "a subset, not the 4 MB font: {} bytes", pdf.len());
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("上海明华贸易有限公司") && text.contains("发票"), "{text}");
    }
}

#[tokio::test]
async fn a_tenant_invoicing_on_delivery_gets_one_invoice_for_the_whole_order_after_the_last_despatch() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let store = stack.stack.store();
    let mut settings = store.get_tenant(&tenant).await.expect("read tenant").expect("tenant");
    settings.invoice_trigger = orders_domain::tenant::InvoiceTrigger::OnDelivery;
    store.put_tenant(&settings).await.expect("write tenant");

    let id =
        stack.post_json("/v1/orders", &order_body("WS-INV-WHOLE")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack
        .despatch(
            &id,
            &json!({"despatch_number": "D-A", "lines": [{"line_no": 1, "quantity": 1}], "despatch_date": "2026-11-26"}),
        )
        .await;
    stack.deliver_all().await;
    assert!(invoice_links(&stack, &id).await.is_empty(), "nothing is invoiced before the order is delivered");
    assert_eq!(stack.order(&id).await["status"], "partially_delivered");

    stack.despatch(&id, &json!({"despatch_number": "D-B", "lines": [{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": "1.5"}], "despatch_date": "2026-11-28"}),
    )
    .await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let links = invoice_links(&stack, &id).await;
    assert_eq!(links.len(), 1, "one invoice for the whole order: {links:?}");
    let number = &links[0].0;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "invoiced");
    assert_eq!(
        (&order["lines"][0]["invoiced_quantity"], &order["lines"][1]["invoiced_quantity"]),
        (&json!("2"), &json!("1.5"))
    );
    let request = stack.item(&format!("T#{tenant}#O#{id}"), "Q#INVOICE#order").await.expect("the order's request");
    assert_eq!(s(&request, "issued"), number);
    let year = time::OffsetDateTime::now_utc().year();
    let name = format!("tenant={tenant}/invoices/INV-{year}/{number}.xml");
    let ubl = stack.bundled_document(&tenant, &name).await.expect("UBL bundled");
    assert!(
        ubl.contains("<cbc:ActualDeliveryDate>2026-11-28</cbc:ActualDeliveryDate>"),
        "delivered with the last despatch"
    );
    assert!(!ubl.contains("DespatchDocumentReference"), "a whole-order invoice names no single despatch");
    assert_eq!(ubl.matches("<cac:InvoiceLine>").count(), 2);
    if let Some(results) = orders_testkit::validate_peppol(&[("whole-order".into(), ubl)]) {
        assert_eq!(results[0]["ok"], true, "{}", results[0]);
    }
}

#[tokio::test]
async fn an_attempt_killed_after_claiming_the_invoice_email_leaves_it_to_the_relay_which_sends_it_once_stale() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-INV-KILL")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack.despatch(&id, &json!({"despatch_number": "D-K", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let bodies = stack.drain_queue("InvoicingQueue").await;
    assert_eq!(bodies.len(), 1);
    let app = stack.stack.invoicing().expect("invoicing");
    let event = |n: usize| {
        let mut message = SqsMessage::default();
        message.message_id = Some(format!("m-{n}"));
        message.body = Some(bodies[0].clone());
        let mut event = SqsEvent::default();
        event.records = vec![message];
        event
    };

    // The first attempt is stopped while it archives the PDF (the archive answers slowly): it has issued the
    // invoice and claimed the buyer's email in one transaction, and sent nothing, as a Lambda timeout leaves it.
    let faults = stack.function_faults("InvoicingFunction");
    let slow = faults
        .inject(json!({"service": "s3", "action": "PutObject", "kind": "slow", "delay_ms": 2000, "times": 1}))
        .await;
    tokio::select! {
        outcome = invoicing::handle(&app, event(1)) => panic!("the attempt ran to its end: {outcome:?}"),
        () = async { while faults.struck(&slow).await == 0 { tokio::time::sleep(std::time::Duration::from_millis(20)).await } } => {}
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await; // the slow write lands
    let links = invoice_links(&stack, &id).await;
    assert_eq!(links.len(), 1, "issued by the killed attempt: {links:?}");
    let number = links[0].0.clone();
    let pk = format!("T#{}#O#{id}", stack.tenant.id);
    let email_sk = format!("M#buyer_billing_document#{number}");
    assert_eq!(stack.item(&pk, &email_sk).await.map(|e| s(&e, "status").to_owned()).as_deref(), Some("sending"));

    // The redelivery finds the invoice issued and its email claimed moments ago (its sender may still be running):
    // it sends nothing now, and leaves the document to the relay instead of forgetting it.
    let redelivered = invoicing::handle(&app, event(2)).await.expect("handled");
    assert!(redelivered.batch_item_failures.is_empty(), "{:?}", redelivered.batch_item_failures);
    assert!(billing_emails(&stack, &id).await.is_empty());
    let request = stack.item(&pk, &format!("Q#DOC#{number}")).await.expect("a completion request");
    assert!(request.contains_key("GSI3PK"), "pending: {request:?}");

    // While the claim is young, the relay hands the document back and the request stays.
    let relay = stack.stack.relay().expect("relay");
    let later = || time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    assert!(relay.run_once(later()).await.expect("relay").republished >= 1);
    stack.deliver_all().await;
    assert!(billing_emails(&stack, &id).await.is_empty(), "not while the claim is young");
    assert!(stack.item(&pk, &format!("Q#DOC#{number}")).await.expect("request").contains_key("GSI3PK"));

    // Five minutes on, the claim is stale: the next hand-back sends the email, once, with both files.
    assert_eq!(stack.age_email_claims(&pk, 600).await, 1);
    assert!(relay.run_once(later() + time::Duration::hours(1)).await.expect("relay").republished >= 1);
    stack.deliver_all().await;
    let emails = billing_emails(&stack, &id).await;
    assert_eq!(emails.len(), 1, "sent once");
    let leaves = mime_leaves(emails[0].raw_data.as_bytes());
    assert!(leaves.iter().any(|l| l.content_type == "application/pdf"), "the PDF is attached");
    assert_eq!(stack.item(&pk, &email_sk).await.map(|e| s(&e, "status").to_owned()).as_deref(), Some("sent"));
    assert!(!stack.item(&pk, &format!("Q#DOC#{number}")).await.expect("request").contains_key("GSI3PK"), "done");
    relay.run_once(later() + time::Duration::hours(3)).await.expect("relay");
    stack.deliver_all().await;
    assert_eq!(billing_emails(&stack, &id).await.len(), 1, "and never again");
}
