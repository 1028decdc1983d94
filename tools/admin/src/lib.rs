//! `orders-admin`: the platform operator's CLI. It onboards a seller from its settings file (`examples/tenant.json`,
//! read with the domain's own rules) and makes, lists and revokes the seller's API keys, through the same use
//! cases the back office and devstack use (`orders_app::admin`).
//!
//! Where it works, first match wins:
//! - `--stack NAME`, `--profile` or `--region`: the deployed stack on AWS. Its table (and, for later verbs, its
//!   queues and buckets) is what the stack's outputs name (`DescribeStacks`; infra/template.yaml `Outputs:`).
//! - the local stack's env file (`--env-file`, default `.local/demo.env`, which `make dev` writes) when it exists:
//!   its table, the emulator's endpoint and its dummy credentials (the process environment fills in the rest); or,
//!   without the file, `ORDERS_TABLE` of the environment with the SDK's variables (`source .local/demo.env`).
//! - otherwise the deployed stack samconfig.toml names (`stack_name`, `orders-pipeline`).
//!
//! `--table` names the table in any case. On AWS, region and credentials come from the standard chain, as the AWS
//! CLI finds them: `--region`, `AWS_REGION`, the profile's; `--profile` (else `AWS_PROFILE`) with SSO,
//! `credential_process`, an assumed role or keys, else the environment's keys, then container or instance roles
//! ([`orders_aws::config::chain_sdk_config`]). `--endpoint` (or `AWS_ENDPOINT_URL`) points it at another endpoint.

mod stack;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use time::OffsetDateTime;

use orders_aws::Store;
use orders_domain::admin::{parse_new_key, parse_tenant, RequestError};
use orders_domain::ids::TenantId;

/// The platform operator's CLI for the order pipeline.
#[derive(Debug, Parser)]
#[command(
    name = "orders-admin",
    version,
    about,
    after_help = "Where: with --stack, --profile or --region, the deployed stack on AWS (its table from the stack's \
                  outputs); else the local stack's env file when it exists (make dev writes .local/demo.env); else the \
                  deployed stack samconfig.toml names. --table names the table in any case. On AWS, credentials and \
                  region come from the standard chain: --profile (SSO, credential_process, assumed roles, keys) or \
                  AWS_PROFILE, else the environment's keys; --region, AWS_REGION or the profile's region."
)]
struct Cli {
    /// The deployed CloudFormation stack whose outputs name its table [default without an env file: stack_name of
    /// samconfig.toml]; the env file is not read then.
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
    /// Sellers: create one from its settings file, show one, list them.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// A seller's API keys: make one (its secret is printed once), list them, revoke one.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Creates the seller a settings file describes (see examples/tenant.json); refuses one that exists.
    Create {
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

/// Runs one command line (`args` as the process gets them, program name first), printing to `out`.
pub async fn run(args: impl IntoIterator<Item = String>, out: &mut impl Write) -> Result<(), String> {
    let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    let (sdk, table) = target(&cli).await?;
    let store = Store::new(orders_aws::dynamodb_client(&sdk), &table);
    let print = |out: &mut dyn Write, text: String| writeln!(out, "{text}").map_err(|e| e.to_string());
    match cli.command {
        Command::Tenant(TenantCommand::Create { file }) => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let settings = parse_tenant(&text).map_err(|e| problems(&file.display().to_string(), e))?;
            orders_app::admin::create_tenant(&store, &settings).await.map_err(|e| e.to_string())?;
            print(out, format!("created tenant {}", settings.tenant))
        }
        Command::Tenant(TenantCommand::Show { tenant }) => {
            let id = tenant_id(&tenant)?;
            let settings = store.get_tenant(&id).await.map_err(|e| e.to_string())?.ok_or(format!("no tenant {id}"))?;
            print(out, serde_json::to_string_pretty(&settings).map_err(|e| e.to_string())?)
        }
        Command::Tenant(TenantCommand::List) => {
            for tenant in store.list_tenants().await.map_err(|e| e.to_string())? {
                print(out, tenant.to_string())?;
            }
            Ok(())
        }
        Command::Key(KeyCommand::Create { tenant, role, name, channel, expires }) => {
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
    }
}

/// The SDK configuration and the table the command works on (see the module's docs).
async fn target(cli: &Cli) -> Result<(aws_config::SdkConfig, String), String> {
    let on_aws = cli.stack.is_some() || cli.profile.is_some() || cli.region.is_some();
    if !on_aws {
        // The env file; or, as after `source .local/demo.env`, ORDERS_TABLE of the environment.
        let in_environment = std::env::var("ORDERS_TABLE").is_ok_and(|t| !t.is_empty());
        if let Some(env_file) = read_env_file(&cli.env_file)?.or_else(|| in_environment.then(Vec::new)) {
            let var = |name: &str| {
                let from_file = env_file.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                from_file.or_else(|| std::env::var(name).ok()).filter(|v| !v.is_empty())
            };
            let table = cli.table.clone().or_else(|| var("ORDERS_TABLE")).ok_or_else(|| {
                format!("{} names no ORDERS_TABLE: name the table with --table", cli.env_file.display())
            })?;
            let endpoint = cli.endpoint.clone().or_else(|| var("AWS_ENDPOINT_URL"));
            let sdk = orders_aws::environment_sdk_config(|name| match name {
                "AWS_ENDPOINT_URL" => endpoint.clone(),
                other => var(other),
            });
            return Ok((sdk, table));
        }
    }
    let sdk =
        orders_aws::config::chain_sdk_config(cli.profile.as_deref(), cli.region.as_deref(), cli.endpoint.as_deref())
            .await;
    if let Some(table) = &cli.table {
        return Ok((sdk, table.clone()));
    }
    let (stack, named) = match &cli.stack {
        Some(stack) => (stack.clone(), true),
        None => (stack::default_stack_name().ok_or("name the stack with --stack (samconfig.toml names none)")?, false),
    };
    let profile = cli.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let whose = match (sdk.region(), &profile) {
        (None, _) => {
            return Err(format!(
                "no AWS region to find stack {stack} in: give --region, set AWS_REGION or the profile's region"
            ))
        }
        (Some(region), Some(profile)) => format!("{region} (profile {profile})"),
        (Some(region), None) => region.to_string(),
    };
    let hint = |error: String| {
        if named {
            error
        } else {
            format!(
                "{error} (the stack samconfig.toml names; name one with --stack, or run `make dev` for the local \
                 stack)"
            )
        }
    };
    let outputs = stack::StackOutputs::describe(&sdk, &stack, &whose, profile.as_deref()).await.map_err(hint)?;
    let table = outputs.output("OrdersTableName")?.to_owned();
    Ok((sdk, table))
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

/// `NAME=value` lines of the local stack's env file (`None` if there is no such file).
fn read_env_file(path: &std::path::Path) -> Result<Option<Vec<(String, String)>>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            text.lines()
                .filter_map(|line| line.split_once('='))
                .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
                .collect(),
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}
