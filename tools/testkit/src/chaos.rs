//! The proof under faults (`make chaos`): many orders from several tenants go through intake (single and batch,
//! retried with the same Idempotency-Key as a webshop would), confirmation, despatch, invoicing and credit notes
//! while the emulator's fault switchboard strikes a few percent of every kind of AWS call the functions make. Then
//! the faults stop, the relay and redelivery run until quiet, and the invariants are checked from the API and the
//! emulator's own data: nothing lost, nothing duplicated, no gap in any invoice series, every document archived,
//! nothing left in a dead-letter queue.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use orders_domain::ids::Role;
use rust_decimal::Decimal;
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
    /// Accepted orders despatched in full (by their lines' shipped quantities).
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
    /// Emails left claimed and unsent at the end, by kind. An invocation that was killed leaves its claims; they go
    /// out when the relay finds them stale (5 minutes after they were taken), which the settling brings about by
    /// ageing the claims once no invocation runs.
    pub emails_unsent: BTreeMap<String, usize>,
    /// Missing numbers in the invoice series.
    pub gaps: usize,
    /// Orders not in a final state after the faults stopped: invoiced, rejected, or delivered again after a
    /// credit note took its invoice back.
    pub unfinished: usize,
    /// The accepted orders by their status at the end.
    pub statuses: BTreeMap<String, usize>,
    /// The answers to despatches that were not recorded, by status and detail (a sample of each).
    pub refused_despatches: BTreeMap<String, usize>,
    /// Stock counters (per tenant and SKU: on hand, reserved; per level: available) that do not equal what the
    /// orders' despatches and live reservations say.
    pub stock_mismatches: usize,
    /// Issued documents without their PDF in the archive, or, for buyers on Peppol, their UBL in the tenant's
    /// document bundles.
    pub unarchived: usize,
    /// UBL documents of issued invoices and credit notes found in the document bundles.
    pub ubl_bundled: usize,
    /// Messages left in the dead-letter queues after redrive.
    pub left_in_dlqs: usize,
    /// Seconds the run took.
    pub seconds: u64,
}

impl ChaosReport {
    /// The budget: nothing lost, duplicated, unfinished, unarchived or left in a dead-letter queue, no gap in a
    /// series, stock counters that add up, and every email sent exactly once.
    pub fn budget_met(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.gaps == 0
            && self.unfinished == 0
            && self.unarchived == 0
            && self.stock_mismatches == 0
            && self.left_in_dlqs == 0
            && self.emails_sent_twice == 0
            && self.emails_unsent.is_empty()
    }
}

/// The fault rules of a run: every kind of call the functions make, a few percent each.
fn fault_rules(rate: f64) -> Vec<Value> {
    let rule = |service: &str, action: &str, kind: &str, error: &str| json!({"service": service, "action": action, "kind": kind, "error": error, "probability": rate});
    vec![
        rule("dynamodb", "TransactWriteItems", "error", "throttling"),
        rule("dynamodb", "TransactWriteItems", "conflict", "throttling"),
        rule("dynamodb", "TransactWriteItems", "drop_answer", "internal"),
        // Not a dice roll: every transaction that meets another in flight on one of its items is cancelled.
        json!({"service": "dynamodb", "action": "TransactWriteItems", "kind": "overlap"}),
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

/// Requests the run keeps in flight at once (several webshops and warehouse terminals at a time).
const IN_FLIGHT: usize = 8;

/// Invocations each queue's consumer runs at once.
const PER_QUEUE: usize = 3;

/// Sends a request until it is answered with something other than a server error (a webshop retries the same
/// request, with the same Idempotency-Key), at most 8 times; the last answer and how many times it was sent again.
async fn with_retries<F, Fut>(mut send: F) -> (Answer, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    let mut answer = send().await;
    let mut retries = 0;
    for attempt in 0..8 {
        if answer.status != 0 && answer.status < 500 {
            break;
        }
        retries += 1;
        tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
        answer = send().await;
    }
    (answer, retries)
}

/// What the webshops send: one order, or a batch of five.
enum Placing {
    One(usize),
    Batch(usize),
}

/// An accepted order: its tenant's index, its order number, its id.
type Accepted = (usize, String, String);

/// The SKUs every chaos order asks for, and the warehouses that hold them.
const SKUS: [&str; 2] = ["SKU-1", "SKU-3"];
const WAREHOUSES: [&str; 2] = ["malmo", "lulea"];

/// On hand and reserved of `sku` summed over the warehouses, and how many levels break available = on hand −
/// reserved.
async fn stock_of(stack: &TestStack, tenant: &Tenant, sku: &str) -> (Decimal, Decimal, usize) {
    let store = stack.stack.store();
    let sku = orders_domain::ids::Sku::parse(sku).expect("sku");
    let (mut on_hand, mut reserved, mut broken) = (Decimal::ZERO, Decimal::ZERO, 0);
    for warehouse in WAREHOUSES {
        let warehouse = orders_domain::ids::WarehouseId::parse(warehouse).expect("warehouse");
        if let Some((here, promised, available)) =
            store.stock_level(&tenant.id, &sku, &warehouse, None).await.expect("stock level")
        {
            on_hand += here;
            reserved += promised;
            broken += usize::from(available != here - promised);
        }
    }
    (on_hand, reserved, broken)
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
    let mut stock_before = BTreeMap::new();
    for (tenant_index, tenant) in tenants.iter().enumerate() {
        let store = stack.stack.store();
        for sku in SKUS {
            let parsed = orders_domain::ids::Sku::parse(sku).expect("sku");
            let malmo = orders_domain::ids::WarehouseId::parse("malmo").expect("warehouse");
            store.set_stock(&tenant.id, &parsed, &malmo, Decimal::from(10 * plan.orders)).await.expect("stock");
            stock_before.insert((tenant_index, sku), stock_of(stack, tenant, sku).await);
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
    let mut placings = Vec::new();
    let mut index = 0;
    while index < plan.orders {
        if index % 25 == 20 && index + 5 <= plan.orders {
            placings.push(Placing::Batch(index));
            index += 5;
        } else {
            placings.push(Placing::One(index));
            index += 1;
        }
    }
    let tenants_ref = &tenants;
    let placed: Vec<(Vec<Accepted>, usize)> = futures::stream::iter(placings)
        .map(|placing| async move {
            match placing {
                Placing::Batch(index) => {
                    let tenant_index = index % tenants_ref.len();
                    let tenant = &tenants_ref[tenant_index];
                    let numbers: Vec<String> = (index..index + 5).map(|n| format!("CH-{n}")).collect();
                    let body = json!({"orders": numbers.iter().map(|n| order_body(n)).collect::<Vec<_>>()});
                    let key = format!("batch-{index}");
                    let (answer, retries) = with_retries(|| post(stack, tenant, "/v1/orders/batch", &body, &key)).await;
                    let mut accepted = Vec::new();
                    for result in answer.body["results"].as_array().into_iter().flatten() {
                        if result["status"] == 201 {
                            if let Some(id) = result["order"]["id"].as_str() {
                                let number = result["order"]["order_number"].as_str().unwrap_or_default();
                                accepted.push((tenant_index, number.to_owned(), id.to_owned()));
                            }
                        }
                    }
                    (accepted, retries)
                }
                Placing::One(index) => {
                    let tenant_index = index % tenants_ref.len();
                    let tenant = &tenants_ref[tenant_index];
                    let number = format!("CH-{index}");
                    let body = order_body(&number);
                    let key = format!("order-{index}");
                    let (answer, retries) = with_retries(|| post(stack, tenant, "/v1/orders", &body, &key)).await;
                    let accepted = match answer.body["id"].as_str() {
                        Some(id) if answer.status == 201 => vec![(tenant_index, number, id.to_owned())],
                        _ => Vec::new(),
                    };
                    (accepted, retries)
                }
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut accepted: Vec<Accepted> = Vec::new();
    for (orders, retries) in placed {
        accepted.extend(orders);
        report.retries += retries;
    }
    accepted.sort();
    report.accepted = accepted.len();

    eprintln!(
        "chaos: {} orders accepted after {} s; confirming and despatching",
        accepted.len(),
        started.elapsed().as_secs()
    );
    // Confirmation, then one despatch of everything per accepted order, then invoicing; some credit notes.
    stack.deliver_all_concurrently(PER_QUEUE).await;
    let mut warehouse_keys = Vec::new();
    let mut operator_keys = Vec::new();
    for tenant in &tenants {
        warehouse_keys.push(stack.key_with_role(&tenant.id, Role::Warehouse).await);
        operator_keys.push(stack.key_with_role(&tenant.id, Role::Operator).await);
    }
    // An order is despatched once confirmation answered it; until then its despatch is refused (409) and tried
    // again in the next round, as a warehouse would. A despatch whose answer was lost is refused as "already
    // used" when sent again; the orders' own lines say in the end what was despatched.
    let mut waiting: Vec<&Accepted> = accepted.iter().collect();
    for _ in 0..8 {
        let warehouse_keys = &warehouse_keys;
        let answers: Vec<(&Accepted, Answer, usize)> = futures::stream::iter(waiting)
            .map(|entry| async move {
                let (tenant_index, _, id) = entry;
                let despatch_number = format!("D-{id}");
                let body = json!({"despatch_number": despatch_number, "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": "1.5"}]});
                let key = &warehouse_keys[*tenant_index];
                let path = format!("/v1/orders/{id}/despatches");
                let (answer, retries) =
                    with_retries(|| stack.call(reqwest::Method::POST, &path, key, Some(&body))).await;
                (entry, answer, retries)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut still = Vec::new();
        for (entry, answer, retries) in answers {
            report.retries += retries;
            let detail = answer.body["detail"].as_str().unwrap_or_default();
            let recorded = answer.status == 201
                || (answer.status == 409 && (detail.contains("already used") || detail.contains("is invoiced")));
            if !recorded {
                let detail = detail.split(':').next().unwrap_or_default();
                *report.refused_despatches.entry(format!("{} {detail}", answer.status)).or_default() += 1;
                still.push(entry);
            }
        }
        waiting = still;
        // What the faults held back: once the queues are worked off, the relay sends it again (as it would after
        // its grace period).
        stack.deliver_all_concurrently(PER_QUEUE).await;
        let relay = stack.stack.relay().expect("relay");
        let _ = relay.run_once(time::OffsetDateTime::now_utc() + time::Duration::hours(48)).await;
        stack.deliver_all_concurrently(PER_QUEUE).await;
        if waiting.is_empty() {
            break;
        }
    }

    eprintln!(
        "chaos: despatches recorded after {} s ({} still refused); the faults stop, settling",
        started.elapsed().as_secs(),
        waiting.len()
    );
    // The faults stop; the relay and redelivery run until nothing is left to do.
    faults.clear_counted(&rule_names, &mut report.faults).await;
    stack.kill_invocations(None).await;
    report.kills = devstack::sqs_runner::killed() - killed_before;
    settle(stack).await;
    let operator_keys_ref = &operator_keys;
    let credited: Vec<(bool, usize)> = futures::stream::iter(accepted.iter().enumerate().filter(|(n, _)| n % 10 == 3))
        .map(|(n, (tenant_index, _, id))| async move {
            let key = &operator_keys_ref[*tenant_index];
            let order = stack.call(reqwest::Method::GET, &format!("/v1/orders/{id}"), key, None).await;
            let Some(number) = order.body["invoices"][0]["number"].as_str() else { return (false, 0) };
            let path = format!("/v1/invoices/{number}/credit-notes");
            let body = json!({"reason": "Returned"});
            let idem = format!("credit-{n}");
            let (answer, retries) = with_retries(|| async {
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
            (answer.status == 201, retries)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    for (issued, retries) in credited {
        report.credit_notes += usize::from(issued);
        report.retries += retries;
    }
    settle(stack).await;

    eprintln!("chaos: {} credit notes after {} s; checking", report.credit_notes, started.elapsed().as_secs());
    check(stack, &tenants, &accepted, &operator_keys, &stock_before, &mut report).await;
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
/// until a round finds nothing to do and no message is in flight (a poll whose answer was lost leaves its messages
/// invisible until the queue's visibility timeout gives them back).
async fn settle(stack: &TestStack) {
    let relay = stack.stack.relay().expect("relay");
    let started = Instant::now();
    let mut quiet_rounds = 0;
    for round in 0..1000 {
        let at = time::OffsetDateTime::now_utc() + time::Duration::hours(24 * (round + 1));
        let relayed = relay.run_once(at).await.expect("relay");
        let delivered = stack.deliver_all_concurrently(PER_QUEUE).await;
        let mut redriven = 0;
        for stage in ["confirmation", "shipment", "invoicing"] {
            redriven += devstack::redrive::redrive(&stack.stack, stage).await.expect("redrive");
        }
        // Emails a killed invocation claimed go out once the claim is stale (5 minutes of real time). Between
        // rounds no invocation runs, so every claim left belongs to one that died: the run ages them instead of
        // waiting, and the next round's relay sends them.
        if relayed.unsent_email_orders > 0 {
            let aged = stack.age_every_email_claim(CLAIM_AGE_SECONDS).await;
            eprintln!("chaos: settling, {aged} email claims of killed invocations aged");
        }
        let only_unsendable_left = relayed.unsent_email_orders > 0 && relayed.email_failures == 0;
        quiet_rounds = if only_unsendable_left { quiet_rounds + 1 } else { 0 };
        if relayed.pending == 0
            && (relayed.unsent_email_orders == 0 || quiet_rounds >= 5)
            && delivered.received == 0
            && redriven == 0
        {
            let mut by_queue = Vec::new();
            for queue in QUEUES {
                by_queue.push((queue, stack.messages_in_flight(queue).await));
            }
            let in_flight: u64 = by_queue.iter().map(|(_, n)| n).sum();
            if in_flight == 0 {
                return;
            }
            eprintln!("chaos: settling, in flight: {by_queue:?} after {} s", started.elapsed().as_secs());
            assert!(started.elapsed() < Duration::from_secs(600), "{in_flight} messages stay in flight");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

/// How far the settling moves back the email claims killed invocations left: past the outbox's 5 minutes.
const CLAIM_AGE_SECONDS: i64 = 600;

/// The pipeline's queues (logical ids).
const QUEUES: [&str; 3] = ["ConfirmationQueue", "ShipmentQueue", "InvoicingQueue"];

/// Checks the invariants into `report`.
async fn check(
    stack: &TestStack,
    tenants: &[Tenant],
    accepted: &[Accepted],
    operator_keys: &[String],
    stock_before: &BTreeMap<(usize, &str), (Decimal, Decimal, usize)>,
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
    let orders: Vec<(&Accepted, Answer)> = futures::stream::iter(accepted)
        .map(|entry| async move {
            let (tenant_index, _, id) = entry;
            let path = format!("/v1/orders/{id}");
            (entry, stack.call(reqwest::Method::GET, &path, &operator_keys[*tenant_index], None).await)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    // Per tenant and SKU: (shipped, still promised).
    let mut moved: BTreeMap<(usize, String), (Decimal, Decimal)> = BTreeMap::new();
    for ((tenant_index, number, id), order) in orders {
        match stored_numbers.get(&(*tenant_index, number.clone())) {
            Some(ids) if ids.contains(id) => {}
            _ => report.lost += 1,
        }
        let status = order.body["status"].as_str().unwrap_or_default();
        *report.statuses.entry(status.to_owned()).or_default() += 1;
        if !matches!(status, "invoiced" | "rejected" | "delivered") {
            report.unfinished += 1;
        }
        let lines = order.body["lines"].as_array().cloned().unwrap_or_default();
        let quantity = |line: &Value, name: &str| line[name].as_str().and_then(|q| q.parse::<Decimal>().ok());
        let mut despatched = !lines.is_empty();
        for line in &lines {
            let (shipped, confirmed) =
                (quantity(line, "shipped_quantity").unwrap_or_default(), quantity(line, "confirmed_quantity"));
            despatched &= Some(shipped) == quantity(line, "quantity");
            let entry = moved.entry((*tenant_index, s_value(line, "sku"))).or_default();
            entry.0 += shipped;
            if !matches!(status, "rejected" | "cancelled") {
                entry.1 += confirmed.unwrap_or_default() - shipped;
            }
        }
        report.despatches += usize::from(despatched);
        let invoices = order.body["invoices"].as_array().cloned().unwrap_or_default();
        let issued = invoices.iter().filter(|i| i["kind"] == "invoice").count();
        report.invoices += issued;
        report.duplicated += issued.saturating_sub(1);
    }

    // Emails still claimed and not recorded sent (by kind).
    for (tenant_index, _, id) in accepted {
        let tenant = &tenants[*tenant_index];
        for item in stack.partition(&format!("T#{}#O#{id}", tenant.id)).await {
            if s(&item, "entity") == "email" && s(&item, "status") == "sending" {
                *report.emails_unsent.entry(s(&item, "kind").to_owned()).or_default() += 1;
            }
        }
    }

    // Stock: what is on hand is what was there less what was despatched; what is reserved is what live orders
    // still hold; and every level's available is on hand less reserved.
    for (tenant_index, tenant) in tenants.iter().enumerate() {
        for sku in SKUS {
            let (on_hand_before, _, _) = stock_before.get(&(tenant_index, sku)).copied().unwrap_or_default();
            let (shipped, promised) = moved.get(&(tenant_index, sku.to_owned())).copied().unwrap_or_default();
            let (on_hand, reserved, broken) = stock_of(stack, tenant, sku).await;
            report.stock_mismatches +=
                usize::from(on_hand != on_hand_before - shipped) + usize::from(reserved != promised) + broken;
        }
    }

    // Invoice numbers per tenant and series: 1…n, each archived: the PDF as its own object, the UBL (for buyers on
    // Peppol) in the tenant's document bundles, once the table's stream reached the archive function.
    stack.deliver_stream("ArchiveFunction").await;
    for tenant in tenants {
        let bundled: BTreeSet<String> =
            stack.bundled_documents(&tenant.id).await.into_iter().map(|(name, _)| name).collect();
        let ubl_names = stack.issued_ubl_names(&tenant.id).await;
        report.ubl_bundled += ubl_names.intersection(&bundled).count();
        report.unarchived += ubl_names.difference(&bundled).count();
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

/// A string field of a JSON object (empty if missing).
fn s_value(value: &Value, name: &str) -> String {
    value[name].as_str().unwrap_or_default().to_owned()
}
