//! Cold init: how long each function's bootstrap takes from process start to its first `GET …/invocation/next`
//! on a mock Lambda Runtime API, against the bare `lambda_runtime` hello-world, in interleaved runs (medians).
//!
//! Usage: `cold-init RUNS OUTPUT.json hello=PATH name=PATH …` — each function gets the environment the template
//! declares for it (with placeholder resource names) plus what the Lambda service sets.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use devstack::template::{Physical, Template};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// The budget: cold init at most this many times the hello-world's.
const BUDGET_RATIO: f64 = 1.5;

/// The template, with every resource given a placeholder physical name so function environments resolve.
fn template() -> Result<Template, String> {
    let path = devstack::stack::template_path();
    let mut template = Template::load(&path, "bench", "eu-north-1", &devstack::stack::local_parameters())
        .map_err(|e| e.to_string())?;
    for resource in template.resources() {
        let id = resource.logical_id.clone();
        let arn = format!("arn:aws:placeholder:eu-north-1:123456789012:{id}");
        let attributes = BTreeMap::from([
            ("Arn".to_owned(), arn.clone()),
            ("StreamArn".to_owned(), format!("{arn}/stream/1")),
            ("QueueName".to_owned(), id.clone()),
        ]);
        let reference = if resource.resource_type == "AWS::SQS::Queue" {
            format!("https://sqs.eu-north-1.amazonaws.com/123456789012/{id}")
        } else {
            id.to_lowercase()
        };
        template.set_physical(&id, Physical { reference, attributes });
    }
    Ok(template)
}

/// Milliseconds from spawning `binary` to its first request on a fresh mock Runtime API.
async fn measure(binary: &str, function: &str, env: &BTreeMap<String, String>) -> Result<f64, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut command = bench::lambda_command(binary, function, env, address);
    // What the Lambda service sets besides (the functions' own environment has no credentials here).
    command
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_DEFAULT_REGION", "eu-north-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDBENCH")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_SESSION_TOKEN", "bench");
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("spawn {binary}: {e}"))?;
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        let (mut socket, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buffer = [0_u8; 512];
        let read = socket.read(&mut buffer).await.map_err(|e| e.to_string())?;
        Ok::<_, String>((started.elapsed(), String::from_utf8_lossy(&buffer[..read]).into_owned()))
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let (elapsed, request) = first.map_err(|_| format!("{binary} never called the Runtime API"))??;
    if !request.starts_with("GET /2018-06-01/runtime/invocation/next") {
        return Err(format!("{binary}'s first request was not /next: {}", request.lines().next().unwrap_or_default()));
    }
    Ok(elapsed.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [runs, output, binaries @ ..] = args.as_slice() else {
        return Err("usage: cold-init RUNS OUTPUT.json hello=PATH name=PATH ...".into());
    };
    let runs: usize = runs.parse().map_err(|_| format!("RUNS: {runs} is not a number"))?;
    let template = template()?;
    let mut subjects = Vec::new();
    for spec in binaries {
        let (name, path) = spec.split_once('=').ok_or_else(|| format!("{spec}: want name=PATH"))?;
        let function = bench::function_logical_id(name);
        let env = if name == "hello" {
            BTreeMap::new()
        } else {
            template.function_environment(&function).map_err(|e| format!("{function}: {e}"))?
        };
        subjects.push((name.to_owned(), path.to_owned(), function, env));
    }
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    // Warm the page cache once, then interleave so drift hits every subject alike.
    for (_, path, function, env) in &subjects {
        measure(path, function, env).await?;
    }
    for _ in 0..runs {
        for (name, path, function, env) in &subjects {
            samples.entry(name.clone()).or_default().push(measure(path, function, env).await?);
        }
    }
    let mut hello = samples.get("hello").cloned().ok_or("a hello=PATH subject is the peer")?;
    let hello_median = bench::median(&mut hello);
    let mut results = serde_json::Map::new();
    let mut over = Vec::new();
    for (name, mut values) in samples {
        let value = bench::median(&mut values);
        let ratio = value / hello_median;
        if name != "hello" && ratio > BUDGET_RATIO {
            over.push(format!("{name} {ratio:.2}x"));
        }
        println!("cold init {name:<13} median {value:6.2} ms  {ratio:4.2}x hello-world");
        results.insert(
            name,
            json!({"median_ms": (value * 100.0).round() / 100.0, "ratio_to_hello": (ratio * 100.0).round() / 100.0,
                   "min_ms": (values.first().copied().unwrap_or_default() * 100.0).round() / 100.0,
                   "max_ms": (values.last().copied().unwrap_or_default() * 100.0).round() / 100.0}),
        );
    }
    let provenance = bench::provenance();
    let report = json!({
        "commit": provenance["commit"],
        "rustc": provenance["rustc"],
        "what": "process start to first GET /runtime/invocation/next on a mock Lambda Runtime API; medians of interleaved runs",
        "runs": runs,
        "budget_ratio_to_hello": BUDGET_RATIO,
        "within_budget": over.is_empty(),
        "over_budget": over,
        "functions": results,
    });
    std::fs::write(output, serde_json::to_string_pretty(&report).map_err(|e| e.to_string())? + "\n")
        .map_err(|e| format!("write {output}: {e}"))?;
    println!("written to {output}");
    Ok(())
}
