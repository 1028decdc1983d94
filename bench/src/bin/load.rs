//! `make bench-load`: N webshops (one tenant and key each) post 5-line orders to the local stack as fast as it
//! answers, for a fixed time — orders/s, latency p50/p99, errors — beside the emulator's own `PutItem` ceiling
//! measured in the same run with the same concurrency, and the AWS requests each order made. The stack is the
//! functions' own code (release build) behind the local HTTP API, against moto.
//!
//! Usage (with the emulator running, `ORDERS_TEST_ENDPOINT` set): `load OUTPUT.json [WEBSHOPS] [SECONDS]`

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use orders_testkit::{emulator_endpoint, TestStack};
use serde_json::json;

/// Orders/s must reach at least this share of the emulator's `PutItem`/s.
const BUDGET_SHARE_OF_PUT_CEILING: f64 = 0.5;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn emulator_figures<T: serde::de::DeserializeOwned>(http: &reqwest::Client, what: &str) -> Result<T, String> {
    let url = format!("{}/_devstack/{what}", emulator_endpoint());
    let response = http.get(&url).send().await.map_err(|e| format!("{url}: {e}"))?;
    response.json().await.map_err(|e| format!("{url}: {e}"))
}

/// `PutItem`s of small items by `workers` concurrent writers for `seconds`: the emulator's write ceiling.
async fn put_ceiling(stack: &TestStack, workers: usize, seconds: u64) -> (f64, f64) {
    let client = stack.stack.function_aws("IntakeFunction").dynamodb;
    let table = stack.stack.table_name().to_owned();
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (client, table, done) = (client.clone(), table.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0_u64;
            while Instant::now() < until {
                let at = Instant::now();
                let item =
                    [("PK", format!("LOAD#{worker}")), ("SK", format!("{n:012}")), ("entity", "load_probe".to_owned())]
                        .map(|(k, v)| (k.to_owned(), orders_aws::aws_sdk_dynamodb::types::AttributeValue::S(v)));
                if client.put_item().table_name(&table).set_item(Some(item.into())).send().await.is_ok() {
                    done.fetch_add(1, Ordering::Relaxed);
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                }
                n += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    latencies.sort_by(f64::total_cmp);
    (done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64(), percentile(&latencies, 50.0))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let output = args.first().cloned().unwrap_or_else(|| "bench/results/load.json".into());
    let webshops: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(8);
    let seconds: u64 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20);
    let provenance = bench::provenance();
    let stack = Arc::new(TestStack::start().await);
    let mut keys = vec![stack.tenant.key.clone()];
    while keys.len() < webshops {
        keys.push(stack.new_tenant().await.key);
    }
    // One order per webshop first: every key's and tenant's first use is behind us (as in a running stack).
    for (shop, key) in keys.iter().enumerate() {
        let answer = stack
            .request(reqwest::Method::POST, "/v1/orders", key)
            .json(&bench::five_line_order(&format!("WARM-{shop}")))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if answer.status().as_u16() != 201 {
            return Err(format!("warm-up order of webshop {shop}: {}", answer.status()));
        }
    }

    let (puts_per_second, put_p50_ms) = put_ceiling(&stack, webshops, seconds).await;
    println!("emulator PutItem ceiling: {puts_per_second:.0}/s with {webshops} writers (p50 {put_p50_ms:.1} ms)");

    let http = reqwest::Client::new();
    let before: BTreeMap<String, u64> = emulator_figures(&http, "requests").await?;
    let seconds_before: BTreeMap<String, f64> = emulator_figures(&http, "seconds").await?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (shop, key) in keys.into_iter().enumerate() {
        let stack = stack.clone();
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut statuses) = (Vec::new(), BTreeMap::<u16, u64>::new());
            let mut n = 0_u64;
            while Instant::now() < until {
                let at = Instant::now();
                let sent = stack
                    .request(reqwest::Method::POST, "/v1/orders", &key)
                    .json(&bench::five_line_order(&format!("LOAD-{shop}-{n}")))
                    .send()
                    .await;
                let status = sent.map(|r| r.status().as_u16()).unwrap_or(0);
                latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                *statuses.entry(status).or_default() += 1;
                n += 1;
            }
            (latencies, statuses)
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::<u16, u64>::new();
    for task in tasks {
        let (l, s) = task.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        for (status, count) in s {
            *statuses.entry(status).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after: BTreeMap<String, u64> = emulator_figures(&http, "requests").await?;
    let seconds_after: BTreeMap<String, f64> = emulator_figures(&http, "seconds").await?;
    latencies.sort_by(f64::total_cmp);
    let created = statuses.get(&201).copied().unwrap_or(0);
    let errors: u64 = statuses.iter().filter(|(s, _)| **s != 201).map(|(_, c)| c).sum();
    let orders_per_second = created as f64 / elapsed;
    let aws_requests: u64 = after
        .iter()
        .filter(|(action, _)| !action.starts_with("sqs.ReceiveMessage") && !action.starts_with("dynamodbstreams."))
        .map(|(action, count)| count - before.get(action).copied().unwrap_or(0))
        .sum();
    let per_order = if created > 0 { aws_requests as f64 / created as f64 } else { 0.0 };
    let (p50, p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));
    let share = orders_per_second / puts_per_second;
    // The emulator's own time per order (what it spent answering the requests of the run, per order), and our
    // code's: the mean latency less that (the calls of one order are sequential, and with one webshop nothing
    // waits for the emulator's lock; with more, waiting for it is counted as ours).
    let emulator_seconds: f64 = seconds_after
        .iter()
        .filter(|(action, _)| !action.starts_with("sqs.ReceiveMessage") && !action.starts_with("dynamodbstreams."))
        .map(|(action, s)| s - seconds_before.get(action).copied().unwrap_or(0.0))
        .sum();
    let emulator_ms_per_order = if created > 0 { emulator_seconds * 1000.0 / created as f64 } else { 0.0 };
    let mean = latencies.iter().sum::<f64>() / latencies.len().max(1) as f64;
    let own_ms = mean - emulator_ms_per_order;
    println!(
        "orders: {orders_per_second:.0}/s ({share:.2}x the PutItem ceiling), p50 {p50:.1} ms, p99 {p99:.1} ms, {errors} errors, {per_order:.1} AWS requests per order; per order the emulator spent {emulator_ms_per_order:.1} ms, the rest {own_ms:.1} ms"
    );
    let report = json!({
        "commit": provenance["commit"],
        "rustc": provenance["rustc"],
        "what": "N webshops (a tenant and key each) posting 5-line orders concurrently to the local stack (release build of the functions' code behind the local HTTP API, moto behind it) for a fixed time, beside moto's PutItem ceiling with as many concurrent writers; moto serialises DynamoDB calls, so both are figures of this machine's emulator, not of AWS",
        "webshops": webshops,
        "seconds": seconds,
        "emulator_put_item_per_second": puts_per_second.round(),
        "emulator_put_item_p50_ms": (put_p50_ms * 100.0).round() / 100.0,
        "orders_per_second": orders_per_second.round(),
        "share_of_put_item_ceiling": (share * 100.0).round() / 100.0,
        "latency_ms": {"p50": (p50 * 10.0).round() / 10.0, "p99": (p99 * 10.0).round() / 10.0},
        "statuses": statuses,
        "errors": errors,
        "aws_requests_per_order": (per_order * 10.0).round() / 10.0,
        "latency_mean_ms": (mean * 10.0).round() / 10.0,
        "emulator_ms_per_order": (emulator_ms_per_order * 10.0).round() / 10.0,
        "own_ms_per_order": (own_ms * 10.0).round() / 10.0,
        "budget": {"share_of_put_item_ceiling": BUDGET_SHARE_OF_PUT_CEILING},
        "within_budget": share >= BUDGET_SHARE_OF_PUT_CEILING && errors == 0,
    });
    std::fs::write(&output, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n")
        .map_err(|e| format!("write {output}: {e}"))?;
    println!("written to {output}");
    Ok(())
}
