//! The `feedback` function: consumes SES's reports on sent emails (permanent bounces and complaints, which the
//! configuration set's event destination publishes through SNS to the mail-feedback queue) and marks the
//! customer's address and the email. The use case is `orders_app::mail_feedback`; `main.rs` only wires it; the
//! local runner and the tests call [`handle`] with real `SqsEvent`s.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

pub use orders_app::mail_feedback::{Feedback, FeedbackConfig};

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Feedback, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    Ok(orders_app::mail_feedback::handle(app, event).await)
}
