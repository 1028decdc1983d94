//! Reports against the emulator: a day of orders through the pipeline becomes the sales-by-day export of each
//! tenant, with figures equal to a recomputation from the orders and a manifest that matches the files.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use orders_testkit::{order_body, TestStack};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::Digest;

fn dec(value: &Value) -> Decimal {
    value.as_str().expect("decimal string").parse().expect("decimal")
}

#[tokio::test]
async fn a_days_orders_become_the_sales_export_with_a_manifest() {
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let mut ids = Vec::new();
    for n in 0..3 {
        let mut body = order_body(&format!("WS-REP-{n}"));
        if n == 1 {
            body["buyer"] = json!({"name": "=HYPERLINK(\"x\")", "email": "formula@example.com"});
        }
        if n == 2 {
            body["lines"] = json!([{"sku": "SKU-5", "quantity": "1"}]); // nothing in stock: rejected, not a sale
        }
        ids.push(stack.post_json("/v1/orders", &body).await.body["id"].as_str().expect("id").to_owned());
    }
    stack.deliver_all().await;
    let orders: Vec<Value> = futures::future::join_all(ids.iter().map(|id| stack.order(id))).await;
    assert_eq!(orders[2]["status"], "rejected", "{}", orders[2]);

    // An independent recomputation from the orders as the API shows them.
    let sales: Vec<&Value> = orders.iter().filter(|o| o["status"] != "rejected").collect();
    let quantity: Decimal =
        sales.iter().flat_map(|o| o["lines"].as_array().expect("lines")).map(|l| dec(&l["quantity"])).sum();
    let net: Decimal = sales
        .iter()
        .map(|o| dec(&o["totals"]["net"]) - dec(&o["totals"]["allowances"]) + dec(&o["totals"]["charges"]))
        .sum();
    let vat: Decimal = sales.iter().map(|o| dec(&o["totals"]["vat"])).sum();
    let gross: Decimal = sales.iter().map(|o| dec(&o["totals"]["gross"])).sum();

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let mut event = EventBridgeEvent::<reporting::ReportRun>::default();
    event.detail = reporting::ReportRun { tenant: Some(tenant.to_string()), date: Some(today.clone()) };
    let app = stack.stack.reporting().expect("reporting");
    let summary = reporting::handle(&app, event).await.expect("report run");
    let prefix = format!("tenant={tenant}/report=sales_by_day/date={today}/");
    assert_eq!(summary.manifests.len(), 4, "{:?}", summary.manifests);
    assert_eq!(summary.manifests[0], format!("{prefix}manifest.json"));

    let exports = stack.stack.reference("ExportsBucket").expect("exports bucket").to_owned();
    let read = |key: String| {
        let s3 = stack.stack.aws.s3.clone();
        let bucket = exports.clone();
        async move {
            let object =
                s3.get_object().bucket(bucket).key(&key).send().await.unwrap_or_else(|e| panic!("{key}: {e:?}"));
            object.body.collect().await.expect("body").into_bytes().to_vec()
        }
    };
    let csv = read(format!("{prefix}sales_by_day.csv")).await;
    let text = String::from_utf8(csv.clone()).expect("UTF-8");
    let expected = format!(
        "date,currency,orders,quantity,net,vat,gross\r\n{today},EUR,2,{},{net},{vat},{gross}\r\n",
        quantity.normalize()
    );
    assert_eq!(text, expected);

    let manifest: Value = serde_json::from_slice(&read(format!("{prefix}manifest.json")).await).expect("manifest");
    assert_eq!(manifest["files"][0]["rows"], 1);
    assert_eq!(manifest["files"][0]["bytes"], csv.len());
    assert_eq!(manifest["files"][0]["sha256"], hex::encode(sha2::Sha256::digest(&csv)));

    // By customer: the buyer named like a formula is neutralised, the file is strict RFC 4180, nets add up.
    let customers = read(format!("tenant={tenant}/report=sales_by_customer/date={today}/sales_by_customer.csv")).await;
    let customers = String::from_utf8(customers).expect("UTF-8");
    assert!(customers.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{customers}");
    let parsed = std::process::Command::new("python3")
        .arg("-c")
        .arg("import csv, sys, json; print(json.dumps(list(csv.reader(open(sys.argv[1], newline=''), strict=True))))")
        .arg({
            let path = std::env::temp_dir().join(format!("{}.csv", orders_testkit::unique("customers-")));
            std::fs::write(&path, &customers).expect("write");
            path
        })
        .output()
        .expect("python3");
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
    let rows: Vec<Vec<String>> = serde_json::from_slice(&parsed.stdout).expect("rows");
    assert_eq!(rows[0], ["customer_id", "name", "currency", "orders", "quantity", "net", "vat", "gross"]);
    assert_eq!(rows.len(), 3, "a header and two customers: {rows:?}");
    assert!(rows.iter().any(|r| r[1] == "'=HYPERLINK(\"x\")"));
    let customer_net: Decimal = rows[1..].iter().map(|r| r[5].parse::<Decimal>().expect("net")).sum();
    assert_eq!(customer_net, net);

    // A scheduled run (no detail) covers every tenant for yesterday: this tenant's export exists for that day.
    let yesterday = time::OffsetDateTime::now_utc().date().previous_day().expect("yesterday").to_string();
    let summary = reporting::handle(&app, EventBridgeEvent::default()).await.expect("scheduled run");
    assert_eq!(summary.date, yesterday);
    assert!(summary.manifests.contains(&format!("tenant={tenant}/report=sales_by_day/date={yesterday}/manifest.json")));
}
