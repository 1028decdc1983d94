//! The feedback function's use case: SES's reports on sent emails (permanent bounces, complaints), read from the
//! mail-feedback queue. Each marks the customer's address (the console shows it with the customer and the order)
//! and the email it concerned. A report without our message tags, or about an email we have no record of, is
//! logged and done with; one that is not an SES event fails (and reaches the DLQ, whose alarm an operator sees).

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use orders_aws::store::MailStop;
use orders_aws::{required_var, ConfigError, Settings, Store, StoreError};
use orders_domain::mail_feedback::{parse_feedback, FeedbackError, FeedbackKind, MailFeedback};

use crate::consumer::Batch;

/// Settings of the feedback function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct FeedbackConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
}

impl Settings for FeedbackConfig {
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self { table_name: required_var(&var, "TABLE_NAME")? })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Feedback {
    store: Store,
}

impl Feedback {
    /// The use case over the table of `config`.
    pub fn new(config: &FeedbackConfig, dynamodb: orders_aws::aws_sdk_dynamodb::Client) -> Self {
        Self { store: Store::new(dynamodb, &config.table_name) }
    }
}

/// Why a report was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackFailure {
    /// Not an SES event.
    #[error(transparent)]
    Malformed(#[from] FeedbackError),
    /// The table failed (the report is retried).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Handles one batch of SES events; failures are reported per message.
pub async fn handle(app: &Feedback, event: SqsEvent) -> SqsBatchResponse {
    let mut batch = Batch::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = match message.body.as_deref() {
            None => Err(FeedbackFailure::Malformed(FeedbackError::Malformed("no body".into()))),
            Some(body) => match parse_feedback(body) {
                Ok(Some(feedback)) => record(app, &feedback).await,
                Ok(None) => Ok(()),
                Err(error) => Err(error.into()),
            },
        };
        if let Err(error) = outcome {
            tracing::warn!(message_id = %id, %error, "mail feedback not recorded");
            batch.fail(id);
        }
    }
    batch.response()
}

/// Records one report: on the customer's address and on the email.
pub async fn record(app: &Feedback, feedback: &MailFeedback) -> Result<(), FeedbackFailure> {
    let Some(tenant) = &feedback.tenant else {
        tracing::warn!(message_id = %feedback.message_id, kind = feedback.kind.as_str(), "mail feedback on an email without our tags");
        return Ok(());
    };
    let customer = match (&feedback.customer, &feedback.order) {
        (Some(customer), _) => Some(customer.clone()),
        (None, Some(order)) => {
            app.store.get_order_record(tenant, order).await?.map(|record| record.order.buyer.customer_id)
        }
        (None, None) => None,
    };
    match &customer {
        Some(customer) => {
            for recipient in &feedback.recipients {
                let stop = MailStop {
                    address: recipient.as_str().to_lowercase(),
                    kind: feedback.kind,
                    detail: feedback.detail.clone(),
                    at: feedback.at.clone(),
                    order_id: feedback.order.clone(),
                };
                app.store.record_mail_stop(tenant, customer, &stop).await?;
            }
        }
        None => tracing::warn!(%tenant, message_id = %feedback.message_id, "mail feedback names no customer"),
    }
    // The email is one, whatever its recipients.
    if let Some(order) = &feedback.order {
        let marked = app
            .store
            .mark_email_feedback(tenant, order, &feedback.message_id, feedback.kind, &feedback.detail, &feedback.at)
            .await?;
        if !marked {
            tracing::warn!(%tenant, order_id = %order, message_id = %feedback.message_id, "mail feedback on an email the order has no record of");
        }
    }
    tracing::warn!(%tenant, message_id = %feedback.message_id, kind = feedback.kind.as_str(), detail = %feedback.detail, "mail feedback recorded");
    let metric = match feedback.kind {
        FeedbackKind::Bounced => orders_aws::metrics::EMAILS_BOUNCED,
        FeedbackKind::Complained => orders_aws::metrics::EMAILS_COMPLAINED,
    };
    orders_aws::metrics::count(metric, 1);
    Ok(())
}
