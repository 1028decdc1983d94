//! `orders-admin`: the platform operator's CLI. It onboards a seller from its settings file (`examples/tenant.json`,
//! read with the domain's own rules) and replaces its settings later, makes, lists and revokes the seller's API keys,
//! and runs the pipeline's operator chores on the stack: a stage's dead-letter queue redriven, the relay run now, a
//! day's reports written, a signing secret rotated — through the same use cases the functions, the back office and
//! devstack use (`orders_app::admin`, `orders_app::relay`, `orders_app::reports`, `orders_aws::rotate_secret`).
//!
//! Where it works, first match wins (`target`):
//! - `--stack NAME`, `--profile` or `--region`: the deployed stack on AWS. Its table, queues and buckets are what the
//!   stack's outputs name (`DescribeStacks`; infra/template.yaml `Outputs:`), a resource no output names (a signing
//!   secret, the mail-feedback queues) the stack's own (`DescribeStackResource`).
//! - the local stack's env file (`--env-file`, default `.local/demo.env`, which `make dev` writes) when it exists:
//!   its table, the emulator's endpoint and its dummy credentials (the process environment fills in the rest); or,
//!   without the file, `ORDERS_TABLE` of the environment with the SDK's variables (`source .local/demo.env`). Its
//!   queues, bucket and secrets are the names devstack provisions the template's under (`ORDERS_STACK`).
//! - otherwise the deployed stack samconfig.toml names (`stack_name`, `orders-pipeline`).
//!
//! `--table` names the table in any case. On AWS, region and credentials come from the standard chain, as the AWS
//! CLI finds them: `--region`, `AWS_REGION`, the profile's; `--profile` (else `AWS_PROFILE`) with SSO,
//! `credential_process`, an assumed role or keys, else the environment's keys, then container or instance roles
//! ([`orders_aws::config::chain_sdk_config`]). `--endpoint` (or `AWS_ENDPOINT_URL`) points it at another endpoint.

mod redrive;
mod runs;
mod stack;
mod target;

use std::io::Write;
use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use time::OffsetDateTime;

use orders_aws::Store;
use orders_domain::admin::{parse_new_key, parse_tenant, RequestError};
use orders_domain::ids::TenantId;

use target::Target;

/// The platform operator's CLI for the order pipeline.
#[derive(Debug, Parser)]
#[command(
    name = "orders-admin",
    version,
    about,
    after_help = "Where: with --stack, --profile or --region, the deployed stack on AWS (its table, queues and \
                  buckets from the stack's outputs); else the local stack's env file when it exists (make dev writes \
                  .local/demo.env); else the deployed stack samconfig.toml names. --table names the table in any \
                  case. On AWS, credentials and region come from the standard chain: --profile (SSO, \
                  credential_process, assumed roles, keys) or AWS_PROFILE, else the environment's keys; --region, \
                  AWS_REGION or the profile's region. Every verb has --help."
)]
struct Cli {
    /// The deployed CloudFormation stack whose outputs name its table, queues and buckets [default without an env
    /// file: stack_name of samconfig.toml]; the env file is not read then.
    #[arg(long, global = true, value_name = "NAME")]
    stack: Option<String>,
    /// The profile of the AWS config and credentials files (SSO, credential_process, an assumed role or keys): its
    /// credentials, not the environment's; the env file is not read then.
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// The AWS region [default: AWS_REGION, else the profile's]; the env file is not read then.
    #[arg(long, global = true)]
    region: Option<String>,
    /// The stack's DynamoDB table, instead of the one the stack's outputs or the env file name.
    #[arg(long, global = true)]
    table: Option<String>,
    /// The AWS endpoint [default: AWS_ENDPOINT_URL of the env file or the environment; none for AWS itself].
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// The local stack's env file, read when it exists and no --stack, --profile or --region is given.
    #[arg(long, global = true, value_name = "PATH", default_value = ".local/demo.env")]
    env_file: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sellers: create one from its settings file, replace its settings, show one, list them.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// A seller's API keys: make one (its secret is printed once), list them, revoke one.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Moves the messages of a stage's dead-letter queue back to the stage's queue.
    ///
    /// Fix the cause first (docs/runbook.md, "Dead-letter queues"): a message that fails again comes back to the
    /// dead-letter queue. The queue must name the dead-letter queue in its RedrivePolicy, or nothing is moved.
    ///
    /// On AWS, SQS moves them: a message-move task from the dead-letter queue to the queue (StartMessageMoveTask);
    /// its handle is printed, and --wait follows it (ListMessageMoveTasks) until it ends and prints how many moved.
    /// The queues are the stack's outputs {Stage}QueueUrl and {Stage}DeadLetterQueueUrl (else its resources
    /// {Stage}Queue and {Stage}DeadLetterQueue).
    ///
    /// Through an endpoint (the local stack: moto has no message-move tasks) each message is received from the
    /// dead-letter queue, sent to the queue and deleted from the dead-letter queue once the queue took it, as
    /// `devstack redrive` does; --wait changes nothing there. A message sent twice is harmless: consumers deduplicate.
    Redrive {
        /// The stage: confirmation, shipment, invoicing, reporting, mail-feedback or inbound. (The archive's dead-letter
        /// queue holds stream records with nowhere to go back to: see the runbook.)
        #[arg(value_name = "STAGE")]
        stage: String,
        /// On AWS, wait for the move task to end and print how many messages it moved.
        #[arg(long)]
        wait: bool,
    },
    /// Runs the relay once, now, as its function does every minute, and prints what it did.
    ///
    /// Every event whose "publish pending" mark is older than the threshold is sent to its stage's queue again
    /// (its mark moves out, doubling per send; after 8 sends the relay gives up on it), and the emails left unsent
    /// are sent, once each. Its settings are the relay function's in infra/template.yaml, from the stack: the
    /// stage queues, the sender (the stack's SenderEmail), the mail configuration set, the portal and its
    /// buyer-link secret. Next to the deployed relay (every minute, one at a time) an event may be sent twice,
    /// which its stage absorbs (consumers deduplicate by event id); an unsent email is reclaimed conditionally
    /// and sent once.
    Relay {
        /// How old a mark must be, in seconds [default: 120, the function's RELAY_AFTER_SECONDS]; 0 takes every
        /// pending event.
        #[arg(long, value_name = "SECONDS")]
        older_than: Option<u64>,
    },
    /// Writes a day's reports of one seller or of every seller to the exports bucket, and prints the keys written.
    ///
    /// The reporting function's run of one seller's day (orders_app::reports::daily::run_day): every report as
    /// CSV, XLSX and Parquet with its manifest.json, then the page of charts; a run again replaces the day's
    /// files whole. Every seller runs here, one after the other (the schedule queues them instead); one that
    /// fails is named and the others still run. The bucket is the stack's output ExportsBucketName (locally
    /// EXPORTS_BUCKET of the env file, else the local stack's).
    Report {
        /// The day (YYYY-MM-DD, UTC) [default: yesterday, as the schedule].
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// One seller only [default: every seller].
        #[arg(long)]
        tenant: Option<String>,
    },
    /// The stack's signing secrets in Secrets Manager.
    #[command(subcommand)]
    Secrets(SecretsCommand),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Creates the seller a settings file describes (see examples/tenant.json); refuses one that exists.
    Create {
        /// The settings file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Replaces a seller's settings with a settings file's and prints which settings changed.
    ///
    /// The file is the seller's whole settings (examples/tenant.json; its "tenant" names the seller), read with the
    /// rules of `tenant create`. A seller that does not exist is refused. The change is kept in the settings'
    /// history (GET /v1/settings/history) as made by admin:$USER, as the back office keeps a seller's own
    /// (PUT /v1/settings); if the settings change meanwhile, nothing is written.
    Update {
        /// The settings file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Prints a seller's settings as JSON.
    Show {
        /// The seller's id.
        tenant: String,
    },
    /// Lists every seller's id.
    List,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Makes an API key and prints its secret (shown this once; only its SHA-256 is stored).
    Create {
        /// The seller.
        #[arg(long)]
        tenant: String,
        /// webshop, operator or warehouse.
        #[arg(long)]
        role: String,
        /// What the key is for (default: the role and channel).
        #[arg(long)]
        name: Option<String>,
        /// The channel a webshop key's orders come from.
        #[arg(long, default_value = "default")]
        channel: String,
        /// The last day the key works (YYYY-MM-DD, UTC; at most two years ahead).
        #[arg(long)]
        expires: Option<String>,
    },
    /// Lists a seller's keys (never their secrets).
    List {
        /// The seller.
        #[arg(long)]
        tenant: String,
    },
    /// Revokes a key: it opens nothing from now on, nor do console sessions opened with it.
    Revoke {
        /// The seller.
        #[arg(long)]
        tenant: String,
        /// The key's id (key_…).
        key_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Rotates a signing secret: a new key signs from now on, the one before stays accepted until the next rotation.
    ///
    /// The secret is the stack's <stack>/<purpose> (on AWS, the stack's resource {Purpose}Secret). Functions pick
    /// the new key up within 5 minutes. Rotate twice, at least 5 minutes apart and after the old key's tokens have
    /// ended, to retire a leaked key (README, "Signing secrets").
    Rotate {
        /// console-session, portal-session, buyer-link or cursor.
        purpose: String,
    },
}

/// Runs one command line (`args` as the process gets them, program name first), printing to `out` (`--help` too).
pub async fn run(args: impl IntoIterator<Item = String>, out: &mut impl Write) -> Result<(), String> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(help) if matches!(help.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return write!(out, "{help}").map_err(|e| e.to_string());
        }
        Err(error) => return Err(error.to_string()),
    };
    let target = Target::resolve(&cli).await?;
    let print = |out: &mut dyn Write, text: String| writeln!(out, "{text}").map_err(|e| e.to_string());
    match cli.command {
        Command::Tenant(TenantCommand::Create { file }) => {
            let store = store(&target).await?;
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let settings = parse_tenant(&text).map_err(|e| problems(&file.display().to_string(), e))?;
            orders_app::admin::create_tenant(&store, &settings).await.map_err(|e| e.to_string())?;
            print(out, format!("created tenant {}", settings.tenant))
        }
        Command::Tenant(TenantCommand::Update { file }) => {
            let store = store(&target).await?;
            print(out, runs::update_tenant(&store, &file, OffsetDateTime::now_utc()).await?)
        }
        Command::Tenant(TenantCommand::Show { tenant }) => {
            let store = store(&target).await?;
            let id = tenant_id(&tenant)?;
            let settings = store.get_tenant(&id).await.map_err(|e| e.to_string())?.ok_or(format!("no tenant {id}"))?;
            print(out, serde_json::to_string_pretty(&settings).map_err(|e| e.to_string())?)
        }
        Command::Tenant(TenantCommand::List) => {
            let store = store(&target).await?;
            for tenant in store.list_tenants().await.map_err(|e| e.to_string())? {
                print(out, tenant.to_string())?;
            }
            Ok(())
        }
        Command::Key(KeyCommand::Create { tenant, role, name, channel, expires }) => {
            let store = store(&target).await?;
            let id = tenant_id(&tenant)?;
            store.get_tenant(&id).await.map_err(|e| e.to_string())?.ok_or(format!("no tenant {id}"))?;
            let now = OffsetDateTime::now_utc();
            let request = serde_json::json!({
                "name": name.unwrap_or_else(|| format!("{role} ({channel})")),
                "role": role,
                "channel": channel,
                "expires_date": expires,
            });
            let key = parse_new_key(&request.to_string(), now.date()).map_err(|e| problems("the key", e))?;
            let issued = orders_app::admin::issue_key(&store, &id, &key, "orders-admin", now)
                .await
                .map_err(|e| e.to_string())?;
            print(out, issued.secret)?;
            eprintln!(
                "created {} key {} for tenant {id} (shown once; only its SHA-256 is stored)",
                key.role.as_str(),
                issued.record.key_id
            );
            Ok(())
        }
        Command::Key(KeyCommand::List { tenant }) => {
            let store = store(&target).await?;
            let id = tenant_id(&tenant)?;
            for listed in store.list_api_keys(&id).await.map_err(|e| e.to_string())? {
                let key = &listed.key;
                let state = if key.revoked_at.is_some() { "revoked" } else { "active" };
                print(
                    out,
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        key.key_id,
                        key.role.as_str(),
                        key.channel,
                        state,
                        key.name.as_deref().unwrap_or("")
                    ),
                )?;
            }
            Ok(())
        }
        Command::Key(KeyCommand::Revoke { tenant, key_id }) => {
            let store = store(&target).await?;
            let id = tenant_id(&tenant)?;
            let at =
                OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            let revoked = store
                .revoke_api_key(&id, &key_id, &at)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("no key {key_id} of {id}"))?;
            print(out, format!("revoked {}", revoked.key_id))
        }
        Command::Redrive { stage, wait } => redrive::redrive(&target, redrive::stage(&stage)?, wait, out).await,
        Command::Relay { older_than } => {
            let report = runs::relay(&target, older_than).await?;
            print(
                out,
                format!(
                    "re-published {} of {} pending event(s): {} failed, {} given up; orders with unsent emails {}, \
                     still unsent {}",
                    report.republished,
                    report.pending,
                    report.failed,
                    report.gave_up,
                    report.unsent_email_orders,
                    report.email_failures
                ),
            )?;
            if report.failed > 0 {
                return Err(format!(
                    "{} event(s) could not be sent to their queue on {}: they stay pending, and the relay tries them \
                     again",
                    report.failed,
                    target.describe()
                ));
            }
            Ok(())
        }
        Command::Report { date, tenant } => runs::report(&target, date.as_deref(), tenant.as_deref(), out).await,
        Command::Secrets(SecretsCommand::Rotate { purpose }) => {
            print(out, runs::rotate_secret(&target, &purpose).await?)
        }
    }
}

/// The order store of the stack's table.
async fn store(target: &Target) -> Result<Store, String> {
    Ok(Store::new(orders_aws::dynamodb_client(&target.sdk), &target.table().await?))
}

fn tenant_id(text: &str) -> Result<TenantId, String> {
    TenantId::parse(text).map_err(|e| format!("tenant {text:?}: {e}"))
}

/// Every problem of a request, one per line, with where it is.
fn problems(what: &str, error: RequestError) -> String {
    match error {
        RequestError::Malformed { pointer, detail } => format!("{what}: cannot be read at {pointer:?}: {detail}"),
        RequestError::Invalid(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {}: {}", e.pointer, e.detail)).collect();
            format!("{what} is not valid:\n{}", lines.join("\n"))
        }
    }
}
