//! `make chaos`: the proof under faults on 1,000 orders (`CHAOS_ORDERS` for another count) from four tenants,
//! with every kind of AWS call the functions make failing a few percent of the time
//! (`orders_testkit::chaos`). Writes the report, with the commit it ran at, and fails unless nothing was lost,
//! duplicated, left unfinished or behind, no invoice series has a gap, and every email went out once
//! ([`orders_testkit::chaos::ChaosReport::budget_met`]).

use orders_testkit::chaos::{run, ChaosPlan};
use orders_testkit::TestStack;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let output = std::env::args().nth(1).unwrap_or_else(|| "bench/results/chaos.json".into());
    let orders = std::env::var("CHAOS_ORDERS").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    // The commit the run starts at (what was built), not whatever is checked out when it ends.
    let provenance = bench::provenance();
    let stack = TestStack::start().await;
    let report = run(&stack, &ChaosPlan { orders, tenants: 4, fault_rate: 0.03, kill_rate: 0.05 }).await;
    let mut value = serde_json::to_value(&report).unwrap_or_default();
    value["commit"] = provenance["commit"].clone();
    value["rustc"] = provenance["rustc"].clone();
    let met = report.budget_met();
    value["budget_met"] = serde_json::json!(met);
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    if let Err(error) = std::fs::write(&output, format!("{text}\n")) {
        eprintln!("chaos: cannot write {output}: {error}");
        return std::process::ExitCode::FAILURE;
    }
    println!("{text}");
    println!("written to {output}");
    if met {
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!(
            "chaos: the budget (0 lost, duplicated, gaps, unfinished, unarchived, stock mismatches, left in DLQs, emails sent twice or unsent) is not met"
        );
        std::process::ExitCode::FAILURE
    }
}
