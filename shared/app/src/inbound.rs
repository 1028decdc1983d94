//! The inbound function's use case: Peppol BIS Orders (T01) an access point delivers into the documents bucket
//! under `inbound/tenant=<tenant>/…` (docs/decisions/0016-peppol-order-intake.md). S3 reports each new object to the
//! inbound queue; each is taken the way `POST /v1/orders` takes an XML body, once per object: the same object
//! reported again, or the same document in another object, answers the order it placed. Every object ends with a
//! record in the table — the order it placed, or why it was refused — so a refused document is never half-taken
//! and never silently dropped. Failures of the table or S3 are retried (partial batch failure), then reach the DLQ.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use orders_aws::archive::{ArchiveError, DocumentArchive};
use orders_aws::store::InboundRecord;
use orders_aws::{required_var, ConfigError, EventPublisher, Settings, Store, StoreError};
use orders_domain::ids::TenantId;
use orders_domain::intake::MAX_BODY_BYTES;
use orders_domain::parsing::form_decode;
use orders_domain::peppol_order::DocumentProblem;
use time::OffsetDateTime;

use crate::consumer::Batch;
use crate::ordering::peppol::{submit_peppol_order, PeppolDocument};
use crate::ordering::OrderingError;

/// Where access points deliver: `inbound/tenant=<tenant>/<name>.xml`.
pub const INBOUND_PREFIX: &str = "inbound/";

/// Settings of the inbound function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct InboundConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `DOCUMENTS_BUCKET`.
    pub documents_bucket: String,
    /// `CONFIRMATION_QUEUE_URL`.
    pub confirmation_queue_url: String,
}

impl Settings for InboundConfig {
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            documents_bucket: required_var(&var, "DOCUMENTS_BUCKET")?,
            confirmation_queue_url: required_var(&var, "CONFIRMATION_QUEUE_URL")?,
        })
    }
}

/// Everything the handler needs, built once per container.
#[derive(Debug, Clone)]
pub struct Inbound {
    store: Store,
    documents: DocumentArchive,
    publisher: EventPublisher,
    bucket: String,
    clock: fn() -> OffsetDateTime,
}

impl Inbound {
    /// The use case over the table, bucket and confirmation queue of `config`.
    pub fn new(
        config: &InboundConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        s3: orders_aws::aws_sdk_s3::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
    ) -> Self {
        Self {
            store: Store::new(dynamodb, &config.table_name),
            documents: DocumentArchive::new(s3, &config.documents_bucket),
            publisher: EventPublisher::new(sqs, &config.confirmation_queue_url),
            bucket: config.documents_bucket.clone(),
            clock: OffsetDateTime::now_utc,
        }
    }
}

/// Why an object could not be taken now (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum InboundFailure {
    /// The message is no S3 event notification.
    #[error("not an S3 event: {0}")]
    Malformed(String),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// S3 failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Placing failed for a reason that may pass (the table, the seller not readable yet).
    #[error("{0}")]
    Placing(String),
}

/// Handles one batch of S3 event notifications; failures are reported per message.
pub async fn handle(app: &Inbound, event: SqsEvent) -> SqsBatchResponse {
    let mut batch = Batch::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = match message.body.as_deref() {
            None => Err(InboundFailure::Malformed("no body".into())),
            Some(body) => take_notification(app, body).await,
        };
        if let Err(error) = outcome {
            tracing::warn!(message_id = %id, %error, "inbound document not taken");
            batch.fail(id);
        }
    }
    batch.response()
}

async fn take_notification(app: &Inbound, body: &str) -> Result<(), InboundFailure> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| InboundFailure::Malformed(e.to_string()))?;
    if value.get("Event").and_then(serde_json::Value::as_str) == Some("s3:TestEvent") {
        // S3 checks the destination when the notification is configured.
        return Ok(());
    }
    let event: S3Notification = serde_json::from_value(value).map_err(|e| InboundFailure::Malformed(e.to_string()))?;
    for record in &event.records {
        let created = record.event_name.starts_with("ObjectCreated:");
        let bucket = record.s3.bucket.name.as_str();
        if !created || bucket != app.bucket {
            tracing::warn!(bucket, event = %record.event_name, "an S3 event this function does not take");
            continue;
        }
        let key = form_decode(&record.s3.object.key);
        take_object(app, &key, record.s3.object.size.unwrap_or_default()).await?;
    }
    Ok(())
}

/// What this function reads of S3's event notification (`aws_lambda_events::s3::S3Event` requires fields, such
/// as `userIdentity`, that it does not need and that not every sender fills).
#[derive(Debug, serde::Deserialize)]
struct S3Notification {
    #[serde(rename = "Records")]
    records: Vec<S3Record>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Record {
    event_name: String,
    s3: S3Entity,
}

#[derive(Debug, serde::Deserialize)]
struct S3Entity {
    bucket: S3Bucket,
    object: S3Object,
}

#[derive(Debug, serde::Deserialize)]
struct S3Bucket {
    name: String,
}

#[derive(Debug, serde::Deserialize)]
struct S3Object {
    key: String,
    size: Option<i64>,
}

/// The tenant of an inbound key: `inbound/tenant=<tenant>/…`.
fn tenant_of(key: &str) -> Option<TenantId> {
    let rest = key.strip_prefix(INBOUND_PREFIX)?.strip_prefix("tenant=")?;
    let (tenant, name) = rest.split_once('/')?;
    (!name.is_empty()).then(|| TenantId::parse(tenant).ok()).flatten()
}

/// Takes the object `key` of `size` bytes, once: its record says what became of it.
pub async fn take_object(app: &Inbound, key: &str, size: i64) -> Result<(), InboundFailure> {
    let Some(tenant_id) = tenant_of(key) else {
        tracing::error!(key, "an inbound object outside inbound/tenant=<tenant>/: left alone");
        return Ok(());
    };
    if app.store.inbound_record(&tenant_id, key).await?.is_some() {
        return Ok(());
    }
    let Some(tenant) = app.store.get_tenant(&tenant_id).await? else {
        tracing::error!(key, tenant = %tenant_id, "an inbound object of a tenant that does not exist: left alone");
        return Ok(());
    };
    let now = (app.clock)();
    let refuse = |detail: String| {
        InboundRecord::refused(key, vec![DocumentProblem { rule: None, location: "/".into(), detail }], now)
    };
    let record = if usize::try_from(size).map_or(true, |size| size > MAX_BODY_BYTES) {
        refuse(format!("the document is over {MAX_BODY_BYTES} bytes"))
    } else {
        match app.documents.get(key).await? {
            None => {
                tracing::warn!(key, "an inbound object reported but gone: nothing to take");
                return Ok(());
            }
            Some(bytes) => match String::from_utf8(bytes) {
                Err(_) => refuse("the document is not UTF-8".into()),
                Ok(text) => {
                    let actor = format!("peppol-inbound:{key}");
                    let document = PeppolDocument { text: &text, actor: &actor, idempotency_key: None };
                    match submit_peppol_order(&app.store, &app.publisher, &tenant, document, now).await {
                        Ok(ordered) => InboundRecord::placed(key, &ordered.order.id, now),
                        Err(OrderingError::Document(problems)) => InboundRecord::refused(key, problems, now),
                        Err(OrderingError::Request(error)) => refuse(error.to_string()),
                        Err(OrderingError::Conflict(detail)) => refuse(detail),
                        Err(OrderingError::Invalid(errors)) => {
                            let problems = errors
                                .into_iter()
                                .map(|e| DocumentProblem { rule: None, location: "/".into(), detail: e.to_string() })
                                .collect();
                            InboundRecord::refused(key, problems, now)
                        }
                        Err(other) => return Err(InboundFailure::Placing(other.to_string())),
                    }
                }
            },
        }
    };
    match &record.order_id {
        Some(order) => tracing::info!(key, tenant = %tenant_id, order_id = %order, "inbound order placed"),
        None => tracing::warn!(key, tenant = %tenant_id, problems = record.problems.len(), "inbound document refused"),
    }
    app.store.put_inbound_record(&tenant_id, &record).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_tenant_and_decode_as_s3_encodes_them() {
        assert_eq!(form_decode("inbound/tenant%3Dt-1/PO+77%2Fa.xml"), "inbound/tenant=t-1/PO 77/a.xml");
        assert_eq!(form_decode("a%2"), "a%2");
        assert_eq!(tenant_of("inbound/tenant=t-1/po.xml").map(|t| t.to_string()), Some("t-1".into()));
        assert_eq!(tenant_of("inbound/tenant=t-1/"), None);
        assert_eq!(tenant_of("archive/tenant=t-1/po.xml"), None);
    }
}
