//! Order-line facts against the emulator (docs/decisions/0011-order-line-facts.md): an order's lines reach the
//! exports bucket as facts through the table's stream and the reporting function, once, even when a write fails
//! and the batch is retried; a cancellation later takes them back in a file of its own. The day's sales reports
//! are summed from those files: the next run of the day no longer counts the cancelled order.

use orders_domain::ids::{CustomerId, Role};
use orders_domain::reports::{Period, ReportName};
use orders_testkit::{order_body, strict_csv, Answer, TestStack};
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

/// Runs the sales reports of `day` and returns each one's CSV rows (the header first), by report.
async fn sales_reports(stack: &TestStack, day: &str) -> Vec<Vec<Vec<String>>> {
    let app = stack.stack.reporting().expect("reporting");
    let date = time::Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).expect("day");
    let wanted = [ReportName::SalesByDay, ReportName::SalesByCustomer, ReportName::SalesByProduct];
    let run = reporting::run_reports(&app, &stack.tenant.id, &Period::day(date), &wanted).await.expect("run");
    let mut reports = Vec::new();
    for report in &run.reports {
        let csv = report.files.iter().find(|f| f.format == "csv").expect("a CSV");
        reports.push(strict_csv(&stack.exported_bytes(&csv.key).await.expect("the CSV")));
    }
    reports
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
    // Each line's cost is the catalogue's cost price when it was priced (the demo's are in EUR) × its quantity;
    // the order's view (as webshops and buyers see it) never shows a cost.
    assert!(lines.iter().all(|line| line.get("unit_cost").is_none()), "{lines:?}");
    let catalogue = stack.stack.store().all_products(&stack.tenant.id).await.expect("catalogue");
    for row in &rows[..lines.len()] {
        let product = catalogue.iter().find(|p| p.sku.as_str() == row[6]).expect("a catalogue product");
        assert_eq!(dec(&row[10]), product.cost_price.expect("a demo cost price") * dec(&row[7]), "{row:?}");
    }
    assert_eq!(adjustment[10], "", "the adjustment row has no cost");
    let net: Decimal = rows.iter().map(|r| dec(&r[8])).sum();
    let vat: Decimal = rows.iter().map(|r| dec(&r[9])).sum();
    assert_eq!(net, dec(order["totals"]["net"].as_str().expect("net")));
    assert_eq!(vat, dec(order["totals"]["vat"].as_str().expect("vat")));

    // Later changes that do not move the reports (answers, marks) write nothing.
    assert_eq!(stack.deliver_stream("ReportingFunction").await.received, 0);

    // The day's sales reports are summed from the facts; customers and products named from the register and the
    // catalogue.
    let reports = sales_reports(&stack, day).await;
    let (days, customers, products) = (&reports[0], &reports[1], &reports[2]);
    assert_eq!(days[0].join(","), "date,currency,orders,quantity,net,vat,gross");
    assert_eq!(days.len(), 2, "{days:?}");
    assert_eq!((days[1][2].as_str(), dec(&days[1][4])), ("1", net));
    assert_eq!(dec(&days[1][5]), vat);
    let customer = stack
        .stack
        .store()
        .get_customer(&stack.tenant.id, &CustomerId::parse("C-1").expect("id"))
        .await
        .expect("read")
        .expect("C-1 in the register");
    assert_eq!(customers[1][..3], ["C-1".to_owned(), customer.name.clone(), "EUR".to_owned()], "{customers:?}");
    assert_eq!(products.len(), lines.len() + 1, "{products:?}");
    for row in &products[1..] {
        let product = catalogue.iter().find(|p| p.sku.as_str() == row[0]).expect("a catalogue product");
        assert_eq!((row[1].as_str(), row[3].as_str()), (product.name.as_str(), "1"), "{row:?}");
    }

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
    let cost: Decimal = rows.iter().filter(|r| !r[10].is_empty()).map(|r| dec(&r[10])).sum();
    assert_eq!(cost, Decimal::ZERO, "the cost is taken back too");

    // The next run of the day no longer counts it: no sales rows at all.
    let reports = sales_reports(&stack, day).await;
    assert!(reports.iter().all(|rows| rows.len() == 1), "headers only: {reports:?}");
}
