//! AWS adapters of the order pipeline: configuration from the environment, the DynamoDB repository (single-table
//! design of docs/architecture.md) and the SQS event publisher. Business rules stay in `orders-domain`.

pub mod archive;
pub mod config;
pub mod exports;
pub mod keys;
pub mod mailer;
pub mod metrics;
pub mod publisher;
pub mod secrets;
pub mod store;
pub mod telemetry;
#[cfg(feature = "webhook-client")]
pub mod webhook_client;

pub use aws_sdk_dynamodb;
pub use aws_sdk_s3;
pub use aws_sdk_secretsmanager;
pub use aws_sdk_ses;
pub use aws_sdk_sqs;
pub use config::{
    dynamodb_client, emulator_sdk_config, environment_sdk_config, required_env, required_var, s3_client, sdk_config,
    secrets_client, ses_client, sqs_client, ConfigError, Settings,
};
pub use exports::{ExportsBucket, ExportsError, MultipartUpload};
pub use mailer::{Mailer, MailerError};
pub use publisher::{EventPublisher, PublishError, QueueError, WorkQueue};
pub use secrets::{rotate as rotate_secret, Rotation, SecretError, SecretKeys, SecretPurpose};
pub use store::{Store, StoreError};
