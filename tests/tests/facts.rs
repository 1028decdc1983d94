//! Order-line facts against the emulator (docs/decisions/0011-order-line-facts.md): an order's lines reach the
//! exports bucket as facts through the table's stream and the reporting function, once, even when a write fails
//! and the batch is retried; a cancellation later takes them back in a file of its own.

use orders_domain::ids::Role;
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;

/// Every data row of every facts file under `prefix`, in key order, each as its fields.
async fn fact_rows(stack: &TestStack, prefix: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for key in stack.exported_keys(prefix).await {
        let bytes = stack.exported_bytes(&key).await.unwrap_or_else(|| panic!("no {key}"));
        let text = String::from_utf8(bytes).expect("UTF-8");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("order_id,tenant,date,currency,customer_id,channel,sku,quantity,line_net,vat,cost,status"),
            "{key}"
        );
        rows.extend(lines.map(|line| line.split(',').map(str::to_owned).collect::<Vec<_>>()));
    }
    rows
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|_| panic!("{text:?} is not a decimal"))
}

#[tokio::test]
async fn an_orders_lines_become_facts_once_and_a_cancellation_takes_them_back() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.to_string();
    let posted = stack.post_json("/v1/orders", &order_body("WS-FACTS")).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let id = posted.body["id"].as_str().expect("id").to_owned();
    stack.deliver_all().await;
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "accepted");
    let day = &order["received_at"].as_str().expect("received_at")[..10];
    let prefix = format!("facts/tenant={tenant}/date={day}/");

    // The first attempt cannot write (S3 fails every try of the SDK): the whole batch is reported failed from its
    // first record and retried, and the retry writes the same key.
    let faults = stack.function_faults("ReportingFunction");
    let refused = faults
        .inject(json!({"service": "s3", "action": "PutObject", "kind": "error", "error": "internal", "times": 3}))
        .await;
    let delivered = stack.deliver_stream("ReportingFunction").await;
    assert_eq!(faults.struck(&refused).await, 3);
    assert!(delivered.failed > 0 && delivered.succeeded == delivered.failed, "{delivered:?}");
    let keys = stack.exported_keys(&prefix).await;
    assert_eq!(keys.len(), 1, "one file for the tenant's day: {keys:?}");

    let rows = fact_rows(&stack, &prefix).await;
    let lines = order["lines"].as_array().expect("lines");
    // One row per line, then the adjustment row: the order's VAT is rounded per rate (2 places), the lines' at 4.
    assert_eq!(rows.len(), lines.len() + 1, "{rows:?}");
    let adjustment = rows.last().expect("rows");
    assert_eq!((adjustment[6].as_str(), dec(&adjustment[7]), dec(&adjustment[8])), ("", Decimal::ZERO, Decimal::ZERO));
    for (row, line) in rows.iter().zip(lines) {
        assert_eq!(row.len(), 12, "{row:?}");
        assert_eq!((row[0].as_str(), row[1].as_str(), row[2].as_str()), (id.as_str(), tenant.as_str(), day));
        assert_eq!((row[3].as_str(), row[4].as_str()), ("EUR", "C-1"));
        assert_eq!(row[6], line["sku"].as_str().expect("sku"));
        assert_eq!(dec(&row[7]), dec(line["quantity"].as_str().expect("quantity")));
        assert_eq!(dec(&row[8]), dec(line["line_net"].as_str().expect("line_net")));
        assert_eq!(row[11], "received", "the status of the change that wrote it");
    }
    let net: Decimal = rows.iter().map(|r| dec(&r[8])).sum();
    let vat: Decimal = rows.iter().map(|r| dec(&r[9])).sum();
    assert_eq!(net, dec(order["totals"]["net"].as_str().expect("net")));
    assert_eq!(vat, dec(order["totals"]["vat"].as_str().expect("vat")));

    // Later changes that do not move the reports (answers, marks) write nothing.
    assert_eq!(stack.deliver_stream("ReportingFunction").await.received, 0);

    // A cancellation takes the lines back, in a file of its own: the day sums to nothing.
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let cancelled = Answer::from(
        stack
            .request(Method::POST, &format!("/v1/orders/{id}/cancellation"), &operator)
            .json(&json!({"reason": "changed their mind"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    stack.deliver_all().await;
    let delivered = stack.deliver_stream("ReportingFunction").await;
    assert_eq!(delivered.failed, 0, "{delivered:?}");
    assert_eq!(stack.exported_keys(&prefix).await.len(), 2);
    let rows = fact_rows(&stack, &prefix).await;
    assert_eq!(rows.len(), 2 * (lines.len() + 1), "{rows:?}");
    let taken_back: Vec<&Vec<String>> = rows.iter().filter(|r| r[11] == "cancelled").collect();
    assert_eq!(taken_back.len(), lines.len() + 1);
    assert!(taken_back[..lines.len()].iter().all(|r| dec(&r[7]) < Decimal::ZERO), "{taken_back:?}");
    for column in [7, 8, 9] {
        let sum: Decimal = rows.iter().map(|r| dec(&r[column])).sum();
        assert_eq!(sum, Decimal::ZERO, "column {column} sums to nothing once cancelled");
    }
}
