//! The proof under faults (`make chaos`): many orders from several tenants go through intake (single and batch,
//! retried with the same Idempotency-Key as a webshop would), confirmation, despatch, invoicing and credit notes
//! while the emulator's fault switchboard strikes a few percent of every kind of AWS call the functions make. Then
//! the faults stop, the relay and redelivery run until quiet, and the invariants are checked from the API and the
//! emulator's own data: nothing lost, nothing duplicated, no gap in any invoice series, every document archived,
//! nothing left in a dead-letter queue.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use orders_domain::ids::Role;
use serde::Serialize;
use serde_json::{json, Value};

use crate::{order_body, s, Answer, Tenant, TestStack};

/// What to run.
#[derive(Debug, Clone)]
pub struct ChaosPlan {
    /// Orders placed, in all.
    pub orders: usize,
    /// Tenants they are spread over (each with its own webshop key).
    pub tenants: usize,
    /// The probability each fault rule strikes a matching call.
    pub fault_rate: f64,
    /// The share of stage invocations killed part-way (at whatever they await within 30 ms).
    pub kill_rate: f64,
}

/// What a run found (`bench/results/chaos.json`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChaosReport {
    /// Orders placed.
    pub orders: usize,
    /// Tenants.
    pub tenants: usize,
    /// The probability of each fault rule.
    pub fault_rate: f64,
    /// The share of stage invocations killed part-way.
    pub kill_rate: f64,
    /// Orders the API accepted (2xx), after the webshop's retries.
    pub accepted: usize,
    /// Requests the webshop had to send again (5xx or no answer).
    pub retries: usize,
    /// Stage invocations killed part-way (and redelivered).
    pub kills: u64,
    /// Faults struck, by `service.action.kind`.
    pub faults: BTreeMap<String, u64>,
    /// Despatches recorded.
    pub despatches: usize,
    /// Invoices issued.
    pub invoices: usize,
    /// Credit notes issued.
    pub credit_notes: usize,
    /// Accepted orders that are not in the table.
    pub lost: usize,
    /// Order numbers stored more than once, invoices beyond one per despatch, documents issued twice.
    pub duplicated: usize,
    /// Emails SES accepted more than once under one Message-ID (the same email sent again).
    pub emails_sent_twice: usize,
    /// Missing numbers in the invoice series.
    pub gaps: usize,
    /// Orders not in a final state after the faults stopped: invoiced, rejected, or delivered again after a
    /// credit note took its invoice back.
    pub unfinished: usize,
    /// The accepted orders by their status at the end.
    pub statuses: BTreeMap<String, usize>,
    /// The answers to despatches that were not recorded, by status and detail (a sample of each).
    pub refused_despatches: BTreeMap<String, usize>,
    /// Issued documents without their PDF in the archive.
    pub unarchived: usize,
    /// Messages left in the dead-letter queues after redrive.
    pub left_in_dlqs: usize,
    /// Seconds the run took.
    pub seconds: u64,
}

/// The fault rules of a run: every kind of call the functions make, a few percent each.
fn fault_rules(rate: f64) -> Vec<Value> {
    let rule = |service: &str, action: &str, kind: &str, error: &str| json!({"service": service, "action": action, "kind": kind, "error": error, "probability": rate});
    vec![
        rule("dynamodb", "TransactWriteItems", "error", "throttling"),
        rule("dynamodb", "TransactWriteItems", "conflict", "throttling"),
        rule("dynamodb", "TransactWriteItems", "drop_answer", "internal"),
        rule("dynamodb", "PutItem", "error", "internal"),
        rule("dynamodb", "UpdateItem", "error", "unavailable"),
        rule("dynamodb", "GetItem", "error", "throttling"),
        rule("dynamodb", "Query", "error", "throttling"),
        rule("dynamodb", "BatchGetItem", "error", "throttling"),
        rule("sqs", "SendMessage", "error", "unavailable"),
        rule("sqs", "SendMessage", "drop_answer", "internal"),
        rule("ses", "SendRawEmail", "error", "throttling"),
        rule("s3", "PutObject", "error", "unavailable"),
        rule("s3", "PutObject", "drop_answer", "internal"),
    ]
}

/// Sends a request until it is answered with something other than a server error (a webshop retries the same
/// request, with the same Idempotency-Key), at most 8 times; the last answer.
async fn with_retries<F, Fut>(retries: &mut usize, mut send: F) -> Answer
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    let mut answer = send().await;
    for attempt in 0..8 {
        if answer.status != 0 && answer.status < 500 {
            break;
        }
        *retries += 1;
        tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
        answer = send().await;
    }
    answer
}

/// Runs `plan` on `stack` (which must be this run's own: its functions' calls are struck).
pub async fn run(stack: &TestStack, plan: &ChaosPlan) -> ChaosReport {
    let started = Instant::now();
    let mut report = ChaosReport {
        orders: plan.orders,
        tenants: plan.tenants,
        fault_rate: plan.fault_rate,
        kill_rate: plan.kill_rate,
        ..Default::default()
    };
    let mut tenants = vec![stack.tenant.clone()];
    while tenants.len() < plan.tenants {
        tenants.push(stack.new_tenant().await);
    }
    // Stock for every order (the demo catalogue has 16 desks per tenant): orders are accepted in full, so each
    // is despatched and invoiced in full.
    for tenant in &tenants {
        let store = stack.stack.store();
        for sku in ["SKU-1", "SKU-3"] {
            let sku = orders_domain::ids::Sku::parse(sku).expect("sku");
            let malmo = orders_domain::ids::WarehouseId::parse("malmo").expect("warehouse");
            store
                .set_stock(&tenant.id, &sku, &malmo, rust_decimal::Decimal::from(10 * plan.orders))
                .await
                .expect("stock");
        }
    }
    let faults = stack.faults();
    let kills = devstack::sqs_runner::Kills { probability: plan.kill_rate, within: Duration::from_millis(30) };
    stack.kill_invocations(Some(kills)).await;
    let killed_before = devstack::sqs_runner::killed();
    let mut rule_names = BTreeMap::new();
    for rule in fault_rules(plan.fault_rate) {
        let name = format!(
            "{}.{}.{}",
            rule["service"].as_str().unwrap_or(""),
            rule["action"].as_str().unwrap_or(""),
            rule["kind"].as_str().unwrap_or("")
        );
        rule_names.insert(faults.inject(rule).await, name);
    }

    eprintln!(
        "chaos: {} orders from {} tenants, faults at {}, kills at {}",
        plan.orders, plan.tenants, plan.fault_rate, plan.kill_rate
    );
    // Orders: one in five groups of five goes as a batch; everything else one by one.
    let mut accepted: Vec<(usize, String, String)> = Vec::new(); // (tenant, order number, id)
    let mut index = 0;
    while index < plan.orders {
        let tenant_index = index % tenants.len();
        let tenant = &tenants[tenant_index];
        if index % 25 == 20 && index + 5 <= plan.orders {
            let numbers: Vec<String> = (index..index + 5).map(|n| format!("CH-{n}")).collect();
            let body = json!({"orders": numbers.iter().map(|n| order_body(n)).collect::<Vec<_>>()});
            let key = format!("batch-{index}");
            let answer =
                with_retries(&mut report.retries, || post(stack, tenant, "/v1/orders/batch", &body, &key)).await;
            for result in answer.body["results"].as_array().into_iter().flatten() {
                if result["status"] == 201 {
                    if let Some(id) = result["order"]["id"].as_str() {
                        let number = result["order"]["order_number"].as_str().unwrap_or_default().to_owned();
                        accepted.push((tenant_index, number, id.to_owned()));
                    }
                }
            }
            index += 5;
            continue;
        }
        let number = format!("CH-{index}");
        let body = order_body(&number);
        let key = format!("order-{index}");
        let answer = with_retries(&mut report.retries, || post(stack, tenant, "/v1/orders", &body, &key)).await;
        if answer.status == 201 {
            if let Some(id) = answer.body["id"].as_str() {
                accepted.push((tenant_index, number, id.to_owned()));
            }
        }
        index += 1;
    }
    report.accepted = accepted.len();

    eprintln!(
        "chaos: {} orders accepted after {} s; confirming and despatching",
        accepted.len(),
        started.elapsed().as_secs()
    );
    // Confirmation, then one despatch of everything per accepted order, then invoicing; some credit notes.
    stack.deliver_all().await;
    let mut warehouse_keys = Vec::new();
    let mut operator_keys = Vec::new();
    for tenant in &tenants {
        warehouse_keys.push(stack.key_with_role(&tenant.id, Role::Warehouse).await);
        operator_keys.push(stack.key_with_role(&tenant.id, Role::Operator).await);
    }
    // An order is despatched once confirmation answered it; until then its despatch is refused (409) and tried
    // again in the next round, as a warehouse would.
    let mut waiting: Vec<&(usize, String, String)> = accepted.iter().collect();
    for _ in 0..8 {
        let mut still = Vec::new();
        for entry in waiting {
            let (tenant_index, _, id) = entry;
            let despatch_number = format!("D-{id}");
            let body = json!({"despatch_number": despatch_number, "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]});
            let key = &warehouse_keys[*tenant_index];
            let path = format!("/v1/orders/{id}/despatches");
            let answer =
                with_retries(&mut report.retries, || stack.call(reqwest::Method::POST, &path, key, Some(&body))).await;
            // 409 "already used": an earlier try was recorded though its answer was lost.
            let recorded = answer.status == 201
                || (answer.status == 409 && answer.body["detail"].as_str().is_some_and(|d| d.contains("already used")));
            if recorded {
                report.despatches += 1;
            } else {
                let detail = answer.body["detail"].as_str().unwrap_or_default().split(':').next().unwrap_or_default();
                *report.refused_despatches.entry(format!("{} {detail}", answer.status)).or_default() += 1;
                still.push(entry);
            }
        }
        waiting = still;
        // What the faults held back: the relay sends it again (as it would after its grace period).
        let relay = stack.stack.relay().expect("relay");
        let _ = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::hours(48)).await;
        stack.deliver_all().await;
        if waiting.is_empty() {
            break;
        }
    }
    for _ in 0..3 {
        stack.deliver_all().await;
    }

    eprintln!(
        "chaos: {} despatched after {} s; the faults stop, settling",
        report.despatches,
        started.elapsed().as_secs()
    );
    // The faults stop; the relay and redelivery run until nothing is left to do.
    faults.clear_counted(&rule_names, &mut report.faults).await;
    stack.kill_invocations(None).await;
    report.kills = devstack::sqs_runner::killed() - killed_before;
    settle(stack).await;
    for (n, (tenant_index, _, id)) in accepted.iter().enumerate().filter(|(n, _)| n % 10 == 3) {
        let order =
            stack.call(reqwest::Method::GET, &format!("/v1/orders/{id}"), &operator_keys[*tenant_index], None).await;
        let Some(number) = order.body["invoices"][0]["number"].as_str() else { continue };
        let path = format!("/v1/invoices/{number}/credit-notes");
        let body = json!({"reason": "Returned"});
        let key = &operator_keys[*tenant_index];
        let idem = format!("credit-{n}");
        let answer = with_retries(&mut report.retries, || async {
            Answer::from(
                stack
                    .request(reqwest::Method::POST, &path, key)
                    .header("idempotency-key", &idem)
                    .json(&body)
                    .send()
                    .await,
            )
            .await
        })
        .await;
        report.credit_notes += usize::from(answer.status == 201);
    }
    settle(stack).await;

    eprintln!("chaos: {} credit notes after {} s; checking", report.credit_notes, started.elapsed().as_secs());
    check(stack, &tenants, &accepted, &operator_keys, &mut report).await;
    report.seconds = started.elapsed().as_secs();
    report
}

/// POSTs `body` as `tenant`'s webshop with `Idempotency-Key: key`.
async fn post(stack: &TestStack, tenant: &Tenant, path: &str, body: &Value, key: &str) -> Answer {
    Answer::from(
        stack.request(reqwest::Method::POST, path, &tenant.key).header("idempotency-key", key).json(body).send().await,
    )
    .await
}

/// Runs the relay (as if long after every mark) and delivers every queue, redriving the dead-letter queues,
/// until a round finds nothing to do.
async fn settle(stack: &TestStack) {
    let relay = stack.stack.relay().expect("relay");
    for round in 0..30 {
        let at = time::OffsetDateTime::now_utc() + time::Duration::hours(24 * (round + 1));
        let relayed = relay.run_once(at).await.expect("relay");
        let delivered = stack.deliver_all().await;
        let mut redriven = 0;
        for stage in ["confirmation", "shipment", "invoicing"] {
            redriven += devstack::redrive::redrive(&stack.stack, stage).await.expect("redrive");
        }
        if relayed.pending == 0 && relayed.unsent_email_orders == 0 && delivered.received == 0 && redriven == 0 {
            return;
        }
    }
}

/// Checks the invariants into `report`.
async fn check(
    stack: &TestStack,
    tenants: &[Tenant],
    accepted: &[(usize, String, String)],
    operator_keys: &[String],
    report: &mut ChaosReport,
) {
    // Every accepted order exists exactly once, in a final state.
    let mut stored_numbers: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
    for (tenant_index, tenant) in tenants.iter().enumerate() {
        for item in stack.stored_orders_all(&tenant.id).await {
            stored_numbers
                .entry((tenant_index, s(&item, "order_number").to_owned()))
                .or_default()
                .insert(s(&item, "id").to_owned());
        }
    }
    report.duplicated += stored_numbers.values().filter(|ids| ids.len() > 1).map(|ids| ids.len() - 1).sum::<usize>();
    for (tenant_index, number, id) in accepted {
        match stored_numbers.get(&(*tenant_index, number.clone())) {
            Some(ids) if ids.contains(id) => {}
            _ => report.lost += 1,
        }
        let order =
            stack.call(reqwest::Method::GET, &format!("/v1/orders/{id}"), &operator_keys[*tenant_index], None).await;
        let status = order.body["status"].as_str().unwrap_or_default();
        *report.statuses.entry(status.to_owned()).or_default() += 1;
        if !matches!(status, "invoiced" | "rejected" | "delivered") {
            report.unfinished += 1;
        }
        let invoices = order.body["invoices"].as_array().cloned().unwrap_or_default();
        let issued = invoices.iter().filter(|i| i["kind"] == "invoice").count();
        report.invoices += issued;
        report.duplicated += issued.saturating_sub(1);
    }

    // Invoice numbers per tenant and series: 1…n, each archived.
    for tenant in tenants {
        let mut series: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
        for key in stack.archived_keys(&format!("tenant={}/", tenant.id)).await {
            let Some(file) = key.rsplit('/').next() else { continue };
            let Some(number) = file.strip_suffix(".pdf") else { continue };
            if let Some((prefix, n)) = number.rsplit_once('-') {
                series.entry(prefix.to_owned()).or_default().insert(n.parse().unwrap_or(0));
            }
        }
        let numbered = stack.issued_numbers(&tenant.id).await;
        for (prefix, numbers) in &numbered {
            let highest = numbers.iter().max().copied().unwrap_or(0);
            report.gaps += (highest as usize).saturating_sub(numbers.len());
            let archived = series.get(prefix).cloned().unwrap_or_default();
            report.unarchived += numbers.difference(&archived).count();
        }
    }

    // One email per Message-ID.
    let mut by_message_id: BTreeMap<String, usize> = BTreeMap::new();
    for email in devstack::mail::sent_emails(&stack.stack.aws.endpoint, 0).await.expect("sent emails") {
        if let Some(id) = email.header("Message-ID") {
            *by_message_id.entry(id.to_owned()).or_default() += 1;
        }
    }
    let ours: BTreeSet<&str> = accepted.iter().map(|(_, _, id)| id.as_str()).collect();
    report.emails_sent_twice = by_message_id
        .iter()
        .filter(|(id, _)| ours.iter().any(|order| id.trim_start_matches('<').starts_with(order)))
        .map(|(_, count)| count.saturating_sub(1))
        .sum();

    // Nothing left in a dead-letter queue.
    for dlq in ["ConfirmationDeadLetterQueue", "ShipmentDeadLetterQueue", "InvoicingDeadLetterQueue"] {
        report.left_in_dlqs += stack.drain_queue(dlq).await.len();
    }
}
