//! AWS requests of one 5-line order's lifecycle (docs/architecture.md "Cost and speed budgets"), counted by the
//! emulator per `service.Action` (scripts/moto_server.py, `GET /_devstack/requests`) around each stage: intake,
//! confirmation, the despatch, shipment, invoicing and the document archive — the functions' own code against the emulator,
//! through the HTTP API and the real queues, as `make test` runs them.
//!
//! What the Lambda service does for the functions is counted apart: SQS polling by the event source mappings
//! (billed, but per poll, shared by up to 10 messages per batch) and DynamoDB stream reads (free for Lambda).
//!
//! Usage (with the emulator running, `ORDERS_TEST_ENDPOINT` set): `lifecycle-requests OUTPUT.json`

use std::collections::BTreeMap;

use orders_domain::ids::Role;
use orders_testkit::{emulator_endpoint, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// Budgets for the whole lifecycle, invoicing included.
const DYNAMODB_WRITE_BUDGET: u64 = 8;
const BILLABLE_BUDGET: u64 = 20;

const DYNAMODB_WRITES: [&str; 5] = ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"];
/// What the local runner does in the Lambda service's place.
const POLLING: [&str; 5] = [
    "sqs.ReceiveMessage",
    "sqs.DeleteMessageBatch",
    "sqs.DeleteMessage",
    "sqs.ChangeMessageVisibility",
    "sqs.GetQueueAttributes",
];

async fn counts(http: &reqwest::Client) -> BTreeMap<String, u64> {
    let url = format!("{}/_devstack/requests", emulator_endpoint());
    let response = http.get(&url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    response.json().await.unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

/// One stage's requests: the function's own, and the Lambda service's polling.
fn split(requests: &BTreeMap<String, u64>) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    requests.iter().map(|(k, v)| (k.clone(), *v)).partition(|(k, _)| {
        !POLLING.contains(&k.as_str()) && !k.starts_with("dynamodbstreams.") && !k.starts_with("unknown.")
    })
}

fn dynamodb_writes(requests: &BTreeMap<String, u64>) -> u64 {
    requests
        .iter()
        .filter(|(k, _)| k.strip_prefix("dynamodb.").is_some_and(|action| DYNAMODB_WRITES.contains(&action)))
        .map(|(_, v)| v)
        .sum()
}

/// Runs `stage` and returns its result with the requests the emulator served meanwhile.
async fn measured<T>(
    http: &reqwest::Client,
    stage: impl std::future::Future<Output = T>,
) -> (T, BTreeMap<String, u64>) {
    let before = counts(http).await;
    let result = stage.await;
    let after = counts(http).await;
    (result, delta(&before, &after))
}

/// A despatch's lines for everything `order` confirmed.
fn confirmed_lines(order: &Value) -> Vec<Value> {
    order["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["confirmed_quantity"] != "0")
        .map(|l| json!({"line_no": l["line_no"], "quantity": l["confirmed_quantity"]}))
        .collect()
}

#[tokio::main]
async fn main() {
    let output = std::env::args().nth(1).unwrap_or_else(|| "bench/results/requests.json".into());
    let http = reqwest::Client::new();
    let stack = TestStack::start().await;
    let tenant = stack.tenant.id.clone();
    let warehouse = stack.key_with_role(&tenant, Role::Warehouse).await;
    let body = json!({
        "order_number": "BENCH-1",
        "type": "purchase",
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "requested_delivery_date": orders_testkit::tomorrow(),
        "delivery_address": {"name": "Anna Svensson", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [
            {"sku": "SKU-1", "quantity": "1"}, {"sku": "SKU-2", "quantity": "2"}, {"sku": "SKU-3", "quantity": "1.5"},
            {"sku": "SKU-4", "quantity": "1"}, {"sku": "SKU-1", "quantity": "1"}
        ]
    });

    // A warm stack, as in steady state: one earlier order through every stage, so each function container has
    // read its signing keys (once per container, then every 5 minutes) and recorded its keys' use (at most
    // hourly per container) before the measured order; those per-container requests are not the order's.
    let mut warm_up = body.clone();
    warm_up["order_number"] = json!("BENCH-0");
    let warm = stack.post_json("/v1/orders", &warm_up).await;
    assert_eq!(warm.status, 201, "{}", warm.body);
    let warm_id = warm.body["id"].as_str().expect("order id").to_owned();
    stack.deliver_all().await;
    let warm_despatch = json!({"despatch_number": "D-0", "lines": confirmed_lines(&stack.order(&warm_id).await)});
    let answer = stack
        .request(Method::POST, &format!("/v1/orders/{warm_id}/despatches"), &warehouse)
        .json(&warm_despatch)
        .send()
        .await
        .map(|a| a.status().as_u16());
    assert_eq!(answer.unwrap_or_default(), 201, "warm-up despatch");
    stack.deliver_all().await;
    stack.deliver_all().await;
    stack.deliver_streams().await;

    let mut stages: Vec<(&str, BTreeMap<String, u64>)> = Vec::new();
    let (posted, requests) = measured(&http, stack.post_json("/v1/orders", &body)).await;
    stages.push(("intake: POST /v1/orders", requests));
    assert_eq!(posted.status, 201, "{}", posted.body);
    let id = posted.body["id"].as_str().expect("order id").to_owned();

    let (_, requests) = measured(&http, stack.deliver_all()).await;
    stages.push(("confirmation", requests));

    // What was confirmed (read outside the counted stages).
    let order = stack.order(&id).await;
    assert!(matches!(order["status"].as_str(), Some("accepted" | "accepted_with_changes")), "{order}");
    let lines = confirmed_lines(&order);

    let despatch =
        json!({"despatch_number": "D-1", "lines": lines, "carrier": "PostNord", "tracking_number": "00370712345"});
    let request = stack.request(Method::POST, &format!("/v1/orders/{id}/despatches"), &warehouse).json(&despatch);
    let (answer, requests) = measured(&http, request.send()).await;
    stages.push(("intake: POST /v1/orders/{id}/despatches", requests));
    let status = answer.map(|a| a.status().as_u16()).unwrap_or_default();
    assert_eq!(status, 201, "despatch");

    let (_, requests) = measured(&http, stack.deliver_all_but(&["InvoicingQueue"])).await;
    stages.push(("shipment", requests));
    assert_eq!(stack.order(&id).await["status"], "delivered");

    let (_, requests) = measured(&http, stack.deliver_all()).await;
    stages.push(("invoicing (UBL + PDF archived, emailed)", requests));
    assert_eq!(stack.order(&id).await["status"], "invoiced");

    let (archived, requests) = measured(&http, stack.deliver_streams()).await;
    stages.push(("archive (DynamoDB stream)", requests));
    assert_eq!(archived.received, 2, "an order response and a despatch advice");

    let mut report_stages = Vec::new();
    let (mut writes, mut billable, mut polling_total) = (0, 0, 0);
    for (name, requests) in &stages {
        let (own, polling) = split(requests);
        let own_total: u64 = own.values().sum();
        let stage_writes = dynamodb_writes(&own);
        writes += stage_writes;
        billable += own_total;
        let sqs_polling: u64 = polling.iter().filter(|(k, _)| k.starts_with("sqs.")).map(|(_, v)| v).sum();
        polling_total += sqs_polling;
        println!("{name:<42} {own_total:>3} requests, {stage_writes} DynamoDB writes  {own:?}");
        report_stages.push(json!({
            "stage": name,
            "requests": own,
            "billable": own_total,
            "dynamodb_writes": stage_writes,
            "lambda_service": polling,
        }));
    }
    println!("lifecycle: {billable} billable requests (budget {BILLABLE_BUDGET}), {writes} DynamoDB writes (budget {DYNAMODB_WRITE_BUDGET}); SQS polling by the event source mappings as run here: {polling_total}");
    let report = json!({
        "what": "AWS requests of one 5-line order (intake, confirmation, one despatch of everything, shipment, invoicing, archive), counted by the emulator, in a warm stack (after one order through every stage: each container's signing-key reads and hourly key-use records are per container, not per order)",
        "budget": {"dynamodb_writes": DYNAMODB_WRITE_BUDGET, "billable": BILLABLE_BUDGET},
        "totals": {"billable": billable, "dynamodb_writes": writes, "sqs_polling_as_run_here": polling_total},
        "within_budget": billable <= BILLABLE_BUDGET && writes <= DYNAMODB_WRITE_BUDGET,
        "stages": report_stages,
        "note": "SQS polling is billed per poll and shared by up to 10 messages of a batch (and long polls of empty queues are billed too); DynamoDB stream reads by Lambda are free.",
    });
    std::fs::write(&output, serde_json::to_string_pretty(&report).expect("json") + "\n")
        .unwrap_or_else(|e| panic!("write {output}: {e}"));
    println!("written to {output}");
}
