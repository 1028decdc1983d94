//! One batch of stream records: the batch's documents go into one bundle per tenant (a tar file, [`Bundle`]),
//! each written once under a key made of the tenant, the day and the sequence numbers of its first and last
//! record, so a batch delivered again writes nothing new. Bundles are put in the order of their first record; at
//! the first failure that bundle's first record is reported (Lambda retries the shard from it) and the rest wait
//! for that retry (docs/decisions/0014-document-bundles.md).

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use orders_aws::archive::Archived;

use crate::bundle::Bundle;
use crate::Archive;

/// The fields of a document item the archive needs.
#[derive(Debug, serde::Deserialize)]
struct DocumentImage {
    archive_key: String,
    ubl: String,
}

/// One tenant's documents of a batch, as one object to put.
#[derive(Debug)]
struct TenantBundle {
    /// `tenant=<t>`, the first segment of every archive key of the tenant.
    tenant: String,
    /// The UTC day of the first record, `YYYY-MM-DD`.
    day: String,
    first_sequence: String,
    last_sequence: String,
    bundle: Bundle,
}

impl TenantBundle {
    /// `tenant=<t>/archive/date=<day>/<first>-<last>.tar`.
    fn key(&self) -> String {
        format!("{}/archive/date={}/{}-{}.tar", self.tenant, self.day, self.first_sequence, self.last_sequence)
    }
}

/// Handles one batch; a bundle that failed is reported by its first record's sequence number.
pub async fn handle(app: &Archive, event: Event) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    for tenant_bundle in bundles(&event.records) {
        let key = tenant_bundle.key();
        let documents = tenant_bundle.bundle.len();
        let first_sequence = tenant_bundle.first_sequence;
        match app.documents.put_once(&key, tenant_bundle.bundle.finish(), "application/x-tar").await {
            Ok(Archived::Stored) => tracing::info!(%key, documents, "documents archived"),
            Ok(Archived::AlreadyThere) => tracing::info!(%key, documents, "bundle was archived before"),
            Err(error) => {
                tracing::warn!(%key, %error, "bundle not archived; the shard is retried from its first record");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = Some(first_sequence);
                response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    Ok(response)
}

/// The batch's documents grouped by tenant, in the order of each tenant's first record.
fn bundles(records: &[EventRecord]) -> Vec<TenantBundle> {
    let mut bundles: Vec<TenantBundle> = Vec::new();
    for record in records {
        let Some(document) = document(record) else { continue };
        let Some((tenant, _)) = document.archive_key.split_once('/') else {
            tracing::error!(key = %document.archive_key, "an archive key without a tenant segment; skipped");
            continue;
        };
        let sequence = record.change.sequence_number.clone().unwrap_or_else(|| record.event_id.clone());
        let created = record.change.approximate_creation_date_time;
        let position = match bundles.iter().position(|b| b.tenant == tenant) {
            Some(position) => position,
            None => {
                bundles.push(TenantBundle {
                    tenant: tenant.to_owned(),
                    day: created.format("%Y-%m-%d").to_string(),
                    first_sequence: sequence.clone(),
                    last_sequence: sequence.clone(),
                    bundle: Bundle::default(),
                });
                bundles.len() - 1
            }
        };
        let tenant_bundle = &mut bundles[position];
        let mtime = u64::try_from(created.timestamp()).unwrap_or_default();
        tenant_bundle.bundle.add(&document.archive_key, document.ubl.as_bytes(), mtime);
        tenant_bundle.last_sequence = sequence;
    }
    bundles
}

/// The document an inserted record carries; anything else on the stream (the template's filter lets none
/// through) is skipped.
fn document(record: &EventRecord) -> Option<DocumentImage> {
    if record.event_name != "INSERT" {
        return None;
    }
    let document = serde_dynamo::from_item::<_, DocumentImage>(record.change.new_image.clone()).ok();
    if document.is_none() {
        tracing::debug!(sequence_number = ?record.change.sequence_number, "not a document; skipped");
    }
    document
}
