//! One batch of stream records: the batch's documents go into one bundle per tenant (a tar file, [`Bundle`]),
//! each written once under a key made of the tenant, the day and the sequence numbers of its first and last
//! record, so a batch delivered again writes nothing new. Bundles are put in the order of their first record; at
//! the first failure that bundle's first record is reported (Lambda retries the shard from it) and the rest wait
//! for that retry (docs/decisions/0014-document-bundles.md).
//!
//! Two kinds of records carry a file: a Peppol document item (an Order Response or a Despatch Advice, its UBL as
//! written, under its `archive_key`), and a newly issued billing document whose buyer and seller are on Peppol (its
//! UBL rendered from the stored document, under its `ubl_key`: the same bytes the invoicing stage emailed). A record
//! that cannot be read is reported as failed, after the bundles of the records before it: it is never skipped.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use orders_aws::archive::Archived;
use orders_aws::store::document_of_stream_image;
use orders_domain::invoice_ubl::peppol_invoice;

use crate::bundle::Bundle;
use crate::Archive;

/// The fields of a document item the archive needs.
#[derive(Debug, serde::Deserialize)]
struct DocumentImage {
    archive_key: String,
    ubl: String,
}

/// A file a record carries: its name in the bundle (`tenant=<t>/…`) and its contents.
#[derive(Debug, PartialEq)]
struct ArchivedFile {
    name: String,
    contents: String,
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

/// Handles one batch; a bundle that failed, or a record that could not be read, is reported by its first
/// record's sequence number.
pub async fn handle(app: &Archive, event: Event) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    let Batch { bundles, unreadable } = bundles(&event.records);
    for tenant_bundle in bundles {
        let key = tenant_bundle.key();
        let documents = tenant_bundle.bundle.len();
        let first_sequence = tenant_bundle.first_sequence;
        match app.documents.put_once(&key, tenant_bundle.bundle.finish(), "application/x-tar").await {
            Ok(Archived::Stored) => tracing::info!(%key, documents, "documents archived"),
            Ok(Archived::AlreadyThere) => tracing::info!(%key, documents, "bundle was archived before"),
            Err(error) => {
                tracing::warn!(%key, %error, "bundle not archived; the shard is retried from its first record");
                response.batch_item_failures.push(failure(first_sequence));
                return Ok(response);
            }
        }
    }
    response.batch_item_failures.extend(unreadable.map(failure));
    Ok(response)
}

/// The failure that makes Lambda retry the shard from the record `sequence`.
fn failure(sequence: String) -> DynamoDbBatchItemFailure {
    let mut failure = DynamoDbBatchItemFailure::default();
    failure.item_identifier = Some(sequence);
    failure
}

/// The bundles of a batch's records up to the first one that could not be read, and that one's sequence number.
#[derive(Debug, Default)]
struct Batch {
    bundles: Vec<TenantBundle>,
    unreadable: Option<String>,
}

/// The batch's files grouped by tenant, in the order of each tenant's first record, up to the first record that
/// could not be read.
fn bundles(records: &[EventRecord]) -> Batch {
    let mut batch = Batch::default();
    for record in records {
        let sequence = record.change.sequence_number.clone().unwrap_or_else(|| record.event_id.clone());
        let file = match file(record) {
            Ok(Some(file)) => file,
            Ok(None) => continue,
            Err(error) => {
                tracing::error!(%sequence, %error, "a record that cannot be read; the shard is retried from it");
                batch.unreadable = Some(sequence);
                break;
            }
        };
        let Some((tenant, _)) = file.name.split_once('/') else {
            tracing::error!(name = %file.name, "an archive key without a tenant segment; skipped");
            continue;
        };
        let created = record.change.approximate_creation_date_time;
        let bundles = &mut batch.bundles;
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
        tenant_bundle.bundle.add(&file.name, file.contents.as_bytes(), mtime);
        tenant_bundle.last_sequence = sequence;
    }
    batch
}

/// The file an inserted record carries: a Peppol document item's UBL, or the UBL of a billing document issued to
/// a buyer on Peppol. Anything else on the stream (the template's filter lets none through) is skipped; an item
/// of either kind that cannot be read is an error.
fn file(record: &EventRecord) -> Result<Option<ArchivedFile>, String> {
    if record.event_name != "INSERT" {
        return Ok(None);
    }
    let image = &record.change.new_image;
    if image.get("archive_key").is_some() {
        let document =
            serde_dynamo::from_item::<_, DocumentImage>(image.clone()).map_err(|e| format!("a document item: {e}"))?;
        return Ok(Some(ArchivedFile { name: document.archive_key, contents: document.ubl }));
    }
    let Some(stored) = document_of_stream_image(image.clone()).map_err(|e| e.to_string())? else {
        tracing::debug!(sequence_number = ?record.change.sequence_number, "not a document; skipped");
        return Ok(None);
    };
    let Some(name) = stored.ubl_key else { return Ok(None) };
    let contents = peppol_invoice(&stored.invoice)
        .ok_or_else(|| format!("billing document {} has a UBL key and no Peppol parties", stored.invoice.number))?;
    Ok(Some(ArchivedFile { name, contents }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_dynamo::AttributeValue;

    fn record(sequence: &str, event_name: &str, fields: &[(&str, &str)]) -> EventRecord {
        let mut record = EventRecord::default();
        record.event_name = event_name.to_owned();
        record.change.sequence_number = Some(sequence.to_owned());
        let image: std::collections::HashMap<String, AttributeValue> =
            fields.iter().map(|(name, value)| ((*name).to_owned(), AttributeValue::S((*value).to_owned()))).collect();
        record.change.new_image = image.into();
        record
    }

    fn document(sequence: &str, name: &str) -> EventRecord {
        record(sequence, "INSERT", &[("SK", "DOC#x"), ("archive_key", name), ("ubl", "<OrderResponse/>")])
    }

    #[test]
    fn a_document_item_is_bundled_under_its_archive_key_and_other_records_are_skipped() {
        let name = "tenant=t-1/orders/ord_1/order-response-v000002.xml";
        assert_eq!(
            file(&document("1", name)),
            Ok(Some(ArchivedFile { name: name.to_owned(), contents: "<OrderResponse/>".to_owned() }))
        );
        let mut modified = document("2", name);
        modified.event_name = "MODIFY".to_owned();
        assert_eq!(file(&modified), Ok(None), "only inserted items");
        assert_eq!(file(&record("3", "INSERT", &[("SK", "ORDER")])), Ok(None), "not a document");
    }

    #[test]
    fn a_billing_document_that_cannot_be_read_stops_the_batch_there_and_is_reported() {
        let broken = record("3", "INSERT", &[("SK", "INV"), ("entity", "invoice"), ("ubl_key", "tenant=t-1/x.xml")]);
        assert!(file(&broken).is_err(), "an INV item without its document");
        let records = [
            document("1", "tenant=t-1/orders/ord_1/order-response-v000002.xml"),
            document("2", "tenant=t-2/orders/ord_2/order-response-v000002.xml"),
            broken,
            document("4", "tenant=t-1/orders/ord_1/despatch-advice-D-1.xml"),
        ];
        let batch = bundles(&records);
        assert_eq!(batch.unreadable.as_deref(), Some("3"));
        let bundled: Vec<(&str, usize)> = batch.bundles.iter().map(|b| (b.tenant.as_str(), b.bundle.len())).collect();
        assert_eq!(bundled, [("tenant=t-1", 1), ("tenant=t-2", 1)], "nothing after the unreadable record");
    }
}
