//! The `intake` function: the HTTP API that takes documents in and starts a stage — orders from webshops
//! (`POST /v1/orders`, `POST /v1/orders/batch`, `GET /v1/products`) and despatch advices from the warehouse
//! (`POST /v1/orders/{id}/despatches`). `main.rs` only wires it to the Lambda runtime; the local runner and
//! the tests call [`handle`] exactly as Lambda does.

mod handler;

use orders_aws::{required_var, ConfigError, EventPublisher, SecretKeys, SecretPurpose, Settings, Store};
use orders_http::{CursorSigner, Gatekeeper};
use time::OffsetDateTime;

pub use handler::handle;

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Intake {
    store: Store,
    gate: Gatekeeper,
    publisher: EventPublisher,
    shipment: EventPublisher,
    cursors: CursorSigner,
    clock: fn() -> OffsetDateTime,
}

/// Settings of the intake function, from its environment (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct IntakeConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CONFIRMATION_QUEUE_URL`.
    pub confirmation_queue_url: String,
    /// `SHIPMENT_QUEUE_URL`.
    pub shipment_queue_url: String,
    /// `CURSOR_SECRET_ARN`: the keys of pagination cursors.
    pub cursor_secret_arn: String,
    /// `CONSOLE_SESSION_SECRET_ARN`: the keys of console sessions.
    pub console_session_secret_arn: String,
}

/// Why the function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is missing.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A setting is unusable.
    #[error("{0}")]
    Invalid(String),
}

impl Settings for IntakeConfig {
    /// Reads the settings from any source of variables (the local runner passes the template's environment).
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            confirmation_queue_url: get("CONFIRMATION_QUEUE_URL")?,
            shipment_queue_url: get("SHIPMENT_QUEUE_URL")?,
            cursor_secret_arn: get(SecretPurpose::Cursor.env_var())?,
            console_session_secret_arn: get(SecretPurpose::ConsoleSession.env_var())?,
        })
    }
}

impl Intake {
    /// Builds the handler state from settings and already-built clients.
    pub fn new(
        config: &IntakeConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, StartupError> {
        let store = Store::new(dynamodb, &config.table_name);
        let keys = |arn: &str, purpose| SecretKeys::from_secrets_manager(secrets.clone(), arn, purpose);
        Ok(Self {
            gate: Gatekeeper::new(
                store.clone(),
                keys(&config.console_session_secret_arn, SecretPurpose::ConsoleSession),
            ),
            store,
            publisher: EventPublisher::new(sqs.clone(), &config.confirmation_queue_url),
            shipment: EventPublisher::new(sqs, &config.shipment_queue_url),
            cursors: CursorSigner::new(keys(&config.cursor_secret_arn, SecretPurpose::Cursor)),
            clock: OffsetDateTime::now_utc,
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: fn() -> OffsetDateTime) -> Self {
        self.clock = clock;
        self
    }
}
