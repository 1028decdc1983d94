//! Turns SQS batches into order responses.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};

use orders_app::confirmation::{answer_batch, ACCEPTED};
use orders_app::consumer::Batch;

use crate::Confirmation;

/// Handles one batch: express orders first, every message on its own; failures are reported per message.
pub async fn handle(app: &Confirmation, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut batch = Batch::read(&event, "confirmation", &ACCEPTED);
    answer_batch(app, &mut batch).await;
    Ok(batch.response())
}
