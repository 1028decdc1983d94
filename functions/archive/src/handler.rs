//! One batch of stream records: archive each document in stream order; at the first failure, report that record
//! (Lambda retries the shard from it, so the records after it come again; a document already archived is left
//! as it is) and stop.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use orders_aws::archive::{ArchiveError, Archived};

use crate::Archive;

/// The fields of a document item the archive needs.
#[derive(Debug, serde::Deserialize)]
struct DocumentImage {
    archive_key: String,
    ubl: String,
}

/// Handles one batch; a failed record is reported by its sequence number.
pub async fn handle(app: &Archive, event: Event) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    for record in &event.records {
        if let Err(error) = archive(app, record).await {
            tracing::warn!(sequence_number = ?record.change.sequence_number, %error, "document not archived; the shard is retried from it");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier.clone_from(&record.change.sequence_number);
            response.batch_item_failures.push(failure);
            break;
        }
    }
    Ok(response)
}

async fn archive(app: &Archive, record: &EventRecord) -> Result<(), ArchiveError> {
    if record.event_name != "INSERT" {
        return Ok(());
    }
    // Anything else on the stream (the template's filter lets none through) is not a document.
    let Ok(document) = serde_dynamo::from_item::<_, DocumentImage>(record.change.new_image.clone()) else {
        tracing::debug!(sequence_number = ?record.change.sequence_number, "not a document; skipped");
        return Ok(());
    };
    match app.documents.put_once(&document.archive_key, document.ubl.into_bytes(), "application/xml").await? {
        Archived::Stored => tracing::info!(key = %document.archive_key, "document archived"),
        Archived::AlreadyThere => tracing::info!(key = %document.archive_key, "document was archived before"),
    }
    Ok(())
}
