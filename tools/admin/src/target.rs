//! Where a command works and what it finds there: the table, a stage's queue and dead-letter queue, the exports
//! bucket, a signing secret, the relay's settings.
//!
//! - A deployed stack: what its outputs name (`DescribeStacks`; infra/template.yaml `Outputs:`), else the physical
//!   id of the resource itself (`DescribeStackResource`, for a resource no output names, such as the mail-feedback
//!   queue or a signing secret), and its parameters (the sender address).
//! - The local stack (an env file, or the environment): the physical names devstack gives the template's resources
//!   (the template's own `QueueName`, `BucketName`, `Name`, with `${AWS::StackName}` the local stack's name:
//!   `ORDERS_STACK` of the env file, else its table's name without `-orders`), looked up in the emulator where it can
//!   (`GetQueueUrl`). The tests below hold these names to infra/template.yaml.

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use orders_aws::SecretPurpose;

use crate::stack::{self, StackOutputs};
use crate::Cli;

/// `${AWS::AccountId}` of the local stack (devstack's, moto's default account).
const LOCAL_ACCOUNT_ID: &str = "123456789012";
/// Where devstack serves the local HTTP API unless told otherwise (the origin of the portal links it emails).
const LOCAL_API_ORIGIN: &str = "http://127.0.0.1:3000";
/// The template's default `SenderEmail`, which the local stack is provisioned with.
const LOCAL_SENDER_EMAIL: &str = "orders@example.com";

/// The stack a command works on, with the SDK configuration to reach it.
pub struct Target {
    /// Region, credentials and endpoint.
    pub sdk: SdkConfig,
    /// `--table`.
    table: Option<String>,
    place: Place,
}

enum Place {
    Local(Local),
    Deployed(Deployed),
}

/// The local stack: its env file's variables over the process environment.
struct Local {
    /// `NAME=value` lines of the env file (none when the stack comes from the environment).
    file: Vec<(String, String)>,
    /// Where they come from, for errors.
    source: String,
}

/// A deployed stack, described when first needed.
struct Deployed {
    /// `--stack`, else samconfig.toml's (`None`: neither names one).
    stack: Option<String>,
    /// Named with `--stack`.
    named: bool,
    /// `--profile`, else `AWS_PROFILE`.
    profile: Option<String>,
    outputs: OnceCell<StackOutputs>,
}

impl Target {
    /// The stack the command line names (see the crate's docs).
    pub async fn resolve(cli: &Cli) -> Result<Self, String> {
        let on_aws = cli.stack.is_some() || cli.profile.is_some() || cli.region.is_some();
        if !on_aws {
            // The env file; or, as after `source .local/demo.env`, ORDERS_TABLE of the environment.
            let in_environment = std::env::var("ORDERS_TABLE").is_ok_and(|t| !t.is_empty());
            let file = read_env_file(&cli.env_file)?;
            let source = match &file {
                Some(_) => cli.env_file.display().to_string(),
                None => "the environment".to_owned(),
            };
            if let Some(file) = file.or_else(|| in_environment.then(Vec::new)) {
                let local = Local { file, source };
                let endpoint = cli.endpoint.clone().or_else(|| local.var("AWS_ENDPOINT_URL"));
                let sdk = orders_aws::environment_sdk_config(|name| match name {
                    "AWS_ENDPOINT_URL" => endpoint.clone(),
                    other => local.var(other),
                });
                return Ok(Self { sdk, table: cli.table.clone(), place: Place::Local(local) });
            }
        }
        let sdk = orders_aws::config::chain_sdk_config(
            cli.profile.as_deref(),
            cli.region.as_deref(),
            cli.endpoint.as_deref(),
        )
        .await;
        let deployed = Deployed {
            stack: cli.stack.clone().or_else(stack::default_stack_name),
            named: cli.stack.is_some(),
            profile: cli.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
            outputs: OnceCell::new(),
        };
        Ok(Self { sdk, table: cli.table.clone(), place: Place::Deployed(deployed) })
    }

    /// The stack in a sentence: `stack orders-pipeline`, `the local stack t-1 (.local/demo.env)`.
    pub fn describe(&self) -> String {
        match &self.place {
            Place::Local(local) => match local.stack_name(self.table.as_deref()) {
                Ok(stack) => format!("the local stack {stack} ({})", local.source),
                Err(_) => format!("the local stack of {}", local.source),
            },
            Place::Deployed(deployed) => format!("stack {}", deployed.stack.as_deref().unwrap_or("(unnamed)")),
        }
    }

    /// Whether the stack is reached through an endpoint of its own (the emulator): no SQS message-move tasks there.
    pub fn through_endpoint(&self) -> bool {
        self.sdk.endpoint_url().is_some() || std::env::var("AWS_ENDPOINT_URL").is_ok_and(|e| !e.is_empty())
    }

    /// The DynamoDB table: `--table`, else the env file's `ORDERS_TABLE`, else the stack's `OrdersTableName`.
    pub async fn table(&self) -> Result<String, String> {
        if let Some(table) = &self.table {
            return Ok(table.clone());
        }
        match &self.place {
            Place::Local(local) => local.table(None),
            Place::Deployed(deployed) => Ok(deployed.outputs(&self.sdk).await?.output("OrdersTableName")?.to_owned()),
        }
    }

    /// The URL of the template's queue `logical_id` (`ConfirmationQueue`, `ConfirmationDeadLetterQueue`).
    pub async fn queue_url(&self, logical_id: &str) -> Result<String, String> {
        match &self.place {
            Place::Local(local) => {
                let stack = local.stack_name(self.table.as_deref())?;
                let name = local_name(&stack, logical_id)
                    .ok_or_else(|| format!("{logical_id} is not a queue of infra/template.yaml"))?;
                let sqs = orders_aws::sqs_client(&self.sdk);
                let found = sqs.get_queue_url().queue_name(&name).send().await.map_err(|error| {
                    format!(
                        "cannot find queue {name} ({logical_id}) of the local stack {stack} ({}) at {}: {}; is the \
                         emulator up and the stack provisioned (make dev)?",
                        local.source,
                        self.sdk.endpoint_url().unwrap_or("AWS"),
                        stack::aws_error(&error)
                    )
                })?;
                found.queue_url.ok_or_else(|| format!("the emulator answered no URL for queue {name}"))
            }
            Place::Deployed(deployed) => deployed.outputs(&self.sdk).await?.output_or_resource(logical_id, "Url").await,
        }
    }

    /// The exports bucket: the env file's `EXPORTS_BUCKET` or the local stack's, else the stack's
    /// `ExportsBucketName`.
    pub async fn exports_bucket(&self) -> Result<String, String> {
        match &self.place {
            Place::Local(local) => match local.var("EXPORTS_BUCKET") {
                Some(bucket) => Ok(bucket),
                None => local_name(&local.stack_name(self.table.as_deref())?, "ExportsBucket")
                    .ok_or_else(|| "no ExportsBucket in infra/template.yaml".to_owned()),
            },
            Place::Deployed(deployed) => {
                deployed.outputs(&self.sdk).await?.output_or_resource("ExportsBucket", "Name").await
            }
        }
    }

    /// The id of the signing secret of `purpose`: its name in the local stack, its ARN in a deployed one.
    pub async fn secret_id(&self, purpose: SecretPurpose) -> Result<String, String> {
        let logical_id = secret_logical_id(purpose);
        match &self.place {
            Place::Local(local) => local_name(&local.stack_name(self.table.as_deref())?, logical_id)
                .ok_or_else(|| format!("no {logical_id} in infra/template.yaml")),
            Place::Deployed(deployed) => deployed.outputs(&self.sdk).await?.resource(logical_id).await,
        }
    }

    /// The relay function's environment as infra/template.yaml declares it (`RELAY_AFTER_SECONDS` aside): its
    /// table, stage queues, sender, configuration set, portal and buyer-link secret.
    pub async fn relay_environment(&self) -> Result<Vec<(&'static str, String)>, String> {
        let mut env = vec![
            ("TABLE_NAME", self.table().await?),
            ("CONFIRMATION_QUEUE_URL", self.queue_url("ConfirmationQueue").await?),
            ("SHIPMENT_QUEUE_URL", self.queue_url("ShipmentQueue").await?),
            ("INVOICING_QUEUE_URL", self.queue_url("InvoicingQueue").await?),
            ("BUYER_LINK_SECRET_ARN", self.secret_id(SecretPurpose::BuyerLink).await?),
        ];
        match &self.place {
            Place::Local(local) => {
                let stack = local.stack_name(self.table.as_deref())?;
                let origin = local.var("ORDERS_API_URL").unwrap_or_else(|| LOCAL_API_ORIGIN.to_owned());
                env.push(("SENDER_EMAIL", local.var("SENDER_EMAIL").unwrap_or_else(|| LOCAL_SENDER_EMAIL.to_owned())));
                let configuration_set =
                    local_name(&stack, "MailConfigurationSet").ok_or("no MailConfigurationSet in the template")?;
                env.push(("MAIL_CONFIGURATION_SET", configuration_set));
                env.push(("PORTAL_URL", format!("{}/portal", origin.trim_end_matches('/'))));
            }
            Place::Deployed(deployed) => {
                let outputs = deployed.outputs(&self.sdk).await?;
                env.push(("SENDER_EMAIL", outputs.parameter("SenderEmail")?.to_owned()));
                env.push(("MAIL_CONFIGURATION_SET", outputs.resource("MailConfigurationSet").await?));
                env.push(("PORTAL_URL", format!("{}/portal", outputs.output("ApiUrl")?.trim_end_matches('/'))));
            }
        }
        Ok(env)
    }
}

impl Local {
    /// A variable of the env file, else of the process environment (empty is none).
    fn var(&self, name: &str) -> Option<String> {
        let from_file = self.file.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        from_file.or_else(|| std::env::var(name).ok()).filter(|v| !v.is_empty())
    }

    fn table(&self, table: Option<&str>) -> Result<String, String> {
        table
            .map(str::to_owned)
            .or_else(|| self.var("ORDERS_TABLE"))
            .ok_or_else(|| format!("{} names no ORDERS_TABLE: name the table with --table", self.source))
    }

    /// The local stack's name: `ORDERS_STACK` (devstack up writes it), else the table's name without `-orders`
    /// (the template names the table `${AWS::StackName}-orders`).
    fn stack_name(&self, table: Option<&str>) -> Result<String, String> {
        if let Some(stack) = self.var("ORDERS_STACK") {
            return Ok(stack);
        }
        let table = self.table(table)?;
        match table.strip_suffix("-orders") {
            Some(stack) if !stack.is_empty() => Ok(stack.to_owned()),
            _ => Err(format!(
                "{} names no ORDERS_STACK, and the table {table} is not <stack>-orders: add ORDERS_STACK=<the name \
                 devstack provisioned the stack as> to it",
                self.source
            )),
        }
    }
}

impl Deployed {
    /// The stack's outputs, described once.
    async fn outputs(&self, sdk: &SdkConfig) -> Result<&StackOutputs, String> {
        self.outputs
            .get_or_try_init(|| async {
                let stack = self.stack.clone().ok_or("name the stack with --stack (samconfig.toml names none)")?;
                let whose = match (sdk.region(), &self.profile) {
                    (None, _) => {
                        return Err(format!(
                            "no AWS region to find stack {stack} in: give --region, set AWS_REGION or the profile's \
                             region"
                        ))
                    }
                    (Some(region), Some(profile)) => format!("{region} (profile {profile})"),
                    (Some(region), None) => region.to_string(),
                };
                let described = StackOutputs::describe(sdk, &stack, &whose, self.profile.as_deref()).await;
                described.map_err(|error| {
                    if self.named {
                        error
                    } else {
                        format!(
                            "{error} (the stack samconfig.toml names; name one with --stack, or run `make dev` for \
                             the local stack)"
                        )
                    }
                })
            })
            .await
    }
}

/// The logical id of the template's signing secret of `purpose`.
fn secret_logical_id(purpose: SecretPurpose) -> &'static str {
    match purpose {
        SecretPurpose::ConsoleSession => "ConsoleSessionSecret",
        SecretPurpose::PortalSession => "PortalSessionSecret",
        SecretPurpose::BuyerLink => "BuyerLinkSecret",
        SecretPurpose::Cursor => "CursorSecret",
        SecretPurpose::WebhookSigning => "WebhookSigningSecret",
    }
}

/// The name devstack gives the template's resource `logical_id` in the local stack `stack` (the template's own
/// name for it): `{Stage}Queue` → `{stack}-{stage}`, `{Stage}DeadLetterQueue` → `{stack}-{stage}-dlq` (the stage's
/// words `-`-joined in lower case), the exports bucket, the signing secrets, the mail configuration set.
fn local_name(stack: &str, logical_id: &str) -> Option<String> {
    if let Some(stage) = logical_id.strip_suffix("DeadLetterQueue") {
        return Some(format!("{stack}-{}-dlq", kebab(stage)?));
    }
    if let Some(stage) = logical_id.strip_suffix("Queue") {
        return Some(format!("{stack}-{}", kebab(stage)?));
    }
    match logical_id {
        "ExportsBucket" => Some(format!("{stack}-{LOCAL_ACCOUNT_ID}-exports").to_lowercase()),
        "MailConfigurationSet" => Some(format!("{stack}-mail")),
        secret => SecretPurpose::ALL
            .into_iter()
            .find(|purpose| secret_logical_id(*purpose) == secret)
            .map(|purpose| format!("{stack}/{}", purpose.as_str())),
    }
}

/// `MailFeedback` → `mail-feedback`; `None` for an empty name.
fn kebab(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    Some(out).filter(|o| !o.is_empty())
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The project's template, as devstack provisions the local stack from it.
    pub(crate) const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

    /// The lines of the resource `logical_id` of the template (its block under `Resources:`).
    pub(crate) fn resource_lines(logical_id: &str) -> Vec<&'static str> {
        let header = format!("  {logical_id}:");
        let mut lines = TEMPLATE.lines().skip_while(|line| line.trim_end() != header);
        let Some(_) = lines.next() else { return Vec::new() };
        lines
            .take_while(|line| line.is_empty() || line.starts_with("   ") || line.trim_start().starts_with('#'))
            .collect()
    }

    /// The template's name of a resource (`QueueName`, `BucketName`, `Name`), in the local stack `stack`.
    fn template_name(logical_id: &str, stack: &str) -> Option<String> {
        resource_lines(logical_id).iter().find_map(|line| {
            let (key, value) = line.trim().split_once(": ")?;
            if !["QueueName", "BucketName", "Name"].contains(&key) {
                return None;
            }
            let value = value.strip_prefix("!Sub ")?.trim_matches('"');
            let name = value.replace("${AWS::StackName}", stack).replace("${AWS::AccountId}", LOCAL_ACCOUNT_ID);
            Some(if key == "BucketName" { name.to_lowercase() } else { name })
        })
    }

    #[test]
    fn local_names_are_the_templates_names() {
        let mut ids: Vec<String> = crate::redrive::STAGES
            .iter()
            .flat_map(|stage| [format!("{}Queue", stage.logical), format!("{}DeadLetterQueue", stage.logical)])
            .collect();
        ids.extend(["ExportsBucket", "MailConfigurationSet"].map(str::to_owned));
        ids.extend(SecretPurpose::ALL.map(|purpose| secret_logical_id(purpose).to_owned()));
        for id in ids {
            let expected = template_name(&id, "t-1");
            assert!(expected.is_some(), "{id} has no name in infra/template.yaml");
            assert_eq!(local_name("t-1", &id), expected, "{id}");
        }
        assert_eq!(template_name("OrdersTable", "t-1").as_deref(), None, "the table's is TableName");
        assert!(resource_lines("OrdersTable")
            .iter()
            .any(|l| l.trim() == "TableName: !Sub \"${AWS::StackName}-orders\""));
        assert_eq!(local_name("t-1", "Queue"), None);
        assert_eq!(local_name("t-1", "OrdersTable"), None);
    }

    #[test]
    fn the_local_stack_uses_the_templates_default_sender() {
        let parameter = resource_lines("SenderEmail");
        assert!(parameter.iter().any(|l| l.trim() == format!("Default: {LOCAL_SENDER_EMAIL}")), "{parameter:?}");
    }

    #[test]
    fn the_local_stacks_name_is_orders_stack_else_the_tables() {
        let local = |file: &[(&str, &str)]| Local {
            file: file.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
            source: "stack.env".to_owned(),
        };
        // An empty value in the file hides the process environment's.
        let unnamed = local(&[("ORDERS_TABLE", "t-1-orders"), ("ORDERS_STACK", "")]);
        assert_eq!(unnamed.stack_name(None).as_deref(), Ok("t-1"));
        assert_eq!(unnamed.stack_name(Some("t-2-orders")).as_deref(), Ok("t-2"), "--table");
        let named = local(&[("ORDERS_TABLE", "t-1-orders"), ("ORDERS_STACK", "orders-local")]);
        assert_eq!(named.stack_name(None).as_deref(), Ok("orders-local"));
        let odd = local(&[("ORDERS_TABLE", "mytable"), ("ORDERS_STACK", "")]);
        assert!(odd.stack_name(None).is_err_and(|e| e.contains("ORDERS_STACK")));
    }
}
