//! The proof under faults, small enough for every run of the suite (`make chaos` runs it on 1,000 orders):
//! a few percent of every kind of AWS call the functions make fails, times out its answer or conflicts, and still
//! nothing is lost, duplicated or left behind.

use orders_testkit::chaos::{run, ChaosPlan};
use orders_testkit::TestStack;

#[tokio::test]
async fn under_faults_on_every_kind_of_call_nothing_is_lost_duplicated_or_left_behind() {
    let stack = TestStack::start().await;
    let report = run(&stack, &ChaosPlan { orders: 40, tenants: 2, fault_rate: 0.04, kill_rate: 0.3 }).await;
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    assert!(report.faults.values().sum::<u64>() > 0, "faults struck: {report:?}");
    assert!(report.kills > 0, "invocations killed part-way: {report:?}");
    assert_eq!(report.accepted, report.orders, "the webshop's retries place every order: {report:?}");
    assert!(report.budget_met(), "0 lost, duplicated, gaps, unfinished, unarchived, stock mismatches, left in DLQs, emails sent twice or unsent: {report:?}");
    assert_eq!(report.despatches, report.accepted, "every order despatched in full: {report:?}");
    assert_eq!(report.invoices, report.accepted, "one invoice per despatch: {report:?}");
    assert_eq!(
        report.ubl_bundled,
        report.invoices + report.credit_notes,
        "every invoice's and credit note's UBL in the bundles: {report:?}"
    );
}
