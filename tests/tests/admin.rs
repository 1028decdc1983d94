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
