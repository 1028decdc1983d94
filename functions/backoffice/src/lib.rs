//! The `backoffice` function: the seller's and warehouse's HTTP API. So far: `GET /v1/orders` (list, newest
//! first, filter by status, signed cursor pagination; operator and warehouse keys, webshop keys get 403) and
//! `GET /v1/orders/{id}` (detail with history for every role; staff also see the reserved stock).

mod answers;
mod api_keys;
mod buyer_access;
mod buyer_requests;
mod catalogue;
mod context;
mod customers;
mod documents;
mod invitations;
mod orders;
mod quotes;
mod regroup;
mod routes;
mod settings;

use orders_app::outbox::{EmailOutbox, MailSettings};
use orders_aws::{required_var, ConfigError, SecretKeys, SecretPurpose, Settings, Store};
use orders_http::{CursorSigner, Gatekeeper};

pub use routes::handle;

/// Settings of the back office (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct BackofficeConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `CURSOR_SECRET_ARN`: the keys of pagination cursors.
    pub cursor_secret_arn: String,
    /// `CONSOLE_SESSION_SECRET_ARN`: the keys of console sessions.
    pub console_session_secret_arn: String,
    /// `BUYER_LINK_SECRET_ARN`: the keys of the magic links and buyer keys it sends.
    pub buyer_link_secret_arn: String,
    /// `SENDER_EMAIL` (and the portal's, when set).
    pub mail: MailSettings,
    /// `PORTAL_URL`: where the buyer portal is (`https://…/portal`), for the links in the buyer emails the back
    /// office sends. `{api_id}` in it stands for the id of the HTTP API the request came through, as API Gateway
    /// says it (the back office cannot name its own API in its environment: that would be a template cycle).
    pub portal_url: String,
}

impl Settings for BackofficeConfig {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name| required_var(&var, name);
        Ok(Self {
            table_name: get("TABLE_NAME")?,
            cursor_secret_arn: get(SecretPurpose::Cursor.env_var())?,
            console_session_secret_arn: get(SecretPurpose::ConsoleSession.env_var())?,
            buyer_link_secret_arn: get(SecretPurpose::BuyerLink.env_var())?,
            // The portal is resolved per request (`portal_url`), so the outbox holds none of its own: an email
            // sent when the request names no API goes without a link rather than with `{api_id}` in it.
            mail: MailSettings { portal: None, ..MailSettings::from_vars(&var)? },
            portal_url: get("PORTAL_URL")?,
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Backoffice {
    store: Store,
    gate: Gatekeeper,
    cursors: CursorSigner,
    outbox: EmailOutbox,
    /// The keys of the portal links of the buyer emails it sends (quotes, invitations, order emails).
    links: SecretKeys,
    /// `PORTAL_URL`.
    portal_url: String,
}

impl Backoffice {
    /// Builds the handler state.
    pub fn new(
        config: &BackofficeConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        ses: orders_aws::aws_sdk_ses::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Result<Self, String> {
        let store = Store::new(dynamodb, &config.table_name);
        let keys = |arn: &str, purpose| SecretKeys::from_secrets_manager(secrets.clone(), arn, purpose);
        Ok(Self {
            // a claim older than a minute belongs to a request that died
            outbox: EmailOutbox::for_function(store.clone(), ses, secrets, &config.mail),
            gate: Gatekeeper::new(
                store.clone(),
                keys(&config.console_session_secret_arn, SecretPurpose::ConsoleSession),
            ),
            store,
            cursors: CursorSigner::new(keys(&config.cursor_secret_arn, SecretPurpose::Cursor)),
            links: keys(&config.buyer_link_secret_arn, SecretPurpose::BuyerLink),
            portal_url: config.portal_url.trim_end_matches('/').to_owned(),
        })
    }

    /// What sending a buyer link takes (`orders_app::staff::buyer_links`), with the portal at `portal_url`.
    pub(crate) fn link_mail<'a>(&'a self, portal_url: &'a str) -> orders_app::staff::buyer_links::LinkMail<'a> {
        orders_app::staff::buyer_links::LinkMail {
            store: &self.store,
            keys: &self.links,
            mailer: self.outbox.mailer(),
            portal_url,
        }
    }

    /// The buyer portal's URL (`https://…/portal`, no trailing slash) from configuration only, never from what the
    /// client sent: `{api_id}` is the API id API Gateway puts in the request context.
    pub(crate) fn portal_url(&self, request: &lambda_http::Request) -> Result<String, orders_http::ApiError> {
        use lambda_http::request::RequestContext;
        use lambda_http::RequestExt;
        let api_id = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(context)) => context.apiid.as_deref(),
            _ => None,
        };
        configured_portal_url(&self.portal_url, api_id)
            .ok_or_else(|| orders_http::ApiError::Unavailable("the buyer portal's address is not known here".into()))
    }
}

/// The configured portal URL with `{api_id}` (if it has one) replaced by the API id of the request context;
/// `None` when it needs one and there is none that could be an API id.
fn configured_portal_url(configured: &str, api_id: Option<&str>) -> Option<String> {
    if !configured.contains("{api_id}") {
        return Some(configured.to_owned());
    }
    let api_id =
        api_id.filter(|id| !id.is_empty() && id.len() <= 32 && id.chars().all(|c| c.is_ascii_alphanumeric()))?;
    Some(configured.replace("{api_id}", api_id))
}

#[cfg(test)]
mod tests {
    use super::configured_portal_url;

    #[test]
    fn the_portal_url_is_configured_and_only_the_api_id_comes_from_api_gateway() {
        let configured = "https://{api_id}.execute-api.eu-north-1.amazonaws.com/portal";
        assert_eq!(
            configured_portal_url(configured, Some("a1b2c3d4e5")).as_deref(),
            Some("https://a1b2c3d4e5.execute-api.eu-north-1.amazonaws.com/portal")
        );
        assert_eq!(configured_portal_url(configured, None), None);
        assert_eq!(configured_portal_url(configured, Some("evil.example/x")), None);
        assert_eq!(
            configured_portal_url("https://orders.example.com/portal", Some("ignored")).as_deref(),
            Some("https://orders.example.com/portal")
        );
    }
}
