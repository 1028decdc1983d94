//! Configuration read once at start-up, and the shared SDK configuration.

use std::time::Duration;

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

/// A function's settings, read from its environment (declared in infra/template.yaml): [`Settings::from_vars`]
/// reads them from any source of variables (the local runner's, a test's), [`Settings::from_env`] from the process
/// environment; a missing one fails with its name.
pub trait Settings: Sized {
    /// Reads the settings from any source of variables.
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError>;

    /// Reads the settings from the environment.
    fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| required_env(name).ok())
    }
}

/// The SDK configuration every function's clients are built from, read from the environment Lambda sets:
/// `AWS_REGION`, the execution role's `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` for the local emulator; one rustls (ring) HTTPS client shared by all clients. No provider
/// chain, no profile files: init does no I/O (bench/results/cold-init.json).
pub fn sdk_config() -> SdkConfig {
    environment_sdk_config(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// [`sdk_config`] from any source of variables.
pub fn environment_sdk_config(var: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(call_timeouts())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(region) = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
        builder = builder.region(aws_config::Region::new(region));
    }
    if let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        let credentials =
            aws_credential_types::Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "environment");
        builder =
            builder.credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(credentials));
    }
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

/// How often the SDK tries one call (the first try and its retries, with jittered exponential backoff) before the
/// error reaches the code: the use cases then decide (leave the message for redelivery, answer 503, relay later).
pub const MAX_ATTEMPTS: u32 = 3;
/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one try of a DynamoDB, SQS, SES or Secrets Manager call may take: a hung connection is retried
/// instead of eating the function's whole `Timeout`.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long one call may take with its retries; below every function's `Timeout` in infra/template.yaml (10 s by
/// default), so the code sees the failure and reports it instead of being killed mid-way.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(9);
/// One try of an S3 call (a part of a multipart upload is 8 MiB).
pub const S3_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// One S3 call with its retries.
pub const S3_CALL_TIMEOUT: Duration = Duration::from_secs(150);

/// The timeouts of every call but S3's.
fn call_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// The SDK configuration for a local emulator at `endpoint` (dummy credentials, fixed region): the functions'
/// own [`environment_sdk_config`], as the local runner and the tests set its variables.
pub fn emulator_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    environment_sdk_config(|name| match name {
        "AWS_REGION" => Some(region.to_owned()),
        "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("test".to_owned()),
        "AWS_ENDPOINT_URL" => Some(endpoint.to_owned()),
        _ => None,
    })
}

/// The SDK configuration of a tool an operator runs against AWS (`orders-admin`): region and credentials from the
/// standard provider chain (environment, the shared config and credentials files' profiles with SSO,
/// `credential_process` and assumed roles as far as the caller's aws-config features allow, container and instance
/// roles), with the functions' HTTPS client, timeouts and retries (their SSO and STS calls too). A named `profile`
/// is used as the AWS CLI's `--profile` is: its credentials, never the environment's keys; `region` and `endpoint`
/// beat the chain's. Not for the functions: the chain reads files at init ([`sdk_config`]).
pub async fn chain_sdk_config(profile: Option<&str>, region: Option<&str>, endpoint: Option<&str>) -> SdkConfig {
    let retries = aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS);
    let http = https_client();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .timeout_config(call_timeouts())
        .retry_config(retries.clone());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_owned()));
    }
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let sdk = loader.load().await;
    let Some(profile) = profile else { return sdk };
    // The default chain tries AWS_ACCESS_KEY_ID first even with a profile named; the AWS CLI drops it then.
    let provider_config = aws_config::provider_config::ProviderConfig::default()
        .with_http_client(http)
        .with_region(sdk.region().cloned())
        .with_behavior_version(Some(BehaviorVersion::latest()))
        .with_timeout_config(call_timeouts())
        .with_retry_config(retries);
    let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .profile_name(profile)
        .configure(&provider_config)
        .build();
    sdk.into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(credentials))
        .build()
}

/// The roots AWS service endpoints chain to — Amazon Trust Services' Amazon Root CA 1–4 and the Starfield
/// Services Root Certificate Authority – G2 that cross-signs them (every AWS service endpoint, S3 included since
/// 2022, serves an ATS certificate) — compiled in, so init reads no certificate files: loading the system's ~290
/// root files made every function's cold init 4.8× a bare `lambda_runtime` hello-world (bench/results).
pub const AWS_TRUST_ROOTS_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// One rustls (ring) HTTPS client trusting [`AWS_TRUST_ROOTS_PEM`] (or, with `ORDERS_TLS_NATIVE_ROOTS` set, the
/// system's roots, read at init); plain HTTP works too (the local emulator).
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{TlsContext, TrustStore};
    let trust = if std::env::var_os("ORDERS_TLS_NATIVE_ROOTS").is_some() {
        TrustStore::default()
    } else {
        TrustStore::empty().with_pem_certificate(AWS_TRUST_ROOTS_PEM)
    };
    let builder = aws_smithy_http_client::Builder::new().tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
        aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
    ));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Not reachable with a trust store (only extra server names are checked); keep the system's roots then.
        Err(_) => builder.build_https(),
    }
}

/// A DynamoDB client from the shared configuration.
pub fn dynamodb_client(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk)
}

/// A Secrets Manager client from the shared configuration.
pub fn secrets_client(sdk: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(sdk)
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
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(S3_ATTEMPT_TIMEOUT)
        .operation_timeout(S3_CALL_TIMEOUT)
        .build();
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(sdk.endpoint_url().is_some())
        .timeout_config(timeouts)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    #[test]
    fn the_compiled_in_trust_roots_are_five_parsable_certificates() {
        let certificates: Vec<CertificateDer<'_>> = CertificateDer::pem_slice_iter(super::AWS_TRUST_ROOTS_PEM)
            .collect::<Result<_, _>>()
            .expect("PEM certificates");
        assert_eq!(certificates.len(), 5);
        let mut roots = rustls::RootCertStore::empty();
        let (valid, invalid) = roots.add_parsable_certificates(certificates);
        assert_eq!((valid, invalid), (5, 0), "each is a usable trust anchor");
    }
}
