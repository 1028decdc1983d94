//! Sends raw MIME emails through SES (v1 `SendRawEmail`).

use aws_sdk_ses::error::DisplayErrorContext;
use aws_sdk_ses::primitives::Blob;
use aws_sdk_ses::types::RawMessage;

/// Sending failed.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    /// SES throttled us or is unavailable: retry later (leave the message on the queue).
    #[error("SES is throttling or unavailable: {0}")]
    Retryable(String),
    /// SES refused the message (unverified sender, bad address).
    #[error("SES refused the email: {0}")]
    Rejected(String),
}

/// The SES sender.
#[derive(Debug, Clone)]
pub struct Mailer {
    client: aws_sdk_ses::Client,
    sender: String,
}

impl Mailer {
    /// Sends as `sender` (a verified SES identity).
    pub fn new(client: aws_sdk_ses::Client, sender: impl Into<String>) -> Self {
        Self { client, sender: sender.into() }
    }

    /// The verified sender address.
    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// Sends a complete MIME message to `to`; returns the SES message id.
    pub async fn send_raw(&self, to: &str, mime: Vec<u8>) -> Result<String, MailerError> {
        let result = self
            .client
            .send_raw_email()
            .source(&self.sender)
            .destinations(to)
            .raw_message(
                RawMessage::builder()
                    .data(Blob::new(mime))
                    .build()
                    .map_err(|e| MailerError::Rejected(e.to_string()))?,
            )
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id),
            Err(error) => {
                let message = DisplayErrorContext(&error).to_string();
                let rejected = error.as_service_error().is_some_and(|e| {
                    e.is_message_rejected()
                        || e.is_mail_from_domain_not_verified_exception()
                        || e.is_configuration_set_does_not_exist_exception()
                });
                if rejected {
                    Err(MailerError::Rejected(message))
                } else {
                    Err(MailerError::Retryable(message))
                }
            }
        }
    }
}
