//! `devstack`: the local stack on one command.
//!
//! ```text
//! devstack up [--port 3000] [--stack orders-local] [--endpoint URL] [--env-file PATH]
//!                                                                   emulator + provision + demo data + HTTP API
//! devstack provision --endpoint URL [--stack NAME]                   create the template's resources
//! devstack key create --tenant T --role webshop|operator|warehouse [--channel C] [--endpoint URL] [--stack NAME]
//! devstack relay [--older-than SECONDS] [--endpoint URL] [--stack NAME]   run the relay once, now
//! devstack redrive STAGE [--endpoint URL] [--stack NAME]             move a stage's DLQ back to its queue
//! devstack secrets rotate PURPOSE [--endpoint URL] [--stack NAME]     rotate a signing secret of the local stack
//! devstack secrets rotate PURPOSE --secret-id ARN                     … of a deployed stack (AWS_* credentials)
//! ```
//! Without `--endpoint`, `AWS_ENDPOINT_URL` is used; `up` starts its own moto server when neither is set.

use std::collections::HashMap;
use std::process::ExitCode;

use devstack::emulator::Emulator;
use devstack::stack::{project_root, template_path};
use devstack::LocalStack;
use orders_domain::ids::{Role, TenantId};

const USAGE: &str = "usage:
  devstack up [--port 3000] [--stack orders-local] [--endpoint URL] [--env-file .local/demo.env]
  devstack provision [--endpoint URL] [--stack orders-local]
  devstack key create --tenant T --role webshop|operator|warehouse [--channel C] [--endpoint URL] [--stack orders-local]
  devstack relay [--older-than SECONDS] [--endpoint URL] [--stack orders-local]
  devstack redrive confirmation|shipment|invoicing [--endpoint URL] [--stack orders-local]
  devstack report [--date YYYY-MM-DD] [--tenant T] [--endpoint URL] [--stack orders-local]
  devstack secrets rotate console-session|portal-session|buyer-link|cursor|webhook-signing [--endpoint URL] [--stack orders-local]
  devstack secrets rotate PURPOSE --secret-id ARN   (a deployed stack: AWS_REGION and AWS_ACCESS_KEY_ID,
                                                    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN from the environment)";

const DEMO_TENANT: &str = "demo";
const DEMO_CHANNEL: &str = "demo-webshop";

struct Args {
    positional: Vec<String>,
    options: HashMap<String, String>,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut options = HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let value = args.next().ok_or_else(|| format!("--{name} needs a value"))?;
            options.insert(name.to_owned(), value);
        } else {
            positional.push(arg);
        }
    }
    Ok(Args { positional, options })
}

impl Args {
    fn option(&self, name: &str) -> Option<String> {
        self.options.get(name).cloned()
    }
    fn stack(&self) -> String {
        self.option("stack").unwrap_or_else(|| "orders-local".into())
    }
    fn endpoint(&self) -> Option<String> {
        self.option("endpoint").or_else(|| std::env::var("AWS_ENDPOINT_URL").ok()).filter(|e| !e.is_empty())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn,hyper=warn")
    });
    // Logs go to stderr: stdout is what a command answers (`key create` prints the key and nothing else).
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).try_init();
    let result = match parse_args() {
        Err(error) => Err(error),
        Ok(args) => match args.positional.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["up"] => up(&args).await,
            ["provision"] => provision(&args).await,
            ["key", "create"] => key_create(&args).await,
            ["relay"] => relay(&args).await,
            ["redrive", stage] => redrive(&args, stage).await,
            ["report"] => report(&args).await,
            ["secrets", "rotate", purpose] => rotate_secret(&args, purpose).await,
            _ => Err(USAGE.to_owned()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("devstack: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn provisioned(args: &Args, endpoint: &str) -> Result<LocalStack, String> {
    LocalStack::provision(endpoint, &args.stack(), &template_path()).await.map_err(|e| e.to_string())
}

async fn provision(args: &Args) -> Result<(), String> {
    let endpoint = args.endpoint().ok_or("give --endpoint or set AWS_ENDPOINT_URL")?;
    let stack = provisioned(args, &endpoint).await?;
    for (logical_id, physical) in &stack.provisioned {
        println!("{logical_id:32} {}", physical.reference);
    }
    Ok(())
}

async fn key_create(args: &Args) -> Result<(), String> {
    let endpoint = args.endpoint().ok_or("give --endpoint or set AWS_ENDPOINT_URL (see .local/demo.env)")?;
    let tenant = TenantId::parse(args.option("tenant").ok_or("--tenant is required")?).map_err(|e| e.to_string())?;
    let role = Role::parse(&args.option("role").ok_or("--role is required")?).map_err(|e| e.to_string())?;
    let channel = args.option("channel").unwrap_or_else(|| "default".into());
    let stack = provisioned(args, &endpoint).await?;
    let key =
        devstack::seed::create_api_key(&stack.store(), &tenant, role, &channel).await.map_err(|e| e.to_string())?;
    println!("{}", key.secret);
    eprintln!(
        "created {} key {} for tenant {tenant} (shown once; only its SHA-256 is stored)",
        role.as_str(),
        key.record.key_id
    );
    Ok(())
}

async fn relay(args: &Args) -> Result<(), String> {
    let endpoint = args.endpoint().ok_or("give --endpoint or set AWS_ENDPOINT_URL (see .local/demo.env)")?;
    let mut stack = provisioned(args, &endpoint).await?;
    if let Some(seconds) = args.option("older-than") {
        stack = stack.with_env("RelayFunction", "RELAY_AFTER_SECONDS", &seconds);
    }
    let report = stack.relay()?.run_once(time::OffsetDateTime::now_utc()).await.map_err(|e| e.to_string())?;
    println!(
        "pending {}, re-published {}, failed {}, gave up {}",
        report.pending, report.republished, report.failed, report.gave_up
    );
    Ok(())
}

/// Moves every message of a stage's dead-letter queue back to the stage's queue.
async fn redrive(args: &Args, stage: &str) -> Result<(), String> {
    let endpoint = args.endpoint().ok_or("give --endpoint or set AWS_ENDPOINT_URL (see .local/demo.env)")?;
    let stack = provisioned(args, &endpoint).await?;
    let moved = devstack::redrive::redrive(&stack, stage).await?;
    println!("{moved} message(s) moved from the {stage} dead-letter queue back to its queue");
    Ok(())
}

/// Rotates one signing secret: of the local stack (its ARN from the template), or, with `--secret-id`, any secret
/// the environment's credentials reach (a deployed stack; `AWS_ENDPOINT_URL` unset).
async fn rotate_secret(args: &Args, purpose: &str) -> Result<(), String> {
    let purpose = orders_aws::SecretPurpose::parse(purpose)
        .ok_or_else(|| format!("unknown secret {purpose:?}: console-session, portal-session, buyer-link or cursor"))?;
    let (client, secret_id) = match args.option("secret-id") {
        Some(secret_id) => (orders_aws::secrets_client(&orders_aws::sdk_config()), secret_id),
        None => {
            let endpoint = args.endpoint().ok_or("give --endpoint (or set AWS_ENDPOINT_URL), or --secret-id")?;
            let stack = provisioned(args, &endpoint).await?;
            let arn = stack.secret_arn(purpose)?.to_owned();
            (stack.aws.secrets.clone(), arn)
        }
    };
    let rotation = orders_aws::rotate_secret(&client, &secret_id).await.map_err(|e| e.to_string())?;
    println!(
        "{}: key {} signs from now on; {} is still accepted until the next rotation (functions read it within 5 minutes)",
        purpose.as_str(),
        rotation.current_kid,
        rotation.previous_kid
    );
    Ok(())
}

/// Fires the reporting schedule now (for `--date`, default yesterday; every tenant unless `--tenant`).
async fn report(args: &Args) -> Result<(), String> {
    let endpoint = args.endpoint().ok_or("give --endpoint or set AWS_ENDPOINT_URL (see .local/demo.env)")?;
    let stack = provisioned(args, &endpoint).await?;
    let app = stack.reporting()?;
    // Every tenant's day here and now, one after the other (the schedule queues them instead).
    let tenants = match args.option("tenant") {
        Some(tenant) => vec![tenant],
        None => app.store().list_tenants().await.map_err(|e| e.to_string())?.iter().map(ToString::to_string).collect(),
    };
    for tenant in tenants {
        let mut event = aws_lambda_events::eventbridge::EventBridgeEvent::<reporting::ReportRun>::default();
        event.detail = reporting::ReportRun { tenant: Some(tenant), date: args.option("date") };
        let summary = reporting::handle(&app, event).await.map_err(|e| e.to_string())?;
        println!("reports of {} written:", summary.date);
        for manifest in summary.manifests {
            println!("  {manifest}");
        }
    }
    Ok(())
}

async fn up(args: &Args) -> Result<(), String> {
    let port: u16 =
        args.option("port").unwrap_or_else(|| "3000".into()).parse().map_err(|_| "--port must be a number")?;
    let root = project_root();
    let mut emulator = None;
    let endpoint = match args.endpoint() {
        Some(endpoint) => endpoint,
        None => {
            let started = Emulator::start(&root).await.map_err(|e| e.to_string())?;
            let endpoint = started.endpoint.clone();
            emulator = Some(started);
            endpoint
        }
    };
    eprintln!("emulator      {endpoint}");
    let mut stack = provisioned(args, &endpoint).await?;
    stack.api_origin = format!("http://127.0.0.1:{port}");
    eprintln!("provisioned   {} resources of infra/template.yaml as stack {}", stack.provisioned.len(), args.stack());

    let tenant = TenantId::parse(DEMO_TENANT).map_err(|e| e.to_string())?;
    let store = stack.store();
    devstack::seed::seed_demo(&store, &tenant).await.map_err(|e| e.to_string())?;
    // Locally, orders wait for an answer in the console, and what ships is invoiced once the order is delivered
    // or when someone issues the invoice in the console (the tests' tenants answer and invoice automatically).
    let mut settings = devstack::seed::demo_tenant(&tenant);
    settings.response_policy = orders_domain::tenant::ResponsePolicy::Manual;
    settings.invoice_trigger = orders_domain::tenant::InvoiceTrigger::OnDelivery;
    store.put_tenant(&settings).await.map_err(|e| e.to_string())?;
    let create = |role| devstack::seed::create_api_key(&store, &tenant, role, DEMO_CHANNEL);
    let key = create(Role::Webshop).await.map_err(|e| e.to_string())?;
    let operator = create(Role::Operator).await.map_err(|e| e.to_string())?;
    let warehouse = create(Role::Warehouse).await.map_err(|e| e.to_string())?;

    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| format!("bind 127.0.0.1:{port}: {e}"))?;
    let url = format!("http://127.0.0.1:{port}");
    let env_file = args.option("env-file").map_or_else(|| root.join(".local/demo.env"), std::path::PathBuf::from);
    let env = format!(
        "ORDERS_API_URL={url}\nORDERS_CONSOLE_URL={url}/console\nORDERS_API_KEY={}\nORDERS_OPERATOR_KEY={}\nORDERS_WAREHOUSE_KEY={}\nAWS_ENDPOINT_URL={endpoint}\nAWS_REGION={}\nAWS_ACCESS_KEY_ID=test\nAWS_SECRET_ACCESS_KEY=test\nORDERS_STACK={}\nORDERS_TABLE={}\n",
        key.secret,
        operator.secret,
        warehouse.secret,
        stack.aws.region,
        args.stack(),
        stack.table_name()
    );
    if let Some(dir) = env_file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&env_file, env).map_err(|e| format!("write {}: {e}", env_file.display()))?;

    let gateway = devstack::gateway(&stack)?;
    let mut tasks = vec![tokio::spawn(gateway.serve(listener))];
    for consumer in devstack::consumers(&stack).await? {
        // Locally a failed message is retried after 2 s instead of the queue's visibility timeout.
        tasks.push(consumer.retry_after(2).spawn());
    }
    for consumer in devstack::stream_consumers(&stack).await? {
        tasks.push(consumer.spawn());
    }
    tasks.extend(devstack::spawn_schedules(&stack)?);
    let mail_dir = root.join(".local/mail");
    tasks.push(devstack::mail::spawn_mail_drop(endpoint.clone(), mail_dir.clone()));
    eprintln!(
        "demo tenant   {DEMO_TENANT}: 5 products in 2 warehouses, customers C-1 and C-2; orders wait for an answer in the console, invoiced on delivery or from the console"
    );
    eprintln!("webshop key   {}", key.secret);
    eprintln!("operator key  {}", operator.secret);
    eprintln!("warehouse key {}", warehouse.secret);
    eprintln!("env file      {}", env_file.display());
    eprintln!("HTTP API      {url}  (GET {url}/healthz)");
    eprintln!("console       {url}/console  (log in with the operator or warehouse key)");
    eprintln!(
        "queues        {} consumer(s), {} table stream consumer(s) (the archive, the facts), relay every minute (`devstack relay` runs it now)",
        stack.template.sqs_event_sources().len(),
        stack.template.stream_event_sources().len()
    );
    eprintln!("emails        {}", mail_dir.display());
    eprintln!();
    eprintln!(
        "try:  curl -s -X POST {url}/v1/orders -H \"Authorization: Bearer {}\" -H 'Content-Type: application/json' \\",
        key.secret
    );
    eprintln!("        -d '{{\"order_number\":\"WS-1\",\"currency\":\"EUR\",\"buyer\":{{\"customer_id\":\"C-1\"}},\"delivery_address\":{{\"name\":\"Anna\",\"street\":\"Gatan 1\",\"city\":\"Malmö\",\"postal_code\":\"211 22\",\"country\":\"SE\"}},\"lines\":[{{\"sku\":\"SKU-1\",\"quantity\":\"2\"}}]}}'");
    eprintln!();
    eprintln!("Ctrl-C stops the API and the emulator.");
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("stopping");
    for task in tasks {
        task.abort();
    }
    if let Some(emulator) = emulator {
        emulator.stop().await;
    }
    Ok(())
}
