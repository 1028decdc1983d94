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
const BILLABLE_BUDGET: u64 = 22;

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

/// DynamoDB write and read request units so far, summed over actions (scripts/devstack_capacity.py).
async fn capacity(http: &reqwest::Client) -> (f64, f64) {
    let url = format!("{}/_devstack/capacity", emulator_endpoint());
    let response = http.get(&url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let by_action: BTreeMap<String, Value> = response.json().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    // A request the emulator could not price would leave the figures short.
    assert!(!by_action.contains_key("dynamodb.unaccounted"), "requests the emulator could not price: {by_action:?}");
    by_action.values().fold((0.0, 0.0), |(w, r), v| {
        (w + v["wru"].as_f64().unwrap_or_default(), r + v["rru"].as_f64().unwrap_or_default())
    })
}

/// One stage as measured: its requests, capacity units and wall time.
struct Stage {
    requests: BTreeMap<String, u64>,
    wru: f64,
    rru: f64,
    seconds: f64,
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

/// Runs `stage` and returns its result with the requests the emulator served meanwhile, the DynamoDB capacity
/// they consumed and the stage's wall time (an upper bound of the functions' durations: moto answers slower than
/// AWS, and the local runner's own work is in it).
async fn measured<T>(http: &reqwest::Client, stage: impl std::future::Future<Output = T>) -> (T, Stage) {
    let before = counts(http).await;
    let (wru_before, rru_before) = capacity(http).await;
    let started = std::time::Instant::now();
    let result = stage.await;
    let seconds = started.elapsed().as_secs_f64();
    let after = counts(http).await;
    let (wru_after, rru_after) = capacity(http).await;
    let stage =
        Stage { requests: delta(&before, &after), wru: wru_after - wru_before, rru: rru_after - rru_before, seconds };
    (result, stage)
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
    let body = bench::five_line_order("BENCH-1");

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

    let mut stages: Vec<(&str, Stage)> = Vec::new();
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
    stages.push(("invoicing (PDF archived; UBL + PDF emailed)", requests));
    assert_eq!(stack.order(&id).await["status"], "invoiced");

    // The order's documents, in one bundle per tenant and batch (decision 0014): here the batch holds this order's
    // three documents alone; at load a bundle (up to 1,000 records or 60 s) holds many orders' documents.
    let (archived, requests) = measured(&http, stack.deliver_stream("ArchiveFunction")).await;
    stages.push(("archive (DynamoDB stream, one bundle per tenant and batch)", requests));
    assert_eq!(archived.received, 3, "an order response, a despatch advice and the invoice's UBL");

    // The order-line facts of the order's changes: here one batch holds this order alone, so its one S3 object is
    // all this order's; at load a batch (up to 1,000 records or 60 s) shares it among its orders.
    let (facts, requests) = measured(&http, stack.deliver_stream("ReportingFunction")).await;
    stages.push(("facts (DynamoDB stream, one object per batch)", requests));
    assert_eq!(facts.failed, 0, "{facts:?}");

    // Webhooks (decision 0017): the order's changes read by the webhooks function. This tenant has no endpoints, as
    // most have none; the function read the tenant's (empty) endpoint list during the warm-up and keeps it 30 s, so
    // at steady state that read is one per tenant and 30 s per container, not one per order.
    let (hooked, requests) = measured(&http, stack.deliver_stream("WebhooksFunction")).await;
    stages.push(("webhooks (DynamoDB stream; a tenant without endpoints)", requests));
    assert_eq!(hooked.failed, 0, "{hooked:?}");

    // What each stage is on AWS: the function it runs in, and how it is triggered (an API Gateway request and one
    // invocation; an SQS message, received, deleted and invoked in batches of 10; a stream record, in batches of
    // 25 with free stream reads).
    let platform = [
        ("IntakeFunction", "http"),
        ("ConfirmationFunction", "sqs"),
        ("IntakeFunction", "http"),
        ("ShipmentFunction", "sqs"),
        ("InvoicingFunction", "sqs"),
        ("ArchiveFunction", "stream"),
        ("ReportingFunction", "stream"),
        ("WebhooksFunction", "stream"),
    ];
    let mut report_stages = Vec::new();
    let (mut writes, mut billable, mut polling_total) = (0, 0, 0);
    let (mut wru_total, mut rru_total) = (0.0, 0.0);
    let mut unknown = Vec::new();
    for ((name, stage), (function, trigger)) in stages.iter().zip(platform) {
        let (own, polling) = split(&stage.requests);
        unknown.extend(stage.requests.keys().filter(|k| k.starts_with("unknown.")).cloned());
        let own_total: u64 = own.values().sum();
        let stage_writes = dynamodb_writes(&own);
        writes += stage_writes;
        billable += own_total;
        wru_total += stage.wru;
        rru_total += stage.rru;
        let sqs_polling: u64 = polling.iter().filter(|(k, _)| k.starts_with("sqs.")).map(|(_, v)| v).sum();
        polling_total += sqs_polling;
        let platform_requests = match trigger {
            "http" => json!({"apigateway.requests": 1.0, "lambda.invocations": 1.0}),
            "sqs" => json!({"sqs.ReceiveMessage": 0.1, "sqs.DeleteMessageBatch": 0.1, "lambda.invocations": 0.1}),
            _ => json!({"lambda.invocations": 0.04}),
        };
        println!(
            "{name:<42} {own_total:>3} requests, {stage_writes} DynamoDB writes, {:.0} WRU, {:.1} RRU, {:.0} ms  {own:?}",
            stage.wru,
            stage.rru,
            stage.seconds * 1000.0
        );
        report_stages.push(json!({
            "stage": name,
            "function": function,
            "requests": own,
            "billable": own_total,
            "dynamodb_writes": stage_writes,
            "dynamodb_wru": stage.wru,
            "dynamodb_rru": stage.rru,
            "duration_ms_upper_bound": (stage.seconds * 1000.0).round(),
            "platform_per_order": platform_requests,
            "lambda_service_as_run_here": polling,
        }));
    }
    println!("lifecycle: {billable} billable requests (budget {BILLABLE_BUDGET}), {writes} DynamoDB writes (budget {DYNAMODB_WRITE_BUDGET}), {wru_total:.0} WRU, {rru_total:.1} RRU; SQS polling by the event source mappings as run here: {polling_total}");
    let provenance = bench::provenance();
    let report = json!({
        "commit": provenance["commit"],
        "rustc": provenance["rustc"],
        "what": "AWS requests of one 5-line order (intake, confirmation, one despatch of everything, shipment, invoicing, archive, facts), counted by the emulator, in a warm stack (after one order through every stage: each container's signing-key reads, hourly key-use records and tenant settings copies are per container, not per order); DynamoDB write/read request units from the items' real sizes (scripts/devstack_capacity.py: transactional writes twice, every index entry written, reads by 4 KB)",
        "budget": {"dynamodb_writes": DYNAMODB_WRITE_BUDGET, "billable": BILLABLE_BUDGET},
        "totals": {"billable": billable, "dynamodb_writes": writes, "dynamodb_wru": wru_total, "dynamodb_rru": rru_total, "sqs_polling_as_run_here": polling_total},
        "within_budget": billable <= BILLABLE_BUDGET && writes <= DYNAMODB_WRITE_BUDGET,
        "stages": report_stages,
        "note": "platform_per_order is what AWS adds per order at steady state: an API Gateway request and an invocation per HTTP stage; per SQS message 1/10 of a ReceiveMessage, a DeleteMessageBatch and an invocation (batches of 10); per stream record 1/25 of an invocation (stream reads are free for Lambda). duration_ms_upper_bound is the stage's wall time here (moto is slower than AWS, the local runner's own work is in it); GB-seconds follow with the function's MemorySize.",
    });
    std::fs::write(&output, serde_json::to_string_pretty(&report).expect("json") + "\n")
        .unwrap_or_else(|e| panic!("write {output}: {e}"));
    println!("written to {output}");
    assert!(unknown.is_empty(), "requests the emulator could not name: {unknown:?}");
}
