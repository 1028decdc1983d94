//! What the start-up benchmarks share: a bootstrap started the way the Lambda service starts it, against a mock
//! Runtime API, and medians.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

/// `binary` with `env` and what the Lambda service sets for `function`, talking to the Runtime API at `runtime`;
/// its output discarded.
/// The template's logical id of the function built as `binary` (`inbound` → `InboundFunction`, `webhook-endpoints`
/// → `WebhookEndpointsFunction`): each `-`-separated word capitalised.
pub fn function_logical_id(binary: &str) -> String {
    let words = binary.split('-').map(|word| {
        let mut chars = word.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
    });
    format!("{}Function", words.collect::<String>())
}

pub fn lambda_command(binary: &str, function: &str, env: &BTreeMap<String, String>, runtime: SocketAddr) -> Command {
    let mut command = Command::new(binary);
    command.env_clear().envs(env).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    command
        .env("AWS_LAMBDA_RUNTIME_API", runtime.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("LAMBDA_TASK_ROOT", "/var/task")
        .env("TZ", ":UTC");
    command
}

/// What a results file records about the run: the commit it started at (`-dirty` with uncommitted changes in
/// the work tree outside `bench/results`) and the Rust toolchain, so a figure can be traced to the code that made it.
pub fn provenance() -> serde_json::Value {
    let output = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    // The bench's own results (written by earlier steps of the same run) do not make the code dirty.
    let dirty =
        !output("git", &["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"])
            .is_empty();
    let commit = output("git", &["rev-parse", "--short", "HEAD"]);
    serde_json::json!({
        "commit": if dirty { format!("{commit}-dirty") } else { commit },
        "rustc": output("rustc", &["--version"]),
    })
}

/// The order the benchmarks post: five lines of the demo catalogue (one SKU twice, one quantity fractional), for
/// the demo customer, delivered tomorrow.
pub fn five_line_order(number: &str) -> serde_json::Value {
    serde_json::json!({
        "order_number": number,
        "type": "purchase",
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "requested_delivery_date": orders_testkit::tomorrow(),
        "delivery_address": {"name": "Anna Svensson", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [
            {"sku": "SKU-1", "quantity": "1"}, {"sku": "SKU-2", "quantity": "2"}, {"sku": "SKU-3", "quantity": "1.5"},
            {"sku": "SKU-4", "quantity": "1"}, {"sku": "SKU-1", "quantity": "1"}
        ]
    })
}

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.is_empty() {
        0.0
    } else if values.len() % 2 == 0 {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn logical_ids_capitalise_each_word() {
        assert_eq!(super::function_logical_id("inbound"), "InboundFunction");
        assert_eq!(super::function_logical_id("webhook-endpoints"), "WebhookEndpointsFunction");
    }

    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
