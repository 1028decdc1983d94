//! Sends raw MIME emails through SES (v1 `SendRawEmail`).

use aws_sdk_ses::error::DisplayErrorContext;
use aws_sdk_ses::primitives::Blob;
use aws_sdk_ses::types::{MessageTag, RawMessage};

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
    /// The SES configuration set whose event destination reports bounces and complaints.
    configuration_set: Option<String>,
}

impl Mailer {
    /// Sends as `sender` (a verified SES identity).
    pub fn new(client: aws_sdk_ses::Client, sender: impl Into<String>) -> Self {
        Self { client, sender: sender.into(), configuration_set: None }
    }

    /// This sender, sending through configuration set `name` (so SES reports bounces and complaints).
    pub fn with_configuration_set(self, name: impl Into<String>) -> Self {
        Self { configuration_set: Some(name.into()), ..self }
    }

    /// The verified sender address.
    pub fn sender(&self) -> &str {
        &self.sender
    }

    /// Sends a complete MIME message to `to`, with message `tags` (name, value) that SES hands back in its
    /// reports about it (a tag whose value SES would refuse is left out); returns the SES message id.
    pub async fn send_raw(&self, to: &str, mime: Vec<u8>, tags: &[(&str, &str)]) -> Result<String, MailerError> {
        let tags = tags
            .iter()
            .filter(|(_, value)| is_tag_value(value))
            .map(|(name, value)| MessageTag::builder().name(*name).value(*value).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| MailerError::Rejected(e.to_string()))?;
        let result = self
            .client
            .send_raw_email()
            .source(&self.sender)
            .destinations(to)
            .set_configuration_set_name(self.configuration_set.clone())
            .set_tags(Some(tags).filter(|tags| !tags.is_empty()))
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

/// What SES accepts as a message tag's value: 1 to 256 ASCII letters, digits, `_` and `-`.
fn is_tag_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tag_values_are_what_ses_accepts() {
        assert!(super::is_tag_value("ord_0192f0c3a1b27c3d8e9f001122334455"));
        assert!(super::is_tag_value("acme-1"));
        assert!(!super::is_tag_value(""));
        assert!(!super::is_tag_value("a.b"));
    }
}
