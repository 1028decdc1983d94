//! A provisioned local stack: the template with physical names resolved, clients, and the functions' handlers
//! built from their template environment.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::aws::LocalAws;
use crate::provision::{provision, ProvisionError, Provisioned};
use crate::template::Template;
use orders_aws::Settings as _;

/// Parameter values the template has no defaults for, fixed for local use (none: secrets are made in the
/// emulator's Secrets Manager like every other resource).
pub fn local_parameters() -> HashMap<String, String> {
    HashMap::new()
}

/// The repository root (where infra/template.yaml is): `ORDERS_PROJECT_ROOT`, else the nearest ancestor of the
/// running test's package (`CARGO_MANIFEST_DIR` as cargo and nextest set it at run time) or of the working
/// directory that holds the template, else this crate's location when it was built. Resolved at run time first,
/// because clones that share one target directory share this crate's build.
pub fn project_root() -> PathBuf {
    if let Some(root) = std::env::var_os("ORDERS_PROJECT_ROOT") {
        return PathBuf::from(root);
    }
    let starts = [std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from), std::env::current_dir().ok()];
    starts
        .into_iter()
        .flatten()
        .find_map(|start| {
            start.ancestors().find(|dir| dir.join("infra/template.yaml").is_file()).map(Path::to_path_buf)
        })
        .unwrap_or_else(|| {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            root.canonicalize().unwrap_or(root)
        })
}

/// infra/template.yaml.
pub fn template_path() -> PathBuf {
    project_root().join("infra/template.yaml")
}

/// The logical id of the template's secret of `purpose`.
pub fn secret_logical_id(purpose: orders_aws::SecretPurpose) -> &'static str {
    match purpose {
        orders_aws::SecretPurpose::ConsoleSession => "ConsoleSessionSecret",
        orders_aws::SecretPurpose::PortalSession => "PortalSessionSecret",
        orders_aws::SecretPurpose::BuyerLink => "BuyerLinkSecret",
        orders_aws::SecretPurpose::Cursor => "CursorSecret",
        orders_aws::SecretPurpose::WebhookSigning => "WebhookSigningSecret",
    }
}

/// The local region.
pub const LOCAL_REGION: &str = "eu-north-1";

/// A provisioned stack.
#[derive(Debug, Clone)]
pub struct LocalStack {
    /// Clients.
    pub aws: LocalAws,
    /// The template, with every provisioned resource's physical values.
    pub template: Template,
    /// What provisioning created.
    pub provisioned: Provisioned,
    /// Extra environment per function (fault injection, shorter grace periods in tests).
    pub env_overrides: BTreeMap<String, BTreeMap<String, String>>,
    /// Where the local server serves the HTTP API (`http://127.0.0.1:3000`): the origin of the portal links in
    /// buyer emails (`PORTAL_URL`).
    pub api_origin: String,
}

/// The local server's default origin.
pub const DEFAULT_API_ORIGIN: &str = "http://127.0.0.1:3000";

impl LocalStack {
    /// Provisions `template_file` as stack `stack_name` in the emulator at `endpoint`.
    pub async fn provision(endpoint: &str, stack_name: &str, template_file: &Path) -> Result<Self, ProvisionError> {
        let text = std::fs::read_to_string(template_file).map_err(|e| crate::template::TemplateError::Read {
            path: template_file.display().to_string(),
            detail: e.to_string(),
        })?;
        Self::provision_text(endpoint, stack_name, &text).await
    }

    /// Provisions template text (tests use this to add resources).
    pub async fn provision_text(endpoint: &str, stack_name: &str, text: &str) -> Result<Self, ProvisionError> {
        let aws = LocalAws::connect(endpoint, LOCAL_REGION);
        let mut template = Template::parse(text, stack_name, LOCAL_REGION, &local_parameters())?;
        let provisioned = provision(&aws, &mut template).await?;
        Ok(Self { aws, template, provisioned, env_overrides: BTreeMap::new(), api_origin: DEFAULT_API_ORIGIN.into() })
    }

    /// A function's environment as the template declares it, plus what the Lambda service and the emulator set.
    pub fn function_environment(&self, function: &str) -> Result<BTreeMap<String, String>, ProvisionError> {
        let mut env = self.template.function_environment(function)?;
        // Files of the function's layers (mounted under /opt in Lambda) are read from the layers' directories.
        let layers = self.template.function_layer_dirs(function);
        for value in env.values_mut() {
            if let Some(rest) = value.strip_prefix("/opt/") {
                let local = layers
                    .iter()
                    .map(|dir| template_path().parent().unwrap_or(Path::new(".")).join(dir).join(rest))
                    .find(|path| path.exists());
                if let Some(local) = local {
                    *value = local.to_string_lossy().into_owned();
                }
            }
        }
        env.insert("AWS_REGION".into(), self.aws.region.clone());
        env.insert("AWS_ENDPOINT_URL".into(), self.aws.endpoint.clone());
        if env.contains_key(orders_aws::SecretPurpose::WebhookSigning.env_var()) {
            // Local receivers listen on this machine: http:// to 127.0.0.1 is allowed here (never when deployed).
            env.insert("WEBHOOK_ALLOW_LOOPBACK".into(), "true".into());
        }
        if env.contains_key("PORTAL_URL") {
            env.insert("PORTAL_URL".into(), format!("{}/portal", self.api_origin));
        }
        if let Some(overrides) = self.env_overrides.get(function) {
            env.extend(overrides.clone());
        }
        Ok(env)
    }

    /// `Ref` of a provisioned resource (table name, queue URL, bucket name).
    pub fn reference(&self, logical_id: &str) -> Option<&str> {
        self.template.physical(logical_id).map(|p| p.reference.as_str())
    }

    /// The orders table's name.
    pub fn table_name(&self) -> &str {
        self.reference("OrdersTable").unwrap_or_default()
    }

    /// The ARN of the secret of `purpose` in the local stack.
    pub fn secret_arn(&self, purpose: orders_aws::SecretPurpose) -> Result<&str, String> {
        let logical_id = secret_logical_id(purpose);
        self.reference(logical_id).ok_or_else(|| format!("no {logical_id} in the template"))
    }

    /// The keys of `purpose` in the local stack's Secrets Manager (what its functions read).
    pub async fn signing_keys(
        &self,
        purpose: orders_aws::SecretPurpose,
    ) -> Result<orders_domain::signing::KeyRing, String> {
        let keys =
            orders_aws::SecretKeys::from_secrets_manager(self.aws.secrets.clone(), self.secret_arn(purpose)?, purpose);
        keys.ring().await.map(|ring| (*ring).clone()).map_err(|e| e.to_string())
    }

    /// A repository over the orders table.
    pub fn store(&self) -> orders_aws::Store {
        orders_aws::Store::new(self.aws.dynamodb.clone(), self.table_name())
    }

    /// The access key id `function`'s requests are signed with (`{stack}.{function}`): what the emulator's fault
    /// switchboard matches a rule's `principal` against.
    pub fn principal(&self, function: &str) -> String {
        format!("{}.{function}", self.template.stack_name)
    }

    /// Clients for `function`, signing as [`LocalStack::principal`].
    pub fn function_aws(&self, function: &str) -> LocalAws {
        LocalAws::connect_as(&self.aws.endpoint, &self.aws.region, &self.principal(function))
    }

    /// Sets an environment variable of one function (on top of the template's).
    pub fn with_env(mut self, function: &str, name: &str, value: &str) -> Self {
        self.env_overrides.entry(function.to_owned()).or_default().insert(name.to_owned(), value.to_owned());
        self
    }

    /// The confirmation handler state, from the template's environment of `ConfirmationFunction`.
    pub fn confirmation(&self) -> Result<confirmation::Confirmation, String> {
        let aws = self.function_aws("ConfirmationFunction");
        let env = self.function_environment("ConfirmationFunction").map_err(|e| e.to_string())?;
        let config =
            confirmation::ConfirmationConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(confirmation::Confirmation::new(&config, aws.dynamodb.clone(), aws.ses.clone(), &aws.secrets))
    }

    /// The feedback handler state, from the template's environment of `FeedbackFunction`.
    pub fn feedback(&self) -> Result<feedback::Feedback, String> {
        let aws = self.function_aws("FeedbackFunction");
        let env = self.function_environment("FeedbackFunction").map_err(|e| e.to_string())?;
        let config = feedback::FeedbackConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(feedback::Feedback::new(&config, aws.dynamodb.clone()))
    }

    /// The inbound handler state, from the template's environment of `InboundFunction`.
    pub fn inbound(&self) -> Result<inbound::Inbound, String> {
        let aws = self.function_aws("InboundFunction");
        let env = self.function_environment("InboundFunction").map_err(|e| e.to_string())?;
        let config = inbound::InboundConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(inbound::Inbound::new(&config, aws.dynamodb.clone(), aws.s3.clone(), aws.sqs.clone()))
    }

    /// The webhooks function's state, from the template's environment of `WebhooksFunction`.
    pub fn webhooks(&self) -> Result<webhooks::Webhooks<webhooks::ClientPoster>, String> {
        let aws = self.function_aws("WebhooksFunction");
        let env = self.function_environment("WebhooksFunction").map_err(|e| e.to_string())?;
        let config = webhooks::WebhooksConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(webhooks::app(&config, aws.dynamodb.clone(), aws.sqs.clone(), &aws.secrets))
    }

    /// The webhook endpoints API state, from the template's environment of `WebhookEndpointsFunction`.
    pub fn webhook_endpoints(&self) -> Result<webhook_endpoints::Endpoints, String> {
        let aws = self.function_aws("WebhookEndpointsFunction");
        let env = self.function_environment("WebhookEndpointsFunction").map_err(|e| e.to_string())?;
        let config =
            webhook_endpoints::EndpointsConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(webhook_endpoints::Endpoints::new(&config, aws.dynamodb.clone(), aws.sqs.clone(), &aws.secrets))
    }

    /// The shipment handler state, from the template's environment of `ShipmentFunction`.
    pub fn shipment(&self) -> Result<shipment::Shipment, String> {
        let aws = self.function_aws("ShipmentFunction");
        let env = self.function_environment("ShipmentFunction").map_err(|e| e.to_string())?;
        let config = shipment::ShipmentConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(shipment::Shipment::new(
            &config,
            aws.dynamodb.clone(),
            aws.ses.clone(),
            aws.sqs.clone(),
            aws.s3.clone(),
            &aws.secrets,
        ))
    }

    /// The invoicing handler state, from the template's environment of `InvoicingFunction`.
    pub fn invoicing(&self) -> Result<invoicing::Invoicing, String> {
        let aws = self.function_aws("InvoicingFunction");
        let env = self.function_environment("InvoicingFunction").map_err(|e| e.to_string())?;
        let config = invoicing::InvoicingConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(invoicing::Invoicing::new(&config, aws.dynamodb.clone(), aws.ses.clone(), aws.s3.clone(), &aws.secrets))
    }

    /// The reporting handler state, from the template's environment of `ReportingFunction`.
    pub fn reporting(&self) -> Result<reporting::Reporting, String> {
        let aws = self.function_aws("ReportingFunction");
        let env = self.function_environment("ReportingFunction").map_err(|e| e.to_string())?;
        let config = reporting::ReportingConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(reporting::Reporting::new(&config, aws.dynamodb.clone(), aws.s3.clone())
            .with_queue(&config, aws.sqs.clone()))
    }

    /// The reports API state, from the template's environment of `ReportsFunction`.
    pub fn reports(&self) -> Result<reports::Reports, String> {
        let aws = self.function_aws("ReportsFunction");
        let env = self.function_environment("ReportsFunction").map_err(|e| e.to_string())?;
        let config = reports::ReportsConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        reports::Reports::new(&config, aws.dynamodb.clone(), aws.s3.clone(), &aws.secrets)
    }

    /// The console's state, from the template's environment of `ConsoleFunction`.
    pub fn console(&self) -> Result<console::Console, String> {
        let aws = self.function_aws("ConsoleFunction");
        let env = self.function_environment("ConsoleFunction").map_err(|e| e.to_string())?;
        let config = console::ConsoleConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        console::Console::new(&config, aws.dynamodb.clone(), &aws.secrets)
    }

    /// The buyer portal's state, from the template's environment of `PortalFunction`.
    pub fn portal(&self) -> Result<portal::Portal, String> {
        let aws = self.function_aws("PortalFunction");
        let env = self.function_environment("PortalFunction").map_err(|e| e.to_string())?;
        let config = portal::PortalConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        portal::Portal::new(&config, aws.dynamodb.clone(), aws.sqs.clone(), &aws.secrets)
    }

    /// The billing API state, from the template's environment of `BillingFunction`.
    pub fn billing(&self) -> Result<billing::Billing, String> {
        let aws = self.function_aws("BillingFunction");
        let env = self.function_environment("BillingFunction").map_err(|e| e.to_string())?;
        let config = billing::BillingConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        billing::Billing::new(&config, aws.dynamodb.clone(), aws.ses.clone(), aws.s3.clone(), &aws.secrets)
    }

    /// The back-office handler state, from the template's environment of `BackofficeFunction`.
    pub fn backoffice(&self) -> Result<backoffice::Backoffice, String> {
        let aws = self.function_aws("BackofficeFunction");
        let env = self.function_environment("BackofficeFunction").map_err(|e| e.to_string())?;
        let config =
            backoffice::BackofficeConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        backoffice::Backoffice::new(&config, aws.dynamodb.clone(), aws.ses.clone(), &aws.secrets)
    }

    /// The relay handler state, from the template's environment of `RelayFunction`.
    pub fn relay(&self) -> Result<relay::Relay, String> {
        let aws = self.function_aws("RelayFunction");
        let env = self.function_environment("RelayFunction").map_err(|e| e.to_string())?;
        let config = relay::RelayConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(relay::Relay::new(&config, aws.dynamodb.clone(), aws.sqs.clone(), aws.ses.clone(), &aws.secrets))
    }

    /// The archive handler state, from the template's environment of `ArchiveFunction`.
    pub fn archive(&self) -> Result<archive::Archive, String> {
        let aws = self.function_aws("ArchiveFunction");
        let env = self.function_environment("ArchiveFunction").map_err(|e| e.to_string())?;
        let config = archive::ArchiveConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        Ok(archive::Archive::new(&config, aws.s3.clone()))
    }

    /// The intake handler state, configured from the template's environment of `IntakeFunction`.
    pub fn intake(&self) -> Result<intake::Intake, String> {
        let aws = self.function_aws("IntakeFunction");
        let env = self.function_environment("IntakeFunction").map_err(|e| e.to_string())?;
        let config = intake::IntakeConfig::from_vars(|name| env.get(name).cloned()).map_err(|e| e.to_string())?;
        intake::Intake::new(&config, aws.dynamodb.clone(), aws.sqs.clone(), &aws.secrets).map_err(|e| e.to_string())
    }
}
