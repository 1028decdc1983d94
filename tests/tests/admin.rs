//! `orders-admin` against the local stack, as a platform operator onboards a seller: the tenant from the example
//! settings file, a webshop and an operator key; the operator fills the catalogue, the webshop's first order is
//! taken; a duplicate or invalid tenant file is refused with every problem named; a revoked key opens nothing.

use orders_testkit::{unique, TestStack};
use reqwest::Method;
use serde_json::{json, Value};

/// Runs one `orders-admin` command line against `stack` (through a local env file, as `make dev` writes one).
async fn admin(stack: &TestStack, dir: &std::path::Path, args: &[&str]) -> Result<String, String> {
    let env_file = dir.join("stack.env");
    let env = format!(
        "ORDERS_TABLE={}\nAWS_ENDPOINT_URL={}\nAWS_REGION={}\nAWS_ACCESS_KEY_ID=test\nAWS_SECRET_ACCESS_KEY=test\n",
        stack.stack.table_name(),
        stack.stack.aws.endpoint,
        stack.stack.aws.region
    );
    std::fs::write(&env_file, env).expect("env file");
    let mut line = vec!["orders-admin".to_owned(), "--env-file".to_owned(), env_file.display().to_string()];
    line.extend(args.iter().map(|a| (*a).to_owned()));
    let mut out = Vec::new();
    orders_admin::run(line, &mut out).await?;
    Ok(String::from_utf8(out).expect("UTF-8"))
}

#[tokio::test]
async fn an_operator_onboards_a_seller_whose_webshop_key_places_an_order_until_it_is_revoked() {
    let stack = TestStack::start().await;
    let dir = std::env::temp_dir().join(unique("orders-admin-"));
    std::fs::create_dir_all(&dir).expect("dir");
    let tenant = unique("seller-").to_lowercase();
    let example = devstack::stack::project_root().join("examples/tenant.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(example).expect("example")).expect("JSON");
    settings["tenant"] = json!(tenant);
    let file = dir.join("tenant.json");
    std::fs::write(&file, settings.to_string()).expect("tenant file");
    let file = file.display().to_string();

    let created = admin(&stack, &dir, &["tenant", "create", "--file", &file]).await.expect("created");
    assert_eq!(created.trim(), format!("created tenant {tenant}"));
    let again = admin(&stack, &dir, &["tenant", "create", "--file", &file]).await.expect_err("a duplicate");
    assert!(again.contains("exists already"), "{again}");
    let listed = admin(&stack, &dir, &["tenant", "list"]).await.expect("list");
    assert!(listed.lines().any(|l| l == tenant), "{listed}");

    // An invalid file names every problem where it is, and creates nothing.
    let mut bad = settings.clone();
    bad["tenant"] = json!(format!("{tenant}-bad"));
    bad["invoicing"]["iban"] = json!("SE0000000000000000000000");
    bad["warehouse"] = json!(["stockholm"]);
    let bad_file = dir.join("bad.json");
    std::fs::write(&bad_file, bad.to_string()).expect("bad file");
    let refused = admin(&stack, &dir, &["tenant", "create", "--file", &bad_file.display().to_string()])
        .await
        .expect_err("refused");
    assert!(refused.contains("/warehouse: unknown field"), "{refused}");
    let refused = {
        bad.as_object_mut().map(|o| o.remove("warehouse"));
        std::fs::write(&bad_file, bad.to_string()).expect("bad file");
        admin(&stack, &dir, &["tenant", "create", "--file", &bad_file.display().to_string()])
            .await
            .expect_err("refused")
    };
    assert!(refused.contains("/invoicing/iban"), "{refused}");

    // Keys: the secret is printed once.
    let webshop =
        admin(&stack, &dir, &["key", "create", "--tenant", &tenant, "--role", "webshop", "--channel", "shop"])
            .await
            .expect("webshop key");
    let webshop = webshop.trim().to_owned();
    let operator =
        admin(&stack, &dir, &["key", "create", "--tenant", &tenant, "--role", "operator", "--name", "Back office"])
            .await
            .expect("operator key");
    let operator = operator.trim().to_owned();
    let keys = admin(&stack, &dir, &["key", "list", "--tenant", &tenant]).await.expect("keys");
    assert_eq!(keys.lines().count(), 2, "{keys}");
    assert!(!keys.contains(&webshop) && !keys.contains(&operator), "secrets are never listed: {keys}");
    let nobody = admin(&stack, &dir, &["key", "create", "--tenant", "no-such-seller", "--role", "webshop"]).await;
    assert!(nobody.is_err_and(|e| e.contains("no tenant")));

    // The operator fills the catalogue; the webshop's first order is taken.
    let product = json!({"name": "Desk lamp", "price": "249.00", "vat_category": "S", "vat_rate": 25});
    assert_eq!(stack.call(Method::PUT, "/v1/products/LAMP-1", &operator, Some(&product)).await.status, 200);
    let stock = json!({"on_hand": 10});
    assert_eq!(stack.call(Method::PUT, "/v1/stock/LAMP-1/stockholm", &operator, Some(&stock)).await.status, 200);
    let order = json!({
        "order_number": "ACME-1", "currency": "SEK",
        "buyer": {"name": "Kund AB", "email": "inkop@kund.example.se"},
        "delivery_address": {"name": "Kund AB", "street": "Gatan 1", "city": "Uppsala", "postal_code": "753 20", "country": "SE"},
        "lines": [{"sku": "LAMP-1", "quantity": "2"}]
    });
    let placed = stack.call(Method::POST, "/v1/orders", &webshop, Some(&order)).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.body["channel"], "shop");

    // The example's response policy is automatic: the order is confirmed by the queue. The operator switches to
    // manual responses (If-Match on the settings' ETag); the next order waits for an answer.
    stack.deliver_all().await;
    let first = stack
        .call(Method::GET, &format!("/v1/orders/{}", placed.body["id"].as_str().unwrap_or("")), &operator, None)
        .await;
    assert_eq!(first.body["status"], "accepted", "{}", first.body);
    let read = stack.request(Method::GET, "/v1/settings", &operator).send().await.expect("GET /v1/settings");
    let etag = read.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned).expect("an ETag");
    let mut current: Value = read.json().await.expect("settings");
    current["response_policy"] = json!("manual");
    let changed = stack
        .request(Method::PUT, "/v1/settings", &operator)
        .header("if-match", etag)
        .json(&current)
        .send()
        .await
        .expect("PUT /v1/settings");
    assert_eq!(changed.status(), 200);
    let mut second = order.clone();
    second["order_number"] = json!("ACME-2");
    let second = stack.call(Method::POST, "/v1/orders", &webshop, Some(&second)).await;
    assert_eq!(second.status, 201, "{}", second.body);
    stack.deliver_all().await;
    let second = stack
        .call(Method::GET, &format!("/v1/orders/{}", second.body["id"].as_str().unwrap_or("")), &operator, None)
        .await;
    assert_eq!(second.body["status"], "pending_response", "{}", second.body);

    // Revoked: the key opens nothing.
    let key_id = keys.lines().find(|l| l.contains("webshop")).and_then(|l| l.split('\t').next()).expect("key id");
    let revoked = admin(&stack, &dir, &["key", "revoke", "--tenant", &tenant, key_id]).await.expect("revoked");
    assert_eq!(revoked.trim(), format!("revoked {key_id}"));
    let refused = stack
        .call(Method::GET, &format!("/v1/orders/{}", placed.body["id"].as_str().unwrap_or("")), &webshop, None)
        .await;
    assert_eq!(refused.status, 401);
    let _ = std::fs::remove_dir_all(&dir);
}

/// On AWS, `--stack` names the deployed stack: the table is what its outputs name (`DescribeStacks`), read with the
/// credentials of the `--profile` named (here a `credential_process`'s, as an SSO helper or a vault hands them out),
/// not the environment's; an unknown stack, or one without the output, is named in the error.
#[tokio::test]
async fn with_a_stack_and_a_profile_the_table_is_the_one_the_stack_outputs_name() {
    let stack = TestStack::start().await;
    let aws = &stack.stack.aws;
    let dir = std::env::temp_dir().join(unique("orders-admin-stack-"));
    std::fs::create_dir_all(&dir).expect("dir");
    // The emulator cannot run the SAM transform: a stack with the deployed one's output, naming the test's table.
    let cloudformation =
        aws_sdk_cloudformation::Client::new(&orders_aws::emulator_sdk_config(&aws.endpoint, &aws.region));
    let deployed = unique("orders-admin-");
    let bare = unique("orders-admin-bare-");
    for (name, outputs) in [
        (&deployed, json!({"OrdersTableName": {"Value": stack.stack.table_name()}})),
        (&bare, json!({"ApiUrl": {"Value": "https://api.example"}})),
    ] {
        let template = json!({
            "Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": outputs,
        });
        cloudformation.create_stack().stack_name(name).template_body(template.to_string()).send().await.unwrap_or_else(
            |e| panic!("create stack {name}: {}", aws_sdk_cloudformation::error::DisplayErrorContext(e)),
        );
    }

    // A profile of the AWS config file whose credentials come from a process. nextest runs each test in its own
    // process, and nothing else reads these files: setting the variables here touches no other test.
    let ran = dir.join("credential-process-ran");
    let script = dir.join("credentials.sh");
    let credentials = r#"{"Version": 1, "AccessKeyId": "test", "SecretAccessKey": "test"}"#;
    std::fs::write(&script, format!("touch '{}'\necho '{credentials}'\n", ran.display())).expect("script");
    let config = dir.join("config");
    let profile = format!("[profile orders-admin-test]\ncredential_process = sh '{}'\n", script.display());
    std::fs::write(&config, profile).expect("config");
    std::env::set_var("AWS_CONFIG_FILE", &config);
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));

    let no_env_file = dir.join("no-such.env").display().to_string();
    let admin = |stack_name: &str| {
        let line = [
            "orders-admin",
            "--stack",
            stack_name,
            "--profile",
            "orders-admin-test",
            "--region",
            &aws.region,
            "--endpoint",
            &aws.endpoint,
            "--env-file",
            &no_env_file,
            "tenant",
            "list",
        ];
        let line: Vec<String> = line.iter().map(|a| (*a).to_owned()).collect();
        async move {
            let mut out = Vec::new();
            orders_admin::run(line, &mut out).await.map(|()| String::from_utf8(out).expect("UTF-8"))
        }
    };
    let listed = admin(&deployed).await.expect("listed");
    assert!(listed.lines().any(|l| l == stack.tenant.id.to_string()), "{listed}");
    assert!(ran.exists(), "the profile's credential_process gave the credentials");

    let unknown = unique("no-such-stack-");
    let missing = admin(&unknown).await.expect_err("no such stack");
    assert_eq!(missing, format!("no stack named {unknown} in {} (profile orders-admin-test)", aws.region));
    let no_output = admin(&bare).await.expect_err("no table output");
    assert_eq!(no_output, format!("stack {bare} has no output OrdersTableName"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file of the example tenant's settings for a new seller `tenant`, in `dir`; the settings.
fn tenant_file(dir: &std::path::Path, tenant: &str) -> (String, Value) {
    let example = devstack::stack::project_root().join("examples/tenant.json");
    let mut settings: Value = serde_json::from_str(&std::fs::read_to_string(example).expect("example")).expect("JSON");
    settings["tenant"] = json!(tenant);
    let file = dir.join(format!("{tenant}.json"));
    std::fs::write(&file, settings.to_string()).expect("tenant file");
    (file.display().to_string(), settings)
}

/// A fresh directory for one test's files.
fn test_dir(prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// `redrive STAGE` on the local stack: the emulator has no message-move task, so each dead letter is copied back to
/// its queue and deleted from the DLQ; a stage without a queue to go back to, or none at all, is refused.
#[tokio::test]
async fn redrive_moves_a_dead_letter_back_to_its_stages_queue() {
    let stack = TestStack::start().await;
    let dir = test_dir("orders-admin-redrive-");
    let body = json!({"type": "order_received", "event_id": unique("evt-")}).to_string();
    stack.send_to_queue("ConfirmationDeadLetterQueue", &body).await;

    let moved = admin(&stack, &dir, &["redrive", "confirmation"]).await.expect("redrive");
    let name = &stack.stack.template.stack_name;
    assert!(
        moved.starts_with(&format!("moved 1 message(s) from {name}-confirmation-dlq back to {name}-confirmation ")),
        "{moved}"
    );
    assert!(stack.drain_queue("ConfirmationDeadLetterQueue").await.is_empty(), "the DLQ is empty");
    assert_eq!(stack.drain_queue("ConfirmationQueue").await, vec![body], "the queue holds the message");
    let again = admin(&stack, &dir, &["redrive", "confirmation"]).await.expect("redrive");
    assert!(again.starts_with("moved 0 message(s)"), "{again}");
    let feedback = admin(&stack, &dir, &["redrive", "mail-feedback"]).await.expect("mail feedback");
    assert!(feedback.contains(&format!("{name}-mail-feedback-dlq")), "{feedback}");

    let archive = admin(&stack, &dir, &["redrive", "archive"]).await.expect_err("nothing to go back to");
    assert!(archive.contains("no queue to send them back to"), "{archive}");
    let unknown = admin(&stack, &dir, &["redrive", "billing"]).await.expect_err("no such stage");
    assert!(unknown.contains("confirmation, shipment, invoicing, reporting, mail-feedback"), "{unknown}");
    let help = admin(&stack, &dir, &["redrive", "--help"]).await.expect("help");
    assert!(help.contains("StartMessageMoveTask") && help.contains("moto has no message-move tasks"), "{help}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tenant update`: the settings are replaced under the rules of `tenant create`, the change is in the settings'
/// history the back office shows (by `admin:…`, with the settings it changed); an unknown seller is refused.
#[tokio::test]
async fn tenant_update_replaces_the_settings_and_the_history_shows_it() {
    let stack = TestStack::start().await;
    let dir = test_dir("orders-admin-update-");
    let tenant = unique("seller-").to_lowercase();
    let (file, mut settings) = tenant_file(&dir, &tenant);
    admin(&stack, &dir, &["tenant", "create", "--file", &file]).await.expect("created");
    let operator =
        admin(&stack, &dir, &["key", "create", "--tenant", &tenant, "--role", "operator"]).await.expect("operator key");
    let operator = operator.trim().to_owned();

    settings["response_policy"] = json!("manual");
    settings["limits"] = json!({"orders_per_minute": 60});
    std::fs::write(&file, settings.to_string()).expect("tenant file");
    let updated = admin(&stack, &dir, &["tenant", "update", "--file", &file]).await.expect("updated");
    assert_eq!(updated.trim(), format!("updated tenant {tenant} (settings version 2): response_policy, limits"));
    let shown: Value =
        serde_json::from_str(&admin(&stack, &dir, &["tenant", "show", &tenant]).await.expect("show")).expect("JSON");
    assert_eq!((&shown["response_policy"], &shown["limits"]["orders_per_minute"]), (&json!("manual"), &json!(60)));
    let history = stack.call(Method::GET, "/v1/settings/history", &operator, None).await;
    assert_eq!(history.status, 200, "{}", history.body);
    let latest = &history.body["items"][0];
    assert_eq!((&latest["version"], &latest["changed"]), (&json!(2), &json!(["response_policy", "limits"])));
    assert!(latest["by"].as_str().is_some_and(|by| by.starts_with("admin:")), "{latest}");
    let same = admin(&stack, &dir, &["tenant", "update", "--file", &file]).await.expect("unchanged");
    assert!(same.starts_with(&format!("tenant {tenant} unchanged")), "{same}");
    let history = stack.call(Method::GET, "/v1/settings/history", &operator, None).await;
    assert_eq!(history.body["items"].as_array().map(Vec::len), Some(1), "nothing changed, nothing kept");

    // An unknown seller, or an invalid file, is refused and nothing is written.
    let (unknown_file, _) = tenant_file(&dir, &format!("{tenant}-none"));
    let unknown = admin(&stack, &dir, &["tenant", "update", "--file", &unknown_file]).await.expect_err("no tenant");
    assert!(unknown.starts_with(&format!("no tenant {tenant}-none")), "{unknown}");
    assert!(admin(&stack, &dir, &["tenant", "show", &format!("{tenant}-none")]).await.is_err(), "not created");
    settings["warehouses"] = json!([]);
    std::fs::write(&file, settings.to_string()).expect("tenant file");
    let invalid = admin(&stack, &dir, &["tenant", "update", "--file", &file]).await.expect_err("invalid");
    assert!(invalid.contains("/warehouses"), "{invalid}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `relay`: an order whose event could not be sent at intake (SQS refused the intake function's sends) keeps its
/// "publish pending" mark; the relay run by `orders-admin` sends it, and the order is answered.
#[tokio::test]
async fn relay_publishes_an_event_whose_publish_failed_at_intake() {
    let stack = TestStack::start().await;
    let dir = test_dir("orders-admin-relay-");
    let intake = stack.function_faults("IntakeFunction");
    intake.inject(json!({"service": "sqs", "action": "SendMessage", "kind": "error", "error": "unavailable"})).await;
    let placed = stack.post_json("/v1/orders", &orders_testkit::order_body("WS-ADMIN-RELAY")).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    intake.clear().await;
    let id = placed.body["id"].as_str().expect("id").to_owned();
    assert!(stack.drain_queue("ConfirmationQueue").await.is_empty(), "the event was not sent");

    // Not pending long enough at the function's threshold (120 s); at 0 s it is sent.
    let early = admin(&stack, &dir, &["relay"]).await.expect("relay");
    assert!(early.starts_with("re-published 0 of 0 pending event(s)"), "{early}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let relayed = admin(&stack, &dir, &["relay", "--older-than", "0"]).await.expect("relay");
    assert!(relayed.starts_with("re-published 1 of 1 pending event(s): 0 failed, 0 given up"), "{relayed}");
    stack.deliver_all().await;
    assert_eq!(stack.order(&id).await["status"], "accepted");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = admin(&stack, &dir, &["relay", "--older-than", "0"]).await.expect("relay");
    assert!(after.starts_with("re-published 0 of 0 pending event(s)"), "consumed, no longer pending: {after}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `report --date --tenant`: every report of the seller's day (CSV, XLSX, Parquet, manifest) and the page of charts
/// are written to the local stack's exports bucket, and their keys printed; the day's order is in the sales.
#[tokio::test]
async fn report_writes_the_days_exports_and_prints_their_keys() {
    let stack = TestStack::start().await;
    let dir = test_dir("orders-admin-report-");
    let tenant = stack.tenant.id.to_string();
    let placed = stack.post_json("/v1/orders", &orders_testkit::order_body("WS-ADMIN-REPORT")).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    stack.deliver_all().await;
    // The order's facts, from the table's stream: the sales reports are summed from them.
    assert_eq!(stack.deliver_stream("ReportingFunction").await.failed, 0);
    let today = time::OffsetDateTime::now_utc().date().to_string();

    let written = admin(&stack, &dir, &["report", "--date", &today, "--tenant", &tenant]).await.expect("report");
    let keys: Vec<&str> = written.lines().collect();
    let stored = stack.exported_keys(&format!("tenant={tenant}/")).await;
    for key in &keys {
        assert!(stored.iter().any(|k| k == key), "{key} printed but not in the bucket: {stored:?}");
    }
    for report in orders_domain::reports::ReportName::ALL {
        let manifest = format!("tenant={tenant}/report={}/date={today}/manifest.json", report.as_str());
        assert!(keys.contains(&manifest.as_str()), "{manifest} not printed: {written}");
    }
    assert!(keys.iter().any(|k| k.ends_with(".parquet")) && keys.iter().any(|k| k.ends_with(".xlsx")), "{written}");
    let manifest = format!("tenant={tenant}/report=sales_by_day/date={today}/manifest.json");
    let manifest: Value =
        serde_json::from_slice(&stack.exported_bytes(&manifest).await.expect("manifest")).expect("manifest JSON");
    let csv = manifest["files"].as_array().and_then(|files| files.iter().find(|f| f["format"] == "csv"));
    assert_eq!(csv.map(|f| &f["rows"]), Some(&json!(1)), "the day's one sales row: {manifest}");

    let bad_date = admin(&stack, &dir, &["report", "--date", "2026-13-01"]).await.expect_err("no such day");
    assert!(bad_date.contains("is not a day"), "{bad_date}");
    let nobody = admin(&stack, &dir, &["report", "--date", &today, "--tenant", "no-such-seller"]).await;
    assert!(nobody.is_err_and(|e| e == "no tenant no-such-seller"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `secrets rotate`: the local stack's secret gets a new current key, the old one kept as the previous.
#[tokio::test]
async fn secrets_rotate_puts_a_new_key_in_front_of_the_old() {
    let stack = TestStack::start().await;
    let dir = test_dir("orders-admin-secrets-");
    let before = stack.stack.signing_keys(orders_aws::SecretPurpose::Cursor).await.expect("keys");
    let rotated = admin(&stack, &dir, &["secrets", "rotate", "cursor"]).await.expect("rotated");
    let after = stack.stack.signing_keys(orders_aws::SecretPurpose::Cursor).await.expect("keys");
    let (old, new) = (before.current().kid().to_owned(), after.current().kid().to_owned());
    assert_ne!(old, new);
    assert!(rotated.starts_with(&format!("cursor: key {new} signs from now on; {old} is still accepted")), "{rotated}");
    let unknown = admin(&stack, &dir, &["secrets", "rotate", "api"]).await.expect_err("no such secret");
    assert!(unknown.contains("console-session, portal-session, buyer-link, cursor"), "{unknown}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `--stack`, the queues are the ones the stack's outputs name, else the stack's own resources; a stage whose
/// queue neither names is refused with both named. Through an endpoint (the emulator) the messages are copied back.
#[tokio::test]
async fn with_a_stack_redrive_moves_between_the_queues_its_outputs_name() {
    let stack = TestStack::start().await;
    let aws = &stack.stack.aws;
    let cloudformation =
        aws_sdk_cloudformation::Client::new(&orders_aws::emulator_sdk_config(&aws.endpoint, &aws.region));
    let deployed = unique("orders-admin-queues-");
    let reference = |id: &str| stack.stack.reference(id).expect("provisioned").to_owned();
    // Invoicing's queues have no outputs: the stack's own resources (which the emulator makes) are found instead.
    let template = json!({
        "Resources": {
            "InvoicingDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": format!("{deployed}-invoicing-dlq")}},
            "InvoicingQueue": {"Type": "AWS::SQS::Queue", "Properties": {
                "QueueName": format!("{deployed}-invoicing"),
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["InvoicingDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5},
            }},
        },
        "Outputs": {
            "OrdersTableName": {"Value": stack.stack.table_name()},
            "ShipmentQueueUrl": {"Value": reference("ShipmentQueue")},
            "ShipmentDeadLetterQueueUrl": {"Value": reference("ShipmentDeadLetterQueue")},
        },
    });
    cloudformation
        .create_stack()
        .stack_name(&deployed)
        .template_body(template.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create stack: {}", aws_sdk_cloudformation::error::DisplayErrorContext(e)));
    let body = json!({"type": "order_despatched", "event_id": unique("evt-")}).to_string();
    let dlq = reference("ShipmentDeadLetterQueue");
    aws.sqs.send_message().queue_url(&dlq).message_body(&body).send().await.expect("dead letter");

    // The environment's keys (nextest runs each test in its own process; the emulator takes any).
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    }
    let dir = test_dir("orders-admin-stack-redrive-");
    let no_env_file = dir.join("no-such.env").display().to_string();
    let run = |stage: &str| {
        let line = ["orders-admin", "--stack", &deployed, "--region", &aws.region, "--endpoint", &aws.endpoint]
            .into_iter()
            .chain(["--env-file", &no_env_file, "redrive", stage])
            .map(str::to_owned)
            .collect::<Vec<_>>();
        async move {
            let mut out = Vec::new();
            orders_admin::run(line, &mut out).await.map(|()| String::from_utf8(out).expect("UTF-8"))
        }
    };
    let moved = run("shipment").await.expect("redrive");
    assert!(moved.starts_with("moved 1 message(s) from "), "{moved}");
    assert!(stack.drain_queue("ShipmentDeadLetterQueue").await.is_empty(), "the DLQ is empty");
    assert_eq!(stack.drain_queue("ShipmentQueue").await, vec![body], "the queue holds the message");
    let invoicing_dlq = aws
        .sqs
        .get_queue_url()
        .queue_name(format!("{deployed}-invoicing-dlq"))
        .send()
        .await
        .expect("the stack's DLQ")
        .queue_url
        .unwrap_or_default();
    let body = json!({"type": "order_ready_to_invoice", "event_id": unique("evt-")}).to_string();
    aws.sqs.send_message().queue_url(&invoicing_dlq).message_body(&body).send().await.expect("dead letter");
    let moved = run("invoicing").await.expect("redrive");
    assert!(
        moved.starts_with(&format!("moved 1 message(s) from {deployed}-invoicing-dlq back to {deployed}-invoicing ")),
        "{moved}"
    );
    let received = aws
        .sqs
        .receive_message()
        .queue_url(invoicing_dlq.replace("-invoicing-dlq", "-invoicing"))
        .send()
        .await
        .expect("receive");
    assert_eq!(received.messages().iter().filter_map(|m| m.body()).collect::<Vec<_>>(), vec![body.as_str()]);
    let missing = run("reporting").await.expect_err("no output, no resource");
    assert!(missing.starts_with(&format!("stack {deployed} has no output ReportingQueueUrl, and ")), "{missing}");
    assert!(missing.contains("ReportingQueue"), "{missing}");
    let _ = std::fs::remove_dir_all(&dir);
}
