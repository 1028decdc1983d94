//! The billing API against the emulator: invoices listed and read, credit notes (partial, then the rest) that
//! restore invoiced quantities and move the order's and the invoice's status, a debit note, files served as
//! archived, every document valid Peppol UBL, and roles and tenants kept apart.

use orders_domain::ids::Role;
use orders_testkit::{mime_leaves, openapi_spec as spec, order_body, pdf_text, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// A POST with `If-Match`, or without one with a fresh `Idempotency-Key` (credit and debit notes need either).
async fn post(stack: &TestStack, path: &str, key: &str, body: Value, if_match: Option<&str>) -> Answer {
    let mut request = stack.request(Method::POST, path, key).json(&body);
    request = match if_match {
        Some(tag) => request.header("If-Match", tag),
        None => request.header("Idempotency-Key", orders_testkit::unique("note-")),
    };
    Answer::from(request.send().await).await
}

/// A POST with exactly the headers given.
async fn post_with(stack: &TestStack, path: &str, key: &str, body: &Value, headers: &[(&str, &str)]) -> Answer {
    let mut request = stack.request(Method::POST, path, key).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::from(request.send().await).await
}

#[tokio::test]
async fn a_credit_or_debit_note_is_issued_once_however_often_the_request_is_sent() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let (_, number) = invoiced_order(&stack, "WS-BILL-ONCE").await;
    let debit_path = format!("/v1/invoices/{number}/debit-notes");
    let credit_path = format!("/v1/invoices/{number}/credit-notes");
    let debit = json!({"reason": "Assembly", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "10.00"}]});

    // Without If-Match or Idempotency-Key a retry could issue a second note: refused before anything is issued.
    let credit = json!({"reason": "Returned"});
    for (path, body) in [(&debit_path, &debit), (&credit_path, &credit)] {
        for headers in [&[][..], &[("If-Match", "*")][..]] {
            let answer = post_with(&stack, path, &operator, body, headers).await;
            assert_eq!(answer.status, 428, "{path} {headers:?}: {}", answer.body);
            assert_eq!(answer.body["type"], "https://errors.orders.example/precondition-required");
        }
    }

    // The same Idempotency-Key and body: one note, the second answer replays the first.
    let key = [("Idempotency-Key", "debit-assembly-1")];
    let first = post_with(&stack, &debit_path, &operator, &debit, &key).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = post_with(&stack, &debit_path, &operator, &debit, &key).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["number"], first.body["number"], "the same note");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let other = json!({"reason": "Other", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "99.00"}]});
    assert_eq!(post_with(&stack, &debit_path, &operator, &other, &key).await.status, 422, "the key with another body");

    // If-Match: a debit note moves the invoice on too, so the same request sent twice is 412 the second time.
    let etag = stack.get(&format!("/v1/invoices/{number}"), &operator).await.header("etag").expect("etag").to_owned();
    let if_match = [("If-Match", etag.as_str())];
    assert_eq!(post_with(&stack, &debit_path, &operator, &debit, &if_match).await.status, 201);
    let twice = post_with(&stack, &debit_path, &operator, &debit, &if_match).await;
    assert_eq!(twice.status, 412, "{}", twice.body);
    let debits = stack.get("/v1/invoices?kind=debit_note", &operator).await;
    assert_eq!(debits.body["items"].as_array().map(Vec::len), Some(2), "{}", debits.body);
}

async fn bytes(stack: &TestStack, path: &str, key: &str) -> (u16, String, Vec<u8>) {
    let response = stack.request(Method::GET, path, key).send().await.expect("GET");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

/// An order of the first tenant, confirmed, shipped in full and invoiced; its invoice number.
async fn invoiced_order(stack: &TestStack, number: &str) -> (String, String) {
    let id = stack.post_json("/v1/orders", &order_body(number)).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    stack
        .despatch(
            &id,
            &json!({"despatch_number": format!("D-{number}"), "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]}),
        )
        .await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "invoiced", "{order}");
    let invoice = order["invoices"][0]["number"].as_str().expect("invoice number").to_owned();
    (id, invoice)
}

#[tokio::test]
async fn credit_notes_restore_invoiced_quantities_and_every_document_is_served_and_valid() {
    let spec = spec();
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let (id, number) = invoiced_order(&stack, "WS-BILL-1").await;

    // The list and the detail, as documented.
    let list = stack.get("/v1/invoices", &operator).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["items"][0]["number"], number.as_str());
    orders_testkit::assert_conforms(&spec, "/v1/invoices", "get", 200, &list.body);
    let detail = stack.get(&format!("/v1/invoices/{number}"), &operator).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.header("etag"), Some("\"1\""));
    assert_eq!(detail.body["status"], "issued");
    orders_testkit::assert_conforms(&spec, "/v1/invoices/{number}", "get", 200, &detail.body);
    let payable: rust_decimal::Decimal =
        detail.body["totals"]["payable"].as_str().expect("payable").parse().expect("decimal");

    // Part of line 1 back: invoiced quantities restored, the order partially invoiced, the invoice partially credited.
    let credit = post(
        &stack,
        &format!("/v1/invoices/{number}/credit-notes"),
        &operator,
        json!({"reason": "One desk arrived damaged", "lines": [{"line_id": 1, "quantity": 1}]}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(credit.status, 201, "{}", credit.body);
    orders_testkit::assert_conforms(&spec, "/v1/invoices/{number}/credit-notes", "post", 201, &credit.body);
    let credit_number = credit.body["number"].as_str().expect("number").to_owned();
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(credit_number, format!("CN-{year}-000001"));
    assert_eq!(credit.header("location"), Some(format!("/v1/credit-notes/{credit_number}").as_str()));
    assert_eq!(credit.body["billing_reference"]["number"], number.as_str());
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "partially_invoiced");
    assert_eq!(order["lines"][0]["invoiced_quantity"], "1");
    assert_eq!(order["lines"][1]["invoiced_quantity"], "1.5");
    let invoice = stack.get(&format!("/v1/invoices/{number}"), &operator).await;
    assert_eq!(invoice.body["status"], "partially_credited");
    assert_eq!(invoice.body["credited"]["lines"], json!([{"line_id": 1, "quantity": "1"}]));

    // A stale ETag, more than is left, a line that is not there: refused, nothing issued.
    let stale = post(
        &stack,
        &format!("/v1/invoices/{number}/credit-notes"),
        &operator,
        json!({"reason": "again"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let too_much = post(
        &stack,
        &format!("/v1/invoices/{number}/credit-notes"),
        &operator,
        json!({"reason": "x", "lines": [{"line_id": 1, "quantity": 2}]}),
        None,
    )
    .await;
    assert_eq!(too_much.status, 422, "{}", too_much.body);
    let malformed = post(
        &stack,
        &format!("/v1/invoices/{number}/credit-notes"),
        &operator,
        json!({"lines": [{"line_id": 1, "quantity": -1}]}),
        None,
    )
    .await;
    assert_eq!(malformed.status, 422);
    assert_eq!(malformed.pointers(), ["/reason", "/lines/0/quantity"]);

    // A debit note: more to pay, quantities unchanged.
    let debit = post(
        &stack,
        &format!("/v1/invoices/{number}/debit-notes"),
        &operator,
        json!({"reason": "Assembly", "lines": [{"line_id": 1, "quantity": 1, "unit_price": "45.00"}]}),
        None,
    )
    .await;
    assert_eq!(debit.status, 201, "{}", debit.body);
    let debit_number = debit.body["number"].as_str().expect("number").to_owned();
    assert_eq!(debit_number, format!("DN-{year}-000001"));
    assert_eq!(debit.body["totals"]["payable"], "56.25");
    assert_eq!(stack.order(&id).await["lines"][0]["invoiced_quantity"], "1");

    // The rest back: the invoice credited, the order delivered again, what was credited adds up to the invoice.
    let rest =
        post(&stack, &format!("/v1/invoices/{number}/credit-notes"), &operator, json!({"reason": "Returned"}), None)
            .await;
    assert_eq!(rest.status, 201, "{}", rest.body);
    let rest_number = rest.body["number"].as_str().expect("number").to_owned();
    let credited: rust_decimal::Decimal = [&credit.body, &rest.body]
        .iter()
        .map(|b| b["totals"]["payable"].as_str().expect("payable").parse::<rust_decimal::Decimal>().expect("decimal"))
        .sum();
    assert_eq!(credited, payable, "two credit notes take back exactly the invoice");
    assert_eq!(stack.get(&format!("/v1/invoices/{number}"), &operator).await.body["status"], "credited");
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "delivered");
    assert_eq!(order["invoices"].as_array().map(Vec::len), Some(4), "{}", order["invoices"]);
    let nothing_left =
        post(&stack, &format!("/v1/invoices/{number}/credit-notes"), &operator, json!({"reason": "x"}), None).await;
    assert_eq!(nothing_left.status, 409, "{}", nothing_left.body);

    // Lists: credit notes on their own, filters by status.
    let notes = stack.get("/v1/credit-notes", &operator).await;
    assert_eq!(notes.body["items"].as_array().map(Vec::len), Some(2), "{}", notes.body);
    orders_testkit::assert_conforms(&spec, "/v1/credit-notes", "get", 200, &notes.body);
    let credited_list = stack.get("/v1/invoices?status=credited", &operator).await;
    assert_eq!(credited_list.body["items"].as_array().map(|i| i.len()), Some(1));
    let debit_list = stack.get("/v1/invoices?kind=debit_note", &operator).await;
    assert_eq!(debit_list.body["items"][0]["number"], debit_number.as_str());
    assert_eq!(stack.get("/v1/invoices?status=paid", &operator).await.status, 400);
    assert_eq!(stack.get("/v1/invoices?sort=x", &operator).await.status, 400);

    // Files: served as archived, the UBL of each valid Peppol BIS Billing 3.
    let mut documents = Vec::new();
    for (path, name) in [
        (format!("/v1/invoices/{number}/invoice.xml"), "invoice"),
        (format!("/v1/credit-notes/{credit_number}/credit-note.xml"), "credit-note-partial"),
        (format!("/v1/credit-notes/{rest_number}/credit-note.xml"), "credit-note-rest"),
        (format!("/v1/invoices/{debit_number}/invoice.xml"), "debit-note"),
    ] {
        let (status, content_type, body) = bytes(&stack, &path, &operator).await;
        assert_eq!((status, content_type.as_str()), (200, "application/xml"), "{path}");
        documents.push((name.to_owned(), String::from_utf8(body).expect("UTF-8")));
    }
    assert!(documents[1].1.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
    assert!(documents[1].1.contains(&format!("<cac:InvoiceDocumentReference><cbc:ID>{number}</cbc:ID>")));
    assert!(documents[3].1.contains("<cbc:InvoiceTypeCode>383</cbc:InvoiceTypeCode>"));
    if let Some(results) = orders_testkit::validate_peppol(&documents) {
        for result in &results {
            assert_eq!(result["ok"], true, "{result}");
        }
    }
    let (status, content_type, pdf) =
        bytes(&stack, &format!("/v1/credit-notes/{credit_number}/credit-note.pdf"), &operator).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains(&credit_number) && text.contains("Kreditnota") && text.contains(&number), "{text}");
    }

    // The buyer got each note once, with both files.
    let emails = stack.emails_for(&id).await;
    for note in [&credit_number, &debit_number, &rest_number] {
        let sent: Vec<_> =
            emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains(note.as_str()))).collect();
        assert_eq!(sent.len(), 1, "{note}");
        let leaves = mime_leaves(sent[0].raw_data.as_bytes());
        let files: Vec<_> = leaves.iter().filter_map(|l| l.filename.clone()).collect();
        assert_eq!(files, [format!("{note}.pdf"), format!("{note}.xml")]);
    }
}

#[tokio::test]
async fn billing_is_for_operators_of_the_tenant_and_a_proforma_is_printed_before_anything_ships() {
    let stack = TestStack::start().await;
    let (id, number) = invoiced_order(&stack, "WS-BILL-2").await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    for key in [&stack.tenant.key, &warehouse] {
        assert_eq!(stack.get("/v1/invoices", key).await.status, 403);
        assert_eq!(stack.get(&format!("/v1/invoices/{number}"), key).await.status, 403);
        let refused =
            post(&stack, &format!("/v1/invoices/{number}/credit-notes"), key, json!({"reason": "x"}), None).await;
        assert_eq!(refused.status, 403);
    }
    assert_eq!(stack.get("/v1/invoices", "not-a-key").await.status, 401);
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(stack.get(&format!("/v1/invoices/{number}"), &other_operator).await.status, 404);
    assert_eq!(stack.get("/v1/invoices", &other_operator).await.body["items"], json!([]));
    let foreign =
        post(&stack, &format!("/v1/invoices/{number}/credit-notes"), &other_operator, json!({"reason": "x"}), None)
            .await;
    assert_eq!(foreign.status, 404);
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    assert_eq!(
        stack.get(&format!("/v1/credit-notes/{number}"), &operator).await.status,
        404,
        "an invoice is not a credit note"
    );
    assert_eq!(
        stack.get(&format!("/v1/orders/{id}/proforma.pdf"), &operator).await.status,
        409,
        "nothing left to invoice"
    );

    let fresh =
        stack.post_json("/v1/orders", &order_body("WS-BILL-PRO")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let (status, content_type, pdf) = bytes(&stack, &format!("/v1/orders/{fresh}/proforma.pdf"), &operator).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("Proformafaktura") && text.contains("WS-BILL-PRO"), "{text}");
    }
    assert_eq!(stack.order(&fresh).await["invoices"], json!([]), "a proforma issues nothing");
}

#[tokio::test]
async fn a_credit_note_whose_email_failed_is_completed_by_the_invoicing_stage_through_the_relay() {
    let stack = TestStack::start_with(|stack| stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", "0")).await;
    let (id, number) = invoiced_order(&stack, "WS-BILL-SES").await;
    // SES throttles every send of the billing function (the SDK's own retries included), from the emulator's side.
    let throttled = stack
        .function_faults("BillingFunction")
        .inject(json!({"service": "ses", "action": "SendRawEmail", "kind": "error", "error": "throttling"}))
        .await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let credit =
        post(&stack, &format!("/v1/invoices/{number}/credit-notes"), &operator, json!({"reason": "Returned"}), None)
            .await;
    assert_eq!(credit.status, 201, "the note is issued although SES refused: {}", credit.body);
    let note = credit.body["number"].as_str().expect("number").to_owned();
    let sent_for = |emails: &[devstack::mail::SentEmail]| {
        emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains(note.as_str()))).count()
    };
    assert_eq!(sent_for(&stack.emails_for(&id).await), 0);
    assert!(stack.function_faults("BillingFunction").struck(&throttled).await >= 1, "SES refused the billing function");
    let request =
        stack.item(&format!("T#{}#O#{id}", stack.tenant.id), &format!("Q#DOC#{note}")).await.expect("request");
    assert!(request.contains_key("GSI3PK"), "its completion is pending");

    let relay = stack.stack.relay().expect("relay");
    let report = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    assert!(report.republished >= 1, "{report:?}");
    stack.deliver_all().await;
    assert_eq!(sent_for(&stack.emails_for(&id).await), 1, "sent once by the invoicing stage, with its files");
    let request =
        stack.item(&format!("T#{}#O#{id}", stack.tenant.id), &format!("Q#DOC#{note}")).await.expect("request");
    assert!(!request.contains_key("GSI3PK"), "completed");
    relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::seconds(1)).await.expect("relay");
    stack.deliver_all().await;
    assert_eq!(sent_for(&stack.emails_for(&id).await), 1, "once");
}

#[tokio::test]
async fn staff_invoice_what_shipped_now_once_for_a_tenant_that_invoices_on_delivery() {
    let stack = TestStack::start().await;
    let store = stack.stack.store();
    let mut settings = store.get_tenant(&stack.tenant.id).await.expect("read").expect("tenant");
    settings.invoice_trigger = orders_domain::tenant::InvoiceTrigger::OnDelivery;
    store.put_tenant(&settings).await.expect("write");
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let id =
        stack.post_json("/v1/orders", &order_body("WS-BILL-NOW")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let path = format!("/v1/orders/{id}/invoices");
    // nothing shipped yet: nothing to invoice
    let early = post(&stack, &path, &operator, json!({}), None).await;
    assert_eq!(early.status, 409, "{}", early.body);

    stack.despatch(&id, &json!({"despatch_number": "D-NOW-1", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "partially_delivered", "on delivery: no invoice yet");
    assert_eq!(order["invoices"], json!([]));

    for key in [&stack.tenant.key, &stack.key_with_role(&stack.tenant.id, Role::Warehouse).await] {
        assert_eq!(post(&stack, &path, key, json!({}), None).await.status, 403);
    }
    assert_eq!(post(&stack, &path, &operator, json!({}), Some("\"1\"")).await.status, 412);
    let issued = post(&stack, &path, &operator, json!({}), None).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    orders_testkit::assert_conforms(&spec(), "/v1/orders/{id}/invoices", "post", 201, &issued.body);
    assert_eq!(issued.body["lines"].as_array().map(Vec::len), Some(1), "only the shipped line");
    assert_eq!(issued.body["lines"][0]["quantity"], "1");
    let number = issued.body["number"].as_str().expect("number");
    let order = stack.order(&id).await;
    assert_eq!(order["lines"][0]["invoiced_quantity"], "1");
    assert_eq!(order["invoices"][0]["number"], number);
    let history = order["history"].as_array().expect("history");
    assert!(history.iter().any(|h| h["actor"].as_str().is_some_and(|a| a.starts_with("operator:"))
        && h["detail"].as_str().is_some_and(|d| d.starts_with("Invoice for the shipped quantities"))));
    let (status, content_type, pdf) = bytes(&stack, &format!("/v1/invoices/{number}/invoice.pdf"), &operator).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    // once: nothing is left until more ships
    let again = post(&stack, &path, &operator, json!({}), None).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    assert_eq!(post(&stack, &path, &other_operator, json!({}), None).await.status, 404);
}
