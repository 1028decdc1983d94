//! The `console` function: the web console of the seller's staff (operator and warehouse keys) at `/console`.
//! It serves one page, its script and styles (all ours, nothing from elsewhere) and the UI texts in six
//! languages, and it logs people in (`POST /console/session`: an API key becomes a signed, HttpOnly,
//! SameSite=Strict session cookie with an expiry and a CSRF token) and out (`DELETE /console/session`). Everything
//! the console shows and does, the browser asks of the back-office API routes, which accept the session cookie in
//! place of the bearer key; there is no second business logic here.
//!
//! It is also the HTTP API's `$default` route (infra/template.yaml): API Gateway sends it every request no route
//! takes, and its routing table answers those as the whole API does (`orders_http::routes::find`): 405 with
//! `Allow` on a path the API has under other methods, 404 elsewhere, each a problem.

mod handler;
pub mod strings;

use orders_aws::{required_var, ConfigError, Settings, Store};
use orders_http::Gatekeeper;

pub use handler::handle;

/// Settings of the console (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// `TABLE_NAME`: where the API keys are.
    pub table_name: String,
    /// `SESSION_SIGNING_SECRET`: seals the session cookies the API functions open.
    pub console_session_secret_arn: String,
}

impl Settings for ConsoleConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            console_session_secret_arn: required_var(&var, orders_aws::SecretPurpose::ConsoleSession.env_var())?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Console {
    store: Store,
    gate: Gatekeeper,
}

impl Console {
    /// Builds the handler state.
    pub fn new(
        config: &ConsoleConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, String> {
        let store = Store::new(dynamodb, &config.table_name);
        let sessions = orders_aws::SecretKeys::from_secrets_manager(
            secrets.clone(),
            &config.console_session_secret_arn,
            orders_aws::SecretPurpose::ConsoleSession,
        );
        Ok(Self { gate: Gatekeeper::new(store.clone(), sessions), store })
    }
}
