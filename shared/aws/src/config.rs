//! Configuration read once at start-up, and the shared SDK configuration.

use aws_config::{BehaviorVersion, SdkConfig};

/// A required setting is missing.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct ConfigError(pub &'static str);

/// Reads a required, non-empty setting from any source of variables (the environment, or the template's
/// environment of a function when the local runner builds it); the error names it.
pub fn required_var(var: &impl Fn(&'static str) -> Option<String>, name: &'static str) -> Result<String, ConfigError> {
    var(name).filter(|v| !v.is_empty()).ok_or(ConfigError(name))
}

/// Reads a required environment variable; the error names it.
pub fn required_env(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(ConfigError(name))
}

/// The SDK configuration every client is built from: region and credentials from the environment (and
/// `AWS_ENDPOINT_URL` for the local emulator), one rustls (ring) HTTPS client shared by all clients.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client()).load().await
}

/// The SDK configuration for a local emulator at `endpoint` (dummy credentials, fixed region). Used by the
/// local runner and the tests; functions use [`sdk_config`] with `AWS_ENDPOINT_URL`.
pub async fn emulator_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let credentials = aws_credential_types::Credentials::new("test", "test", None, None, "emulator");
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

/// One rustls (ring) HTTPS client; plain HTTP works too (the local emulator).
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// A DynamoDB client from the shared configuration.
pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk)
}

/// An SQS client from the shared configuration.
pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(sdk)
}

/// An SES (v1) client from the shared configuration.
pub fn ses_client(sdk: &SdkConfig) -> aws_sdk_ses::Client {
    aws_sdk_ses::Client::new(sdk)
}

/// An S3 client from the shared configuration; path-style addressing when an endpoint is set (the local emulator
/// has no per-bucket host names).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
    aws_sdk_s3::Client::from_conf(config)
}
