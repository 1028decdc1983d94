//! Signed webhooks (docs/decisions/0017-signed-webhooks.md): operators register endpoints; the table's stream of
//! order items raises events ([`orders_domain::webhooks::order_events`]); each event becomes one delivery per
//! endpoint that wants it — a record in the table, written once (its message id is derived from the stream
//! record), and a message on the webhooks queue. The worker sends a delivery signed as the Standard Webhooks
//! specification says and records each attempt; a failed attempt is tried again after the schedule's next gap
//! (the queue's message delay is the timer), so one endpoint's failures never hold up another's deliveries. A
//! delivery that used up its attempts marks its endpoint failing (metric `WebhooksGaveUp`, an alarm).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use orders_aws::metrics;
use orders_aws::store::{
    DeliveryAttempt, DeliveryStatus, EndpointSecretRef, StoredInvoice, WebhookDelivery, WebhookEndpoint,
    DELIVERY_TTL_DAYS,
};
use orders_aws::{
    required_var, ConfigError, QueueError, SecretError, SecretKeys, Settings, Store, StoreError, WorkQueue,
};
use orders_domain::ids::TenantId;
use orders_domain::order::Order;
use orders_domain::webhooks::{
    document_event, message_id, order_events, signature_header, EndpointChange, EndpointId, EndpointSecret,
    NewEndpoint, RetrySchedule, WebhookEventType,
};

use crate::consumer::Batch;

/// How long a replaced secret still signs beside the new one unless the rotation says otherwise.
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(24 * 3600);
/// The longest overlap a rotation may ask for.
pub const MAX_OVERLAP: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long this container uses the endpoints it read of a tenant before reading them again.
pub const DEFAULT_ENDPOINTS_TTL: Duration = Duration::from_secs(30);

/// Settings of the webhooks function (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `WEBHOOK_QUEUE_URL`.
    pub queue_url: String,
    /// `WEBHOOK_SIGNING_SECRET_ARN`.
    pub signing_secret_arn: String,
    /// `WEBHOOK_RETRY_SECONDS`: the gaps between attempts (default the specification's).
    pub retry: RetrySchedule,
    /// `WEBHOOK_ALLOW_LOOPBACK=true`: local development only (receivers on 127.0.0.1, plain http).
    pub allow_loopback: bool,
    /// `WEBHOOK_ENDPOINTS_TTL_SECONDS`: how long the endpoints read of a tenant are used (default 30 s).
    pub endpoints_ttl: Duration,
}

impl Settings for WebhooksConfig {
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let retry = match var("WEBHOOK_RETRY_SECONDS") {
            None => RetrySchedule::default(),
            Some(text) => RetrySchedule::parse(&text).ok_or(ConfigError("WEBHOOK_RETRY_SECONDS"))?,
        };
        let endpoints_ttl = match var("WEBHOOK_ENDPOINTS_TTL_SECONDS") {
            None => DEFAULT_ENDPOINTS_TTL,
            Some(text) => Duration::from_secs(text.parse().map_err(|_| ConfigError("WEBHOOK_ENDPOINTS_TTL_SECONDS"))?),
        };
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            queue_url: required_var(&var, "WEBHOOK_QUEUE_URL")?,
            signing_secret_arn: required_var(&var, "WEBHOOK_SIGNING_SECRET_ARN")?,
            retry,
            allow_loopback: allow_loopback(&var),
            endpoints_ttl,
        })
    }
}

/// Whether `WEBHOOK_ALLOW_LOOPBACK` is `true` (the local stack sets it; a deployed stack never does).
pub fn allow_loopback(var: &impl Fn(&'static str) -> Option<String>) -> bool {
    var("WEBHOOK_ALLOW_LOOPBACK").is_some_and(|v| v == "true")
}

/// What an endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The first characters of its body.
    pub excerpt: String,
    /// How long it took.
    pub elapsed_ms: u64,
}

/// Sends one prepared delivery (the adapter: an HTTPS client that refuses private addresses and follows no
/// redirect). `Err` is why no answer came, in words fit for the endpoint's owner.
pub trait Poster: Send + Sync {
    /// POSTs `body` with `headers` to `url`.
    fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<PostAnswer, (String, u64)>> + Send;
}

/// Why a webhook use case failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The signing secret could not be read.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// No such endpoint (or delivery).
    #[error("{0} not found")]
    NotFound(String),
    /// The endpoint changed meanwhile (a conditional write lost).
    #[error("{0}")]
    Conflict(String),
    /// A request the use case cannot take.
    #[error("{0}")]
    Refused(String),
    /// A message that is no delivery.
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// The body of a message on the webhooks queue: which delivery to attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    /// The tenant.
    pub tenant: TenantId,
    /// The endpoint.
    pub endpoint: EndpointId,
    /// The delivery's message id.
    pub message_id: String,
}

type EndpointCache = Arc<Mutex<HashMap<TenantId, (Instant, Arc<Vec<WebhookEndpoint>>)>>>;

/// Everything the webhooks function needs, built once per container.
#[derive(Clone)]
pub struct Webhooks<P> {
    store: Store,
    queue: WorkQueue,
    keys: SecretKeys,
    retry: RetrySchedule,
    poster: P,
    endpoints: EndpointCache,
    endpoints_ttl: Duration,
    clock: fn() -> OffsetDateTime,
}

impl<P> std::fmt::Debug for Webhooks<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks").field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl<P: Poster> Webhooks<P> {
    /// The use case over the table, queue and signing secret of `config`, sending with `poster`.
    pub fn new(
        config: &WebhooksConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
        poster: P,
    ) -> Self {
        Self {
            store: Store::new(dynamodb, &config.table_name),
            queue: WorkQueue::new(sqs, &config.queue_url),
            keys: SecretKeys::from_secrets_manager(
                secrets.clone(),
                &config.signing_secret_arn,
                orders_aws::SecretPurpose::WebhookSigning,
            ),
            retry: config.retry.clone(),
            poster,
            endpoints: EndpointCache::default(),
            endpoints_ttl: config.endpoints_ttl,
            clock: OffsetDateTime::now_utc,
        }
    }

    /// The tenant's endpoints, as read at most [`WebhooksConfig::endpoints_ttl`] ago.
    async fn endpoints_of(&self, tenant: &TenantId) -> Result<Arc<Vec<WebhookEndpoint>>, StoreError> {
        let cached = self.endpoints.lock().ok().and_then(|cache| cache.get(tenant).cloned());
        if let Some((read_at, endpoints)) = cached {
            if read_at.elapsed() < self.endpoints_ttl {
                return Ok(endpoints);
            }
        }
        let endpoints = Arc::new(self.store.webhook_endpoints(tenant).await?);
        if let Ok(mut cache) = self.endpoints.lock() {
            cache.insert(tenant.clone(), (Instant::now(), endpoints.clone()));
        }
        Ok(endpoints)
    }
}

/// What changed: an order (as it was and is), or a billing document that was issued.
#[derive(Debug, Clone)]
pub enum Changed {
    /// An order item was inserted (`before` is `None`) or modified.
    Order {
        /// The order before.
        before: Option<Box<Order>>,
        /// The order after.
        after: Box<Order>,
    },
    /// A billing document was issued.
    Document(Box<StoredInvoice>),
}

/// One change of the table, as its stream reported it.
#[derive(Debug, Clone)]
pub struct TableChange {
    /// The stream record's id (the same when the record is delivered again).
    pub record_id: String,
    /// When the change was written (Unix milliseconds).
    pub at_ms: i64,
    /// The stream record's sequence number.
    pub sequence: String,
    /// What changed.
    pub changed: Changed,
}

impl TableChange {
    fn tenant(&self) -> &TenantId {
        match &self.changed {
            Changed::Order { after, .. } => &after.tenant,
            Changed::Document(document) => &document.invoice.tenant,
        }
    }

    fn events(&self) -> Vec<WebhookEventType> {
        match &self.changed {
            Changed::Order { before, after } => order_events(before.as_deref(), after),
            Changed::Document(document) => document_event(document.invoice.kind).into_iter().collect(),
        }
    }
}

/// How the API shows what a delivery carries as its `data` (the adapters' views).
#[derive(Debug, Clone, Copy)]
pub struct Views {
    /// An order, as `GET /v1/orders/{id}` shows it.
    pub order: fn(&Order) -> Value,
    /// A billing document, as `GET /v1/invoices/{number}` shows it.
    pub document: fn(&StoredInvoice) -> Value,
}

/// The body of a delivery: `{"type", "timestamp", "data"}` as the specification recommends.
fn payload(event: WebhookEventType, at_ms: i64, data: Value) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    serde_json::json!({ "type": event.as_str(), "timestamp": at, "data": data }).to_string()
}

/// Makes the deliveries the changes call for (their `data` as `views` show it) and queues them; changes seen
/// before make nothing new. Returns how many deliveries were queued.
pub async fn fan_out<P: Poster>(
    app: &Webhooks<P>,
    changes: &[TableChange],
    views: Views,
) -> Result<usize, WebhookError> {
    let now = (app.clock)();
    let created_at = now.format(&Rfc3339).unwrap_or_default();
    let expires_at = (now + time::Duration::days(DELIVERY_TTL_DAYS)).unix_timestamp();
    let mut messages = Vec::new();
    for change in changes {
        let events = change.events();
        if events.is_empty() {
            continue;
        }
        let tenant = change.tenant();
        let endpoints = app.endpoints_of(tenant).await?;
        let mut view = None;
        for event in events {
            for endpoint in endpoints.iter().filter(|e| e.wants(event)) {
                let data = view
                    .get_or_insert_with(|| match &change.changed {
                        Changed::Order { after, .. } => (views.order)(after),
                        Changed::Document(document) => (views.document)(document),
                    })
                    .clone();
                let delivery = WebhookDelivery {
                    message_id: message_id(&change.record_id, event, change.at_ms, &change.sequence),
                    endpoint_id: endpoint.id.clone(),
                    event_type: event,
                    body: payload(event, change.at_ms, data),
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    round_start: 0,
                    next_attempt_at: None,
                    last_attempt: None,
                    created_at: created_at.clone(),
                    expires_at,
                };
                let queue_it = if app.store.put_new_webhook_delivery(tenant, &delivery).await? {
                    true
                } else {
                    // Made by an earlier try of this batch: queued again unless it was already attempted.
                    let stored = app.store.webhook_delivery(tenant, &endpoint.id, &delivery.message_id).await?;
                    stored.is_some_and(|d| d.status == DeliveryStatus::Pending && d.attempts == 0)
                };
                if queue_it {
                    let message = DeliveryMessage {
                        tenant: tenant.clone(),
                        endpoint: endpoint.id.clone(),
                        message_id: delivery.message_id,
                    };
                    messages.push(serde_json::to_string(&message).map_err(|e| WebhookError::Malformed(e.to_string()))?);
                }
            }
        }
    }
    app.queue.send_all(&messages).await?;
    Ok(messages.len())
}

/// Attempts every delivery of a batch of the webhooks queue at once (one slow endpoint delays no other); a
/// message whose delivery could not be attempted or recorded is reported failed.
pub async fn handle_deliveries<P: Poster>(app: &Webhooks<P>, event: SqsEvent) -> SqsBatchResponse {
    let attempts = event.records.iter().map(|message| async move {
        let id = message.message_id.clone().unwrap_or_default();
        let outcome = match message.body.as_deref().map(serde_json::from_str::<DeliveryMessage>) {
            Some(Ok(delivery)) => attempt(app, &delivery).await,
            Some(Err(e)) => Err(WebhookError::Malformed(e.to_string())),
            None => Err(WebhookError::Malformed("no body".into())),
        };
        (id, outcome)
    });
    let mut batch = Batch::default();
    for (id, outcome) in futures::future::join_all(attempts).await {
        if let Err(error) = outcome {
            tracing::warn!(message_id = %id, %error, "webhook delivery not attempted");
            batch.fail(id);
        }
    }
    batch.response()
}

/// The secrets that sign for `endpoint` at `now`: its current one, and the one it replaced while that overlaps.
async fn signing_secrets<P>(
    app: &Webhooks<P>,
    tenant: &TenantId,
    endpoint: &WebhookEndpoint,
    now: i64,
) -> Result<Vec<EndpointSecret>, WebhookError> {
    let mut secrets = Vec::new();
    let refs = std::iter::once(&endpoint.secret)
        .chain(endpoint.previous_secret.iter().filter(|p| p.until.is_some_and(|until| until > now)));
    for secret in refs {
        let ring = app.keys.ring_for(Some(&secret.kid)).await?;
        match ring.key(&secret.kid) {
            Some(key) => secrets.push(EndpointSecret::derive(key, tenant.as_str(), &endpoint.id, secret.generation)),
            None => {
                tracing::error!(endpoint = %endpoint.id, kid = %secret.kid, "the key of an endpoint's secret is retired: rotate the endpoint's secret")
            }
        }
    }
    Ok(secrets)
}

/// Attempts the delivery a message names, unless it is done or not due yet (then the message is sent on).
pub async fn attempt<P: Poster>(app: &Webhooks<P>, message: &DeliveryMessage) -> Result<(), WebhookError> {
    let tenant = &message.tenant;
    let Some(mut delivery) = app.store.webhook_delivery(tenant, &message.endpoint, &message.message_id).await? else {
        tracing::warn!(message_id = %message.message_id, "a webhook delivery that is gone (expired)");
        return Ok(());
    };
    let now = (app.clock)();
    match delivery.status {
        DeliveryStatus::Delivered | DeliveryStatus::Failed => return Ok(()),
        DeliveryStatus::Retrying => {
            let due = delivery.next_attempt_at.unwrap_or_default();
            if due > now.unix_timestamp() {
                let wait = Duration::from_secs(u64::try_from(due - now.unix_timestamp()).unwrap_or_default());
                let body = serde_json::to_string(message).map_err(|e| WebhookError::Malformed(e.to_string()))?;
                app.queue.send_later(&body, wait).await?;
                return Ok(());
            }
        }
        DeliveryStatus::Pending => {}
    }
    let (attempts_before, round_before) = (delivery.attempts, delivery.round_start);
    let at = now.format(&Rfc3339).unwrap_or_default();
    let endpoint = app.store.webhook_endpoint(tenant, &message.endpoint).await?;
    let result = match &endpoint {
        None => Err(("the endpoint was deleted".to_owned(), 0)),
        Some(endpoint) if !endpoint.enabled => Err(("the endpoint is disabled".to_owned(), 0)),
        Some(endpoint) => {
            let secrets = signing_secrets(app, tenant, endpoint, now.unix_timestamp()).await?;
            if secrets.is_empty() {
                Err(("no signing secret: rotate the endpoint's secret".to_owned(), 0))
            } else {
                let timestamp = now.unix_timestamp();
                let body = delivery.body.as_bytes();
                let headers = [
                    ("webhook-id", delivery.message_id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signature_header(&secrets, &delivery.message_id, timestamp, body)),
                ];
                app.poster.post(endpoint.url.as_str(), &headers, body.to_vec()).await
            }
        }
    };
    let endpoint_gone = endpoint.as_ref().is_none_or(|e| !e.enabled);
    delivery.attempts += 1;
    let succeeded = matches!(&result, Ok(answer) if (200..300).contains(&answer.status));
    delivery.last_attempt = Some(match result {
        Ok(answer) => DeliveryAttempt {
            at: at.clone(),
            status_code: Some(answer.status),
            error: None,
            excerpt: answer.excerpt,
            elapsed_ms: answer.elapsed_ms,
        },
        Err((error, elapsed_ms)) => DeliveryAttempt {
            at: at.clone(),
            status_code: None,
            error: Some(error),
            excerpt: String::new(),
            elapsed_ms,
        },
    });
    let gap = app.retry.gap_after(delivery.attempts - delivery.round_start);
    delivery.next_attempt_at = None;
    delivery.status = if succeeded {
        DeliveryStatus::Delivered
    } else if let (Some(gap), false) = (gap, endpoint_gone) {
        delivery.next_attempt_at = Some(now.unix_timestamp() + i64::try_from(gap.as_secs()).unwrap_or(i64::MAX / 2));
        DeliveryStatus::Retrying
    } else {
        DeliveryStatus::Failed
    };
    if !app.store.record_webhook_delivery(tenant, &delivery, attempts_before, round_before).await? {
        tracing::info!(message_id = %delivery.message_id, "another worker recorded this attempt first");
        return Ok(());
    }
    tracing::info!(
        tenant = %tenant, endpoint = %message.endpoint, message_id = %delivery.message_id,
        status = delivery.status.as_str(), attempts = delivery.attempts, "webhook attempt"
    );
    // What the endpoint's failing mark becomes: cleared by a delivery, set by one that used up its attempts.
    let failing_since = match delivery.status {
        DeliveryStatus::Delivered => {
            metrics::count(metrics::WEBHOOKS_DELIVERED, 1);
            Some(None)
        }
        DeliveryStatus::Retrying => {
            metrics::count(metrics::WEBHOOK_ATTEMPTS_FAILED, 1);
            let body = serde_json::to_string(message).map_err(|e| WebhookError::Malformed(e.to_string()))?;
            app.queue.send_later(&body, gap.unwrap_or_default()).await?;
            None
        }
        DeliveryStatus::Failed if !endpoint_gone => {
            metrics::count(metrics::WEBHOOK_ATTEMPTS_FAILED, 1);
            metrics::count(metrics::WEBHOOKS_GAVE_UP, 1);
            Some(Some(at.clone()))
        }
        DeliveryStatus::Failed | DeliveryStatus::Pending => None,
    };
    if let (Some(failing_since), Some(mut changed)) = (failing_since, endpoint) {
        if changed.failing_since.is_some() != failing_since.is_some() {
            if failing_since.is_some() {
                tracing::error!(tenant = %tenant, endpoint = %changed.id, "webhook endpoint failing: a delivery used up its attempts");
            }
            changed.failing_since = failing_since;
            changed.version += 1;
            changed.updated_at = at;
            app.store.put_webhook_endpoint(tenant, &changed).await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- endpoints (the back office's routes)

/// An endpoint and its secret, as answered once when it is registered or its secret rotated.
#[derive(Debug, Clone)]
pub struct EndpointWithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// Its (new) signing secret, `whsec_…`.
    pub secret: String,
}

async fn secret_text(
    keys: &SecretKeys,
    tenant: &TenantId,
    endpoint: &EndpointId,
    secret: &EndpointSecretRef,
) -> Result<String, WebhookError> {
    let ring = keys.ring_for(Some(&secret.kid)).await?;
    let key = ring.key(&secret.kid).ok_or_else(|| WebhookError::Refused("the signing key is retired".into()))?;
    Ok(EndpointSecret::derive(key, tenant.as_str(), endpoint, secret.generation).to_whsec())
}

/// Registers `new` for `tenant` (by `by`, `role:key id`); its secret is in the answer only.
pub async fn register_endpoint(
    store: &Store,
    keys: &SecretKeys,
    tenant: &TenantId,
    new: NewEndpoint,
    by: &str,
    now: OffsetDateTime,
) -> Result<EndpointWithSecret, WebhookError> {
    let ring = keys.ring().await?;
    let id = EndpointId::parse(&format!("whe_{}", uuid::Uuid::now_v7().simple()))
        .ok_or_else(|| WebhookError::Refused("endpoint id".into()))?;
    let at = now.format(&Rfc3339).unwrap_or_default();
    let endpoint = WebhookEndpoint {
        id,
        url: new.url,
        events: new.events,
        description: new.description,
        enabled: true,
        failing_since: None,
        secret: EndpointSecretRef { kid: ring.current().kid().to_owned(), generation: 1, until: None },
        previous_secret: None,
        created_at: at.clone(),
        created_by: by.to_owned(),
        updated_at: at,
        version: 1,
    };
    if !store.put_webhook_endpoint(tenant, &endpoint).await? {
        return Err(WebhookError::Conflict("an endpoint of that id exists".into()));
    }
    let secret = secret_text(keys, tenant, &endpoint.id, &endpoint.secret).await?;
    Ok(EndpointWithSecret { endpoint, secret })
}

async fn existing(store: &Store, tenant: &TenantId, id: &EndpointId) -> Result<WebhookEndpoint, WebhookError> {
    store.webhook_endpoint(tenant, id).await?.ok_or_else(|| WebhookError::NotFound(format!("webhook endpoint {id}")))
}

/// Changes the endpoint `id`; enabling it again clears its failing mark.
pub async fn change_endpoint(
    store: &Store,
    tenant: &TenantId,
    id: &EndpointId,
    change: EndpointChange,
    now: OffsetDateTime,
) -> Result<WebhookEndpoint, WebhookError> {
    let mut endpoint = existing(store, tenant, id).await?;
    if let Some(url) = change.url {
        endpoint.url = url;
    }
    if let Some(events) = change.events {
        endpoint.events = events;
    }
    if let Some(description) = change.description {
        endpoint.description = description;
    }
    if let Some(enabled) = change.enabled {
        if enabled {
            endpoint.failing_since = None;
        }
        endpoint.enabled = enabled;
    }
    endpoint.version += 1;
    endpoint.updated_at = now.format(&Rfc3339).unwrap_or_default();
    if !store.put_webhook_endpoint(tenant, &endpoint).await? {
        return Err(WebhookError::Conflict(format!("webhook endpoint {id} changed meanwhile; read it and try again")));
    }
    Ok(endpoint)
}

/// A new secret for the endpoint `id`; the one it replaces still signs (beside it) for `overlap`.
pub async fn rotate_endpoint_secret(
    store: &Store,
    keys: &SecretKeys,
    tenant: &TenantId,
    id: &EndpointId,
    overlap: Duration,
    now: OffsetDateTime,
) -> Result<EndpointWithSecret, WebhookError> {
    let ring = keys.ring().await?;
    let mut endpoint = existing(store, tenant, id).await?;
    let until = now.unix_timestamp() + i64::try_from(overlap.as_secs()).unwrap_or_default();
    let previous = EndpointSecretRef { until: (!overlap.is_zero()).then_some(until), ..endpoint.secret.clone() };
    endpoint.secret = EndpointSecretRef {
        kid: ring.current().kid().to_owned(),
        generation: endpoint.secret.generation + 1,
        until: None,
    };
    endpoint.previous_secret = previous.until.is_some().then_some(previous);
    endpoint.version += 1;
    endpoint.updated_at = now.format(&Rfc3339).unwrap_or_default();
    if !store.put_webhook_endpoint(tenant, &endpoint).await? {
        return Err(WebhookError::Conflict(format!("webhook endpoint {id} changed meanwhile; try again")));
    }
    let secret = secret_text(keys, tenant, &endpoint.id, &endpoint.secret).await?;
    Ok(EndpointWithSecret { endpoint, secret })
}

/// Deletes the endpoint `id`; nothing more is sent to it.
pub async fn delete_endpoint(store: &Store, tenant: &TenantId, id: &EndpointId) -> Result<(), WebhookError> {
    if store.delete_webhook_endpoint(tenant, id).await? {
        Ok(())
    } else {
        Err(WebhookError::NotFound(format!("webhook endpoint {id}")))
    }
}

/// Sends the delivery `message_id` to its endpoint again now, with a fresh round of retries.
pub async fn resend_delivery(
    store: &Store,
    queue: &WorkQueue,
    tenant: &TenantId,
    endpoint: &EndpointId,
    message_id: &str,
) -> Result<WebhookDelivery, WebhookError> {
    let current = existing(store, tenant, endpoint).await?;
    if !current.enabled {
        return Err(WebhookError::Refused(format!("webhook endpoint {endpoint} is disabled; enable it first")));
    }
    let mut delivery = store
        .webhook_delivery(tenant, endpoint, message_id)
        .await?
        .ok_or_else(|| WebhookError::NotFound(format!("delivery {message_id}")))?;
    let (attempts, round) = (delivery.attempts, delivery.round_start);
    delivery.status = DeliveryStatus::Pending;
    delivery.round_start = delivery.attempts;
    delivery.next_attempt_at = None;
    if !store.record_webhook_delivery(tenant, &delivery, attempts, round).await? {
        return Err(WebhookError::Conflict(format!("delivery {message_id} is being attempted; try again")));
    }
    let message =
        DeliveryMessage { tenant: tenant.clone(), endpoint: endpoint.clone(), message_id: message_id.to_owned() };
    let body = serde_json::to_string(&message).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    queue.send_all(&[body]).await?;
    Ok(delivery)
}
