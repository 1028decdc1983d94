//! Despatch advices against the emulator: partial and final despatches move reserved stock out exactly, the
//! shipment stage derives the delivery status once per despatch, and what does not fit the order is refused.
//! The pipeline stops after the shipment stage here (the invoicing queue is left alone; see invoicing.rs).

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use orders_domain::ids::Role;
use orders_testkit::{mime_leaves, mime_parts, order_body, pdf_barcodes, pdf_text, Answer, TestStack};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn dec(value: &str) -> Decimal {
    value.parse().expect("decimal")
}

async fn despatch(stack: &TestStack, id: &str, key: &str, body: Value) -> Answer {
    Answer::from(stack.request(Method::POST, &format!("/v1/orders/{id}/despatches"), key).json(&body).send().await)
        .await
}

#[tokio::test]
async fn two_partial_despatches_and_a_final_one_deliver_the_order_and_move_stock_exactly() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let id = stack.post_json("/v1/orders", &order_body("WS-SHIP")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    let before_desk = stack.stock(tenant, "SKU-1", "malmo").await;
    let before_coffee = stack.stock(tenant, "SKU-3", "malmo").await;
    assert_eq!((before_desk.1, before_coffee.1), (dec("2"), dec("1.5")), "reserved by confirmation");
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;

    let first = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 1}], "carrier": "PostNord",
               "tracking_number": "00370712345", "expected_delivery_date": "2030-01-02", "despatch_date": "2030-01-01"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["tracking_url"], "https://tracking.postnord.com/se/?id=00370712345");
    assert_eq!(first.body["lines"][0]["picks"][0]["warehouse"], "malmo");
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "partially_delivered");
    assert_eq!(
        (&order["lines"][0]["shipped_quantity"], &order["lines"][0]["open_quantity"]),
        (&json!("1"), &json!("1"))
    );
    // The tracking view: per line ordered / confirmed / shipped / open, and when the despatch should arrive.
    let line = &order["tracking"][0];
    assert_eq!(
        (&line["ordered"], &line["confirmed"], &line["shipped"], &line["open"]),
        (&json!("2"), &json!("2"), &json!("1"), &json!("1")),
        "{line}"
    );
    assert_eq!(line["expected_delivery_date"], "2030-01-02");
    assert_eq!(line["shipments"][0]["despatch_number"], "D-1");
    assert_eq!(line["shipments"][0]["tracking_url"], "https://tracking.postnord.com/se/?id=00370712345");
    assert_eq!(order["tracking"][1]["shipments"], json!([]), "line 2 has not shipped");

    let second = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-2", "lines": [{"line_no": 2, "quantity": "1"}]}),
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.body);
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(stack.order(&id).await["status"], "partially_delivered");

    // More than is open: a problem pointing at the quantity, nothing changed.
    let over = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-X", "lines": [{"line_no": 2, "quantity": "0.6"}]}),
    )
    .await;
    assert_eq!(over.status, 422, "{}", over.body);
    assert_eq!(over.pointers(), ["/lines/0/quantity"]);
    assert_eq!(stack.stock(tenant, "SKU-3", "malmo").await.1, dec("0.5"), "nothing moved");

    let last = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-3", "lines": [{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": "0.5"}]}),
    )
    .await;
    assert_eq!(last.status, 201, "{}", last.body);
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "delivered");
    let history: Vec<&str> =
        order["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert_eq!(history.iter().filter(|a| **a == "despatched").count(), 3);
    assert_eq!(history.last(), Some(&"delivered"));

    // Each despatch is ready to invoice (the tenant invoices per despatch): one event each on the invoicing queue.
    let invoicing: Vec<Value> = stack
        .drain_queue("InvoicingQueue")
        .await
        .iter()
        .map(|body| serde_json::from_str(body).expect("an envelope"))
        .collect();
    let mut refs: Vec<&str> = invoicing.iter().filter_map(|e| e["ref"].as_str()).collect();
    refs.sort_unstable();
    assert_eq!(refs, ["D-1", "D-2", "D-3"]);
    assert!(invoicing.iter().all(|e| e["type"] == "order.ready_to_invoice" && e["order_id"] == id.as_str()));

    // One email per despatch, each once, in the buyer's language (C-1: Swedish), with what remains and the link.
    let emails = stack.emails_for(&id).await;
    let despatch_emails: Vec<_> =
        emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_despatched"))).collect();
    assert_eq!(despatch_emails.len(), 3, "one per despatch");
    let text_of = |number: &str| {
        let email = despatch_emails
            .iter()
            .find(|e| e.header("Message-ID").is_some_and(|m| m.contains(&format!("buyer_despatched.{number}@"))))
            .unwrap_or_else(|| panic!("an email for {number}"));
        orders_testkit::mime_parts(&email.raw_data).0
    };
    let first_text = text_of("D-1");
    assert!(first_text.contains("https://tracking.postnord.com/se/?id=00370712345"), "{first_text}");
    assert!(first_text.contains("Kommer senare"), "{first_text}");
    assert!(first_text.contains("1 C62  SKU-1") && first_text.contains("1,5 KGM  SKU-3"), "{first_text}");
    let second_text = text_of("D-2");
    assert!(second_text.contains("0,5 KGM  SKU-3"), "{second_text}");
    let last_text = text_of("D-3");
    assert!(last_text.contains("Inget återstår"), "{last_text}");

    // The Peppol documents: the order response and each despatch advice as issued, all valid.
    let response = stack
        .request(Method::GET, &format!("/v1/orders/{id}/order-response.xml"), &warehouse)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/xml"));
    let mut documents = vec![("t76".to_owned(), response.text().await.expect("body"))];
    for number in ["D-1", "D-2", "D-3"] {
        let advice = stack
            .request(Method::GET, &format!("/v1/orders/{id}/despatches/{number}.xml"), &warehouse)
            .send()
            .await
            .expect("get");
        assert_eq!(advice.status(), 200, "{number}");
        documents.push((format!("t16-{number}"), advice.text().await.expect("body")));
    }
    assert!(
        documents[1].1.contains("<cbc:OutstandingQuantity unitCode=\"C62\">1</cbc:OutstandingQuantity>"),
        "{}",
        documents[1].1
    );
    assert!(!documents[3].1.contains("OutstandingQuantity"), "the last despatch leaves nothing open");
    if let Some(results) = orders_testkit::validate_peppol(&documents) {
        for result in results {
            assert_eq!(result["ok"], true, "{}", serde_json::to_string_pretty(&result).unwrap_or_default());
        }
    }
    let missing = stack.get(&format!("/v1/orders/{id}/despatches/D-404.xml"), &warehouse).await;
    assert_eq!(missing.status, 404);

    // Stock after = before − shipped; the reservation is gone exactly.
    let desk = stack.stock(tenant, "SKU-1", "malmo").await;
    let coffee = stack.stock(tenant, "SKU-3", "malmo").await;
    assert_eq!((desk.0, desk.1, desk.2), (before_desk.0 - dec("2"), dec("0"), before_desk.2));
    assert_eq!((coffee.0, coffee.1, coffee.2), (before_coffee.0 - dec("1.5"), dec("0"), before_coffee.2));

    // The number is the tenant's; roles and other tenants are refused.
    let again =
        despatch(&stack, &id, &warehouse, json!({"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 1}]}))
            .await;
    assert_eq!(again.status, 409, "a delivered order takes no despatch: {}", again.body);
    assert_eq!(
        despatch(&stack, &id, &stack.tenant.key, json!({"despatch_number": "D-9", "lines": []})).await.status,
        403
    );
    let other = stack.new_tenant().await;
    let other_warehouse = stack.key_with_role(&other.id, Role::Warehouse).await;
    let foreign = despatch(
        &stack,
        &id,
        &other_warehouse,
        json!({"despatch_number": "D-9", "lines": [{"line_no": 1, "quantity": 1}]}),
    )
    .await;
    assert_eq!(foreign.status, 404);
}

#[tokio::test]
async fn a_redelivered_despatch_event_changes_nothing_and_numbers_are_unique_per_tenant() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let a = stack.post_json("/v1/orders", &order_body("WS-SHIP-A")).await.body["id"].as_str().expect("id").to_owned();
    let b = stack.post_json("/v1/orders", &order_body("WS-SHIP-B")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let operator = stack.key_with_role(tenant, Role::Operator).await;
    let first =
        despatch(&stack, &a, &operator, json!({"despatch_number": "D-100", "lines": [{"line_no": 1, "quantity": 2}]}))
            .await;
    assert_eq!(first.status, 201, "{}", first.body);
    // Busy until the shipment stage has taken the first despatch.
    let busy =
        despatch(&stack, &a, &operator, json!({"despatch_number": "D-101", "lines": [{"line_no": 2, "quantity": 1}]}))
            .await;
    assert_eq!(busy.status, 409, "{}", busy.body);
    let messages = stack.drain_queue("ShipmentQueue").await;
    assert_eq!(messages.len(), 1);
    // The same message twice, as SQS may deliver it, in real `SqsEvent`s.
    let app = stack.stack.shipment().expect("shipment handler");
    for round in 0..2 {
        let mut message = SqsMessage::default();
        message.message_id = Some(format!("m-{round}"));
        message.body = Some(messages[0].clone());
        let mut event = SqsEvent::default();
        event.records = vec![message];
        let response = shipment::handle(&app, event).await.expect("handled");
        assert!(response.batch_item_failures.is_empty(), "round {round}");
    }
    let order = stack.order(&a).await;
    assert_eq!(order["status"], "partially_delivered");
    let entries =
        order["history"].as_array().expect("history").iter().filter(|h| h["action"] == "partially_delivered").count();
    assert_eq!(entries, 1, "the redelivery changed nothing");
    let despatch_emails = stack
        .emails_for(&a)
        .await
        .iter()
        .filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_despatched")))
        .count();
    assert_eq!(despatch_emails, 1, "no second email");
    assert_eq!(stack.drain_queue("InvoicingQueue").await.len(), 1, "one invoicing request, however often it arrives");
    let reused =
        despatch(&stack, &b, &operator, json!({"despatch_number": "D-100", "lines": [{"line_no": 1, "quantity": 1}]}))
            .await;
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(stack.stock(tenant, "SKU-1", "malmo").await.1, dec("2"), "only B's reservation is left");
}

#[tokio::test]
async fn two_lines_of_one_sku_ship_in_one_despatch() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let mut body = order_body("WS-TWICE");
    body["lines"] = json!([{"sku": "SKU-1", "quantity": "1"}, {"sku": "SKU-3", "quantity": "1"}, {"sku": "SKU-1", "quantity": "2"}]);
    let id = stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    let before = stack.stock(tenant, "SKU-1", "malmo").await;
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;
    let answer = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-1", "lines": [{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": 1}, {"line_no": 3, "quantity": 2}]}),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let after = stack.stock(tenant, "SKU-1", "malmo").await;
    assert_eq!((before.0 - after.0, before.1 - after.1), (dec("3"), dec("3")), "on hand and reserved, once each");
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    assert_eq!(stack.order(&id).await["status"], "delivered");
}

#[tokio::test]
async fn a_despatch_carries_the_order_to_the_shipment_stage_and_a_note_added_meanwhile_still_reaches_the_email() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let mut ids = Vec::new();
    for number in ["WS-CARRY-1", "WS-CARRY-2"] {
        ids.push(stack.post_json("/v1/orders", &order_body(number)).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    for (id, number) in ids.iter().zip(["D-C0", "D-C1"]) {
        stack.despatch(id, &json!({"despatch_number": number, "lines": [{"line_no": 1, "quantity": 1}]})).await;
    }

    // Both orders had no seller notes: each event carries the order as intake wrote it, and the despatch.
    let bodies = stack.drain_queue("ShipmentQueue").await;
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        let event: Value = serde_json::from_str(body).expect("envelope");
        assert_eq!(event["carried"]["order"]["id"], event["order_id"], "{event}");
        assert_eq!(event["carried"]["despatch"]["despatch_number"], event["ref"], "{event}");
        assert!(event["carried"]["version"].as_u64().is_some_and(|v| v > 1), "{event}");
    }
    // A buyer-visible note comes to the second order before the shipment stage runs.
    let note = json!({"text": "Second parcel follows on Monday", "visibility": "buyer"});
    let noted = stack.call(Method::POST, &format!("/v1/orders/{}/notes", ids[1]), &operator, Some(&note)).await;
    assert_eq!(noted.status, 201, "{}", noted.body);
    for body in bodies {
        stack.send_to_queue("ShipmentQueue", body).await;
    }
    stack.deliver_all_but(&["InvoicingQueue"]).await;

    for ((id, number), quoted) in ids.iter().zip(["D-C0", "D-C1"]).zip([false, true]) {
        assert_eq!(stack.order(id).await["status"], "partially_delivered");
        let emails = stack.emails_for(id).await;
        let shipped: Vec<_> =
            emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_despatched"))).collect();
        assert_eq!(shipped.len(), 1, "one despatch email");
        let (text, _) = mime_parts(&shipped[0].raw_data);
        assert!(text.contains(number), "{text}");
        assert_eq!(text.contains("Second parcel follows on Monday"), quoted, "{text}");
    }

    // An order with a seller note goes thin: the stage reads the order and its notes.
    stack.despatch(&ids[1], &json!({"despatch_number": "D-C2", "lines": [{"line_no": 1, "quantity": 1}]})).await;
    let thin = stack.drain_queue("ShipmentQueue").await;
    assert_eq!(thin.len(), 1);
    assert!(serde_json::from_str::<Value>(&thin[0]).expect("envelope").get("carried").is_none(), "{}", thin[0]);
}

/// A GET's status, content type and bytes.
async fn download(stack: &TestStack, request: reqwest::RequestBuilder) -> (u16, String, Vec<u8>) {
    let _ = stack;
    let response = request.send().await.expect("get");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn each_despatch_has_a_delivery_note_archived_once_attached_to_its_email_and_downloadable() {
    let stack = TestStack::start().await;
    let tenant = &stack.tenant.id;
    let id = stack.post_json("/v1/orders", &order_body("WS-NOTE")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let warehouse = stack.key_with_role(tenant, Role::Warehouse).await;
    let first = despatch(
        &stack,
        &id,
        &warehouse,
        json!({"despatch_number": "D-N1", "lines": [{"line_no": 1, "quantity": 1}], "carrier": "PostNord",
               "tracking_number": "00370712345", "expected_delivery_date": "2030-01-02", "despatch_date": "2030-01-01"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    stack.deliver_all_but(&["InvoicingQueue"]).await;

    // The buyer's despatch email carries the note, and says so in the buyer's language (C-1: Swedish).
    let emails = stack.emails_for(&id).await;
    let despatched: Vec<_> =
        emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_despatched"))).collect();
    assert_eq!(despatched.len(), 1);
    let leaves = mime_leaves(despatched[0].raw_data.as_bytes());
    let attached: Vec<_> = leaves.iter().filter(|l| l.filename.is_some()).collect();
    assert_eq!(attached.len(), 1, "{:?}", leaves.iter().map(|l| &l.filename).collect::<Vec<_>>());
    assert_eq!(attached[0].filename.as_deref(), Some("delivery-note-D-N1.pdf"));
    assert_eq!(attached[0].content_type, "application/pdf");
    let pdf = attached[0].bytes.clone();
    assert!(pdf.starts_with(b"%PDF-"));
    let (text, _) = mime_parts(&despatched[0].raw_data);
    assert!(text.contains("Följesedeln bifogas som PDF."), "{text}");

    // Archived once, beside the Despatch Advice, byte for byte what the email carries.
    let key = format!("tenant={tenant}/orders/{id}/delivery-note-D-N1.pdf");
    assert_eq!(stack.archived_bytes(&key).await.as_deref(), Some(pdf.as_slice()), "archived under {key}");
    if let Some(text) = pdf_text(&pdf) {
        for expected in ["Följesedel", "D-N1", "WS-NOTE", "PostNord", "00370712345", "Restnoterat", "Levereras nu"] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
    // A scanner reads the despatch number from it.
    if let Some(codes) = pdf_barcodes(&pdf) {
        assert_eq!(codes, ["Code128 D-N1"]);
    }

    // Staff download the same bytes; a webshop key may not, another tenant and unknown despatches find nothing.
    let path = format!("/v1/orders/{id}/despatches/D-N1/delivery-note.pdf");
    let (status, content_type, bytes) = download(&stack, stack.request(Method::GET, &path, &warehouse)).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert_eq!(bytes, pdf, "the archived copy");
    assert_eq!(stack.get(&path, &stack.tenant.key).await.status, 403, "webshop keys hold the T16, not the note");
    let other = stack.new_tenant().await;
    let other_warehouse = stack.key_with_role(&other.id, Role::Warehouse).await;
    assert_eq!(stack.get(&path, &other_warehouse).await.status, 404);
    let unknown = format!("/v1/orders/{id}/despatches/D-404/delivery-note.pdf");
    assert_eq!(stack.get(&unknown, &warehouse).await.status, 404);

    // A despatch the shipment stage has not taken yet: the download makes and archives its note, and the stage then
    // attaches those same bytes.
    let second =
        despatch(&stack, &id, &warehouse, json!({"despatch_number": "D-N2", "lines": [{"line_no": 2, "quantity": 1}]}))
            .await;
    assert_eq!(second.status, 201, "{}", second.body);
    let early_path = format!("/v1/orders/{id}/despatches/D-N2/delivery-note.pdf");
    let (status, _, early) = download(&stack, stack.request(Method::GET, &early_path, &warehouse)).await;
    assert_eq!(status, 200);
    stack.deliver_all_but(&["InvoicingQueue"]).await;
    let emails = stack.emails_for(&id).await;
    let second_email = emails
        .iter()
        .find(|e| e.header("Message-ID").is_some_and(|m| m.contains("buyer_despatched.D-N2@")))
        .expect("the second despatch email");
    let leaves = mime_leaves(second_email.raw_data.as_bytes());
    let note = leaves.iter().find(|l| l.filename.as_deref() == Some("delivery-note-D-N2.pdf")).expect("its note");
    assert_eq!(note.bytes, early, "one note per despatch, whoever made it first");
    if let Some(text) = pdf_text(&early) {
        assert!(text.contains("D-N2") && !text.contains("D-N1"), "{text}");
    }

    // The buyer downloads their notes through the portal; the access is logged.
    let token = stack.portal_link_tokens(&id).await.pop().expect("a portal link in the buyer's emails");
    let session = stack.portal_session(&token).await;
    let portal_path = format!("/v1/portal/orders/{id}/despatches/D-N1/delivery-note.pdf");
    let (status, content_type, bytes) =
        download(&stack, stack.cookie_request(Method::GET, &portal_path, &session.cookie)).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert_eq!(bytes, pdf);
    let missing = format!("/v1/portal/orders/{id}/despatches/D-404/delivery-note.pdf");
    assert_eq!(download(&stack, stack.cookie_request(Method::GET, &missing, &session.cookie)).await.0, 404);
    let accesses = stack.get(&format!("/v1/orders/{id}"), &warehouse).await.body["buyer_access"].clone();
    assert_eq!(accesses[0]["last_what"], "Delivery note D-N1 downloaded", "{accesses}");
}
