//! Time to first response: how long each function's release bootstrap takes from process start to answering its
//! first event — init, the event's own AWS calls against the local emulator, and its answer — on a mock Lambda
//! Runtime API, beside `hello-sdk`, a bare `lambda_runtime` function that makes one SDK call (medians of
//! interleaved runs). The events are the representative ones of `events/<function>/` (the order number of
//! `intake/post-order.json` made unique per run), plus a real `order.received` for confirmation, a schedule for
//! the relay and `GET /console` for the console.
//!
//! Usage (with the emulator running, `ORDERS_TEST_ENDPOINT` set):
//! `first-response RUNS OUTPUT.json hello-sdk=PATH name=PATH …`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use orders_testkit::TestStack;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One HTTP request the bootstrap made to the mock Runtime API.
struct RuntimeRequest {
    line: String,
    body: Vec<u8>,
}

async fn read_request(socket: &mut TcpStream) -> Result<RuntimeRequest, String> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let header_end = loop {
        let read = socket.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("connection closed before a request".into());
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let read = socket.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(RuntimeRequest { line: head.lines().next().unwrap_or_default().to_owned(), body: buffer[header_end..].to_vec() })
}

async fn answer(socket: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) -> Result<(), String> {
    let mut response = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    socket.write_all(response.as_bytes()).await.map_err(|e| e.to_string())?;
    socket.write_all(body).await.map_err(|e| e.to_string())?;
    socket.flush().await.map_err(|e| e.to_string())
}

/// What one run measured: milliseconds to the answer, and the answer.
struct Measured {
    ms: f64,
    outcome: String,
}

/// Spawns `binary`, hands it `event` on its first `GET …/next`, and times its answer.
async fn measure(
    binary: &str,
    function: &str,
    env: &BTreeMap<String, String>,
    event: &Value,
) -> Result<Measured, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut command = bench::lambda_command(binary, function, env, address);
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("spawn {binary}: {e}"))?;
    let served = tokio::time::timeout(Duration::from_secs(60), async {
        let mut handed = false;
        loop {
            let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let request = read_request(&mut socket).await?;
            if request.line.starts_with("GET /2018-06-01/runtime/invocation/next") {
                if handed {
                    // The second poll: the first answer was not a response or an error.
                    return Err("asked for a second event without answering the first".to_owned());
                }
                handed = true;
                let deadline = (std::time::SystemTime::now() + Duration::from_secs(60))
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_err(|e| e.to_string())?
                    .as_millis();
                let headers = [
                    ("content-type", "application/json".to_owned()),
                    ("lambda-runtime-aws-request-id", "bench-request-1".to_owned()),
                    ("lambda-runtime-deadline-ms", deadline.to_string()),
                    (
                        "lambda-runtime-invoked-function-arn",
                        format!("arn:aws:lambda:eu-north-1:123456789012:function:{function}"),
                    ),
                    ("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".to_owned()),
                ];
                answer(&mut socket, "200 OK", &headers, &body).await?;
            } else if request.line.contains("/runtime/invocation/") {
                let elapsed = started.elapsed();
                answer(&mut socket, "202 Accepted", &[], b"{}").await?;
                let kind = if request.line.contains("/error") { "error" } else { "response" };
                return Ok::<_, String>((elapsed, kind, request.body));
            } else {
                answer(&mut socket, "202 Accepted", &[], b"{}").await?;
            }
        }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let (elapsed, kind, answer) = served.map_err(|_| format!("{binary} did not answer within 60 s"))??;
    let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
    let outcome = match (kind, &answer) {
        ("error", _) => format!("error: {}", answer["errorMessage"].as_str().unwrap_or("?")),
        (_, Value::Object(map)) if map.contains_key("statusCode") => format!("HTTP {}", answer["statusCode"]),
        (_, Value::Object(map)) if map.contains_key("batchItemFailures") => {
            format!("{} batch item failure(s)", answer["batchItemFailures"].as_array().map_or(0, Vec::len))
        }
        _ => "answered".to_owned(),
    };
    Ok(Measured { ms: elapsed.as_secs_f64() * 1000.0, outcome })
}

fn fixture(path: &str) -> Result<Value, String> {
    let file = devstack::stack::project_root().join("events").join(path);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// An SQS event of one message with `body` from `queue_arn` (the shape of `events/shipment/…`).
fn sqs_event(body: &str, queue_arn: &str) -> Result<Value, String> {
    let mut event = fixture("shipment/order-despatched.json")?;
    event["Records"][0]["body"] = json!(body);
    event["Records"][0]["eventSourceARN"] = json!(queue_arn);
    Ok(event)
}

/// The representative event of each function (see the module docs); `run` makes the order number unique.
async fn event_for(stack: &TestStack, name: &str, run: usize) -> Result<Value, String> {
    Ok(match name {
        "intake" => {
            let mut event = fixture("intake/post-order.json")?;
            let body = event["body"].as_str().unwrap_or_default().replace("WS-10001", &format!("WS-FR-{run}"));
            event["body"] = json!(body);
            event
        }
        "backoffice" => fixture("backoffice/list-orders.json")?,
        "billing" => fixture("billing/list-invoices.json")?,
        "reports" => fixture("reports/run-report.json")?,
        "portal" => fixture("portal/open-link-tampered.json")?,
        "console" => {
            let mut event = fixture("backoffice/list-orders.json")?;
            event["routeKey"] = json!("GET /console");
            event["rawPath"] = json!("/console");
            event["rawQueryString"] = json!("");
            event["requestContext"]["http"]["path"] = json!("/console");
            event["requestContext"]["routeKey"] = json!("GET /console");
            event
        }
        "shipment" => fixture("shipment/order-despatched.json")?,
        "invoicing" => fixture("invoicing/order-ready-to-invoice.json")?,
        "feedback" => fixture("feedback/bounce.json")?,
        "inbound" => {
            // An access point's object of this stack's tenant, reported but gone: the function reads its record, the
            // seller and the object.
            let mut event = fixture("inbound/order-delivered.json")?;
            let bucket = stack.stack.reference("DocumentsBucket").ok_or("no DocumentsBucket")?.to_owned();
            let body = event["Records"][0]["body"]
                .as_str()
                .unwrap_or_default()
                .replace("orders-local-000000000000-documents", &bucket)
                .replace("tenant%3Ddemo", &format!("tenant%3D{}", stack.tenant.id));
            event["Records"][0]["body"] = json!(body);
            event
        }
        "webhook-endpoints" => fixture("webhook-endpoints/list-endpoints.json")?,
        "webhooks" => {
            // A delivery of this stack's tenant that is gone (expired): the function reads the delivery record.
            let mut event = fixture("webhooks/delivery-expired.json")?;
            let body = event["Records"][0]["body"]
                .as_str()
                .unwrap_or_default()
                .replace("\"tenant\":\"demo\"", &format!("\"tenant\":\"{}\"", stack.tenant.id));
            event["Records"][0]["body"] = json!(body);
            event
        }
        "archive" => fixture("archive/document-inserted.json")?,
        "reporting" => {
            let mut event = fixture("reporting/queued-tenant-day.json")?;
            event["Records"][0]["body"] = json!(format!(r#"{{"tenant":"{}","date":"2026-11-23"}}"#, stack.tenant.id));
            event
        }
        "relay" => fixture("reporting/scheduled.json")?,
        "confirmation" => {
            // A real `order.received`: an order placed through the API, its event as the intake published it.
            let mut order = fixture("intake/post-order.json")?;
            let body: Value =
                serde_json::from_str(order["body"].as_str().unwrap_or("{}")).map_err(|e| e.to_string())?;
            order = body;
            order["order_number"] = json!(format!("WS-FR-C-{run}"));
            let placed = stack.post_json("/v1/orders", &order).await;
            if placed.status != 201 {
                return Err(format!("place an order for confirmation: {} {}", placed.status, placed.body));
            }
            let queue = stack.stack.reference("ConfirmationQueue").ok_or("no ConfirmationQueue")?.to_owned();
            let sqs = stack.stack.function_aws("ConfirmationFunction").sqs;
            let received = sqs
                .receive_message()
                .queue_url(&queue)
                .max_number_of_messages(1)
                .wait_time_seconds(2)
                .send()
                .await
                .map_err(|e| format!("receive order.received: {e}"))?;
            let message = received.messages.unwrap_or_default().into_iter().next().ok_or("no order.received")?;
            if let Some(handle) = &message.receipt_handle {
                let _ = sqs.delete_message().queue_url(&queue).receipt_handle(handle).send().await;
            }
            let arn = format!("arn:aws:sqs:eu-north-1:123456789012:{}", queue.rsplit('/').next().unwrap_or_default());
            sqs_event(message.body.as_deref().unwrap_or_default(), &arn)?
        }
        "hello-sdk" => json!({"hello": "world"}),
        other => return Err(format!("no representative event for {other}")),
    })
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [runs, output, binaries @ ..] = args.as_slice() else {
        return Err("usage: first-response RUNS OUTPUT.json hello-sdk=PATH name=PATH ...".into());
    };
    let runs: usize = runs.parse().map_err(|_| format!("RUNS: {runs} is not a number"))?;
    let stack = TestStack::start().await;
    devstack::seed::register_fixture_keys(&stack.stack.store(), &stack.tenant.id, "webshop")
        .await
        .map_err(|e| format!("fixture keys: {e}"))?;
    let mut subjects = Vec::new();
    for spec in binaries {
        let (name, path) = spec.split_once('=').ok_or_else(|| format!("{spec}: want name=PATH"))?;
        // hello-sdk reads the table as intake does, with intake's environment.
        let of = if name == "hello-sdk" { "intake" } else { name };
        let function = bench::function_logical_id(of);
        let mut env = stack.stack.function_environment(&function).map_err(|e| format!("{function}: {e}"))?;
        // The credentials Lambda would give the function's role: here, its principal in the emulator.
        env.insert("AWS_ACCESS_KEY_ID".into(), stack.stack.principal(&function));
        env.insert("AWS_SECRET_ACCESS_KEY".into(), "test".into());
        subjects.push((name.to_owned(), path.to_owned(), function, env));
    }
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, String> = BTreeMap::new();
    // One warm-up pass (page cache, the emulator's first requests), then interleaved runs.
    for run in 0..=runs {
        for (name, path, function, env) in &subjects {
            let event = event_for(&stack, name, run).await?;
            let measured = measure(path, function, env, &event).await.map_err(|e| format!("{name}: {e}"))?;
            if run > 0 {
                samples.entry(name.clone()).or_default().push(measured.ms);
                outcomes.insert(name.clone(), measured.outcome);
            }
        }
    }
    let mut hello = samples.get("hello-sdk").cloned().ok_or("a hello-sdk=PATH subject is the peer")?;
    let hello_median = bench::median(&mut hello);
    let mut results = serde_json::Map::new();
    for (name, mut values) in samples {
        let value = bench::median(&mut values);
        let ratio = value / hello_median;
        let outcome = outcomes.get(&name).cloned().unwrap_or_default();
        println!("first response {name:<13} median {value:7.2} ms  {ratio:5.2}x hello-sdk  ({outcome})");
        results.insert(
            name,
            json!({"median_ms": (value * 100.0).round() / 100.0, "ratio_to_hello_sdk": (ratio * 100.0).round() / 100.0,
                   "min_ms": (values.first().copied().unwrap_or_default() * 100.0).round() / 100.0,
                   "max_ms": (values.last().copied().unwrap_or_default() * 100.0).round() / 100.0,
                   "answer": outcome}),
        );
    }
    let provenance = bench::provenance();
    let report = json!({
        "commit": provenance["commit"],
        "rustc": provenance["rustc"],
        "what": "process start to the answer of the first event (init + the event's AWS calls against the local moto emulator + the answer) on a mock Lambda Runtime API; medians of interleaved runs after one warm-up pass. moto answers slower than AWS, so the absolute figures are upper bounds; the peer hello-sdk makes one DynamoDB GetItem",
        "runs": runs,
        "functions": results,
    });
    std::fs::write(output, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n")
        .map_err(|e| format!("write {output}: {e}"))?;
    println!("written to {output}");
    Ok(())
}
