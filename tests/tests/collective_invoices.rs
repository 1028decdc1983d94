//! One invoice of several despatches of a customer (docs/decisions/0020-collective-invoices.md) against the
//! emulator: a tenant that collects despatches gets no invoice from the pipeline; staff bill three despatches of
//! two orders in one invoice (valid Peppol UBL, BT-13 left out, each line naming its order), every order ends
//! invoiced in the same transaction, the request sent again gets the same invoice, a despatch is never billed
//! twice, a refused request writes nothing, and a credit note corrects one order of it.

use orders_domain::ids::Role;
use orders_testkit::{mime_leaves, openapi_spec as spec, order_body, pdf_text, Answer, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

async fn post(stack: &TestStack, path: &str, key: &str, body: &Value, idempotency_key: Option<&str>) -> Answer {
    let mut request = stack.request(Method::POST, path, key).json(body);
    if let Some(idempotency_key) = idempotency_key {
        request = request.header("Idempotency-Key", idempotency_key);
    }
    Answer::from(request.send().await).await
}

async fn xml(stack: &TestStack, path: &str, key: &str) -> String {
    let response = stack.request(Method::GET, path, key).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.text().await.expect("body")
}

/// A stack whose tenant collects despatches (`invoice_trigger: collected`), and an operator key of it.
async fn collecting_stack() -> (TestStack, String) {
    let stack = TestStack::start().await;
    let store = stack.stack.store();
    let mut settings = store.get_tenant(&stack.tenant.id).await.expect("read").expect("tenant");
    settings.invoice_trigger = orders_domain::tenant::InvoiceTrigger::Collected;
    store.put_tenant(&settings).await.expect("write");
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    (stack, operator)
}

#[tokio::test]
async fn staff_bill_three_despatches_of_two_orders_in_one_invoice_once() {
    let (stack, operator) = collecting_stack().await;
    let mut ids = Vec::new();
    for number in ["WS-COLL-1", "WS-COLL-2"] {
        ids.push(stack.post_json("/v1/orders", &order_body(number)).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.deliver_all().await;
    let (first, second) = (&ids[0], &ids[1]);
    stack.despatch(first, &json!({"despatch_number": "D-C1A", "lines": [{"line_no": 1, "quantity": 2}]})).await;
    stack.deliver_all().await;
    stack.despatch(first, &json!({"despatch_number": "D-C1B", "lines": [{"line_no": 2, "quantity": "1.5"}]})).await;
    let both_lines = json!([{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]);
    stack.despatch(second, &json!({"despatch_number": "D-C2", "lines": both_lines})).await;
    stack.deliver_all().await;
    stack.deliver_all().await;
    for id in &ids {
        let order = stack.order(id).await;
        assert_eq!(
            (order["status"].as_str(), &order["invoices"]),
            (Some("delivered"), &json!([])),
            "collected: no invoice yet"
        );
    }

    let path = "/v1/customers/C-1/invoices";
    let despatches = |numbers: &[(&str, &str)]| json!({"despatches": numbers.iter().map(|(id, n)| json!({"order_id": id, "despatch_number": n})).collect::<Vec<_>>()});
    let body = despatches(&[(first, "D-C1A"), (first, "D-C1B"), (second, "D-C2")]);
    // Refused, and nothing written: no key, a despatch the order does not have, another customer, another role.
    assert_eq!(post(&stack, path, &operator, &body, None).await.status, 428);
    let unknown =
        post(&stack, path, &operator, &despatches(&[(first, "D-C1A"), (second, "D-NONE")]), Some("coll-x")).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body["detail"].as_str().is_some_and(|d| d.contains("D-NONE")), "{}", unknown.body);
    let other_customer = post(&stack, "/v1/customers/C-2/invoices", &operator, &body, Some("coll-y")).await;
    assert_eq!(other_customer.status, 422, "{}", other_customer.body);
    assert_eq!(other_customer.body["errors"][0]["pointer"], "/despatches/0/order_id", "{}", other_customer.body);
    let no_customer = post(&stack, "/v1/customers/C-NONE/invoices", &operator, &body, Some("coll-w")).await;
    assert_eq!(no_customer.status, 404, "{}", no_customer.body);
    assert_eq!(post(&stack, path, &stack.tenant.key, &body, Some("coll-z")).await.status, 403);
    for id in &ids {
        assert_eq!(stack.order(id).await["invoices"], json!([]), "a refused request writes nothing");
    }

    let issued = post(&stack, path, &operator, &body, Some("coll-1")).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    orders_testkit::assert_conforms(&spec(), "/v1/customers/{id}/invoices", "post", 201, &issued.body);
    let invoice = &issued.body;
    let number = invoice["number"].as_str().expect("number").to_owned();
    assert_eq!(invoice["order_number"], "WS-COLL-1, WS-COLL-2");
    assert!(invoice.get("despatch_number").is_none(), "several despatches: no BT-16");
    assert_eq!(invoice["orders"][0]["despatch_numbers"], json!(["D-C1A", "D-C1B"]));
    assert_eq!(invoice["orders"][1]["order_id"], second.as_str());
    let lines = invoice["lines"].as_array().expect("lines");
    let billed: Vec<(u64, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["line_id"].as_u64().unwrap_or_default(),
                l["order"]["order_number"].as_str().unwrap_or_default(),
                l["quantity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        billed,
        [(1, "WS-COLL-1", "2"), (2, "WS-COLL-1", "1.5"), (3, "WS-COLL-2", "2"), (4, "WS-COLL-2", "1.5")]
    );
    // Every order invoiced in the invoice's transaction, each with its link and history entry.
    for id in &ids {
        let order = stack.order(id).await;
        assert_eq!(order["status"], "invoiced", "{id}");
        assert_eq!(order["invoices"][0]["number"], number.as_str());
        assert!(order["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["detail"].as_str().is_some_and(|d| d.starts_with("Collective invoice of despatch(es)"))));
    }

    // The same request again: the same invoice; a new request for a despatch billed: refused.
    let replayed = post(&stack, path, &operator, &body, Some("coll-1")).await;
    assert_eq!((replayed.status, replayed.body["number"].as_str()), (201, Some(number.as_str())));
    assert_eq!(replayed.headers.get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let reused = post(&stack, path, &operator, &despatches(&[(second, "D-C2")]), Some("coll-1")).await;
    assert_eq!(reused.status, 422, "another body with a used key: {}", reused.body);
    let twice = post(&stack, path, &operator, &despatches(&[(second, "D-C2")]), Some("coll-2")).await;
    assert_eq!(twice.status, 409, "{}", twice.body);
    let listed = stack.get("/v1/invoices", &operator).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1), "one invoice: {}", listed.body);

    // A credit note corrects one order of it; lines of both orders at once are refused.
    let credit_path = format!("/v1/invoices/{number}/credit-notes");
    let both = post(
        &stack,
        &credit_path,
        &operator,
        &json!({"reason": "x", "lines": [{"line_id": 1, "quantity": 1}, {"line_id": 3, "quantity": 1}]}),
        Some("cn-0"),
    )
    .await;
    assert_eq!(both.status, 409, "{}", both.body);
    assert_eq!(post(&stack, &credit_path, &operator, &json!({"reason": "x"}), Some("cn-1")).await.status, 409);
    let credited = post(
        &stack,
        &credit_path,
        &operator,
        &json!({"reason": "Damaged", "lines": [{"line_id": 4, "quantity": 1}]}),
        Some("cn-2"),
    )
    .await;
    assert_eq!(credited.status, 201, "{}", credited.body);
    assert_eq!(credited.body["order_id"], second.as_str());
    let credit_number = credited.body["number"].as_str().expect("number").to_owned();
    let second_order = stack.order(second).await;
    assert_eq!(
        (second_order["status"].as_str(), second_order["lines"][1]["invoiced_quantity"].as_str()),
        (Some("partially_invoiced"), Some("0.5"))
    );
    assert_eq!(stack.order(first).await["status"], "invoiced", "the first order is untouched");

    // The documents: valid Peppol UBL; no BT-13, each line's order noted.
    let invoice_xml = xml(&stack, &format!("/v1/invoices/{number}/invoice.xml"), &operator).await;
    assert!(!invoice_xml.contains("<cac:OrderReference>"), "{invoice_xml}");
    assert!(invoice_xml.contains("<cbc:Note>Order WS-COLL-2</cbc:Note>"));
    assert!(
        invoice_xml.contains("<cbc:Note>Despatches D-C1A, D-C1B (order WS-COLL-1); D-C2 (order WS-COLL-2)</cbc:Note>")
    );
    let credit_xml = xml(&stack, &format!("/v1/credit-notes/{credit_number}/credit-note.xml"), &operator).await;
    let documents =
        vec![("collective-invoice".to_owned(), invoice_xml), ("collective-credit-note".to_owned(), credit_xml)];
    if let Some(results) = orders_testkit::validate_peppol(&documents) {
        for result in &results {
            assert_eq!(result["ok"], true, "{result}");
        }
    }
    // The PDF leads each line with its order's number.
    let pdf = stack.request(Method::GET, &format!("/v1/invoices/{number}/invoice.pdf"), &operator).send().await;
    let pdf = pdf.expect("GET").bytes().await.expect("PDF");
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("WS-COLL-1 · ") && text.contains("WS-COLL-2 · "), "{text}");
    }
    // The buyer got the invoice once, with both files, through the first order.
    let emails = stack.emails_for(first).await;
    let sent: Vec<_> = emails.iter().filter(|e| e.header("Message-ID").is_some_and(|m| m.contains(&number))).collect();
    assert_eq!(sent.len(), 1);
    let files: Vec<_> = mime_leaves(sent[0].raw_data.as_bytes()).iter().filter_map(|l| l.filename.clone()).collect();
    assert_eq!(files, [format!("{number}.pdf"), format!("{number}.xml")]);
}

#[tokio::test]
async fn two_requests_racing_for_the_same_despatch_bill_it_once() {
    let (stack, operator) = collecting_stack().await;
    let id = stack.post_json("/v1/orders", &order_body("WS-RACE-1")).await.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let lines = json!([{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]);
    stack.despatch(&id, &json!({"despatch_number": "D-RACE", "lines": lines})).await;
    stack.deliver_all().await;
    let body = json!({"despatches": [{"order_id": id, "despatch_number": "D-RACE"}]});
    let path = "/v1/customers/C-1/invoices";
    let (a, b) = tokio::join!(
        post(&stack, path, &operator, &body, Some("race-a")),
        post(&stack, path, &operator, &body, Some("race-b"))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} {}", a.body, b.body);
    let order = stack.order(&id).await;
    assert_eq!(order["invoices"].as_array().map(Vec::len), Some(1), "billed once: {}", order["invoices"]);
    assert_eq!(order["lines"][1]["invoiced_quantity"], "1.5");
    let listed = stack.get("/v1/invoices", &operator).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1), "{}", listed.body);
}
