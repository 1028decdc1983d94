//! Webhook endpoints (`T#{t}#WHE` / `E#{endpoint}`) and their deliveries (`T#{t}#WHE#{endpoint}` /
//! `D#{message id}`, kept [`DELIVERY_TTL_DAYS`]). An endpoint holds no secret: only which generation of its
//! derived key signs (docs/decisions/0017-signed-webhooks.md). Changes of an endpoint are conditional on its
//! `version`; an attempt's record on the delivery's `attempts`, so two workers never record one attempt twice.

use serde::{Deserialize, Serialize};

use orders_domain::ids::TenantId;
use orders_domain::webhooks::{EndpointId, WebhookEventType, WebhookUrl};

use super::{dynamo_error, from_item, key, s, to_item, Store, StoreError};
use crate::keys;

/// How long a delivery's record is kept.
pub const DELIVERY_TTL_DAYS: i64 = 30;

/// Which key signs: the webhook-signing secret's key id and the endpoint's secret generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSecretRef {
    /// The key of the webhook-signing secret it is derived from.
    pub kid: String,
    /// The endpoint's generation (1, then one more per rotation).
    pub generation: u32,
    /// Until when (Unix seconds) a replaced secret still signs beside the new one; `None` for the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: EndpointId,
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it is sent.
    pub events: Vec<WebhookEventType>,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// `false`: nothing is sent to it.
    pub enabled: bool,
    /// Since when its deliveries fail for good (a delivery used up its attempts); cleared by a success or by
    /// enabling it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    /// The secret that signs.
    pub secret: EndpointSecretRef,
    /// The secret it replaced, while it still signs too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<EndpointSecretRef>,
    /// When it was registered (RFC 3339).
    pub created_at: String,
    /// Who registered it (`role:key id`).
    pub created_by: String,
    /// When it last changed.
    pub updated_at: String,
    /// Its version (1, then one more per change).
    pub version: u32,
}

impl WebhookEndpoint {
    /// Whether it is sent `event` now.
    pub fn wants(&self, event: WebhookEventType) -> bool {
        self.enabled && self.events.contains(&event)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not tried yet.
    Pending,
    /// Tried and failed; tried again at `next_attempt_at`.
    Retrying,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed (or the endpoint was gone or disabled).
    Failed,
}

impl DeliveryStatus {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// When (RFC 3339).
    pub at: String,
    /// The HTTP status answered, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why there was no answer (timeout, refused address, TLS, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The first characters of the answer's body.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
    /// How long it took.
    pub elapsed_ms: u64,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// The message id (`webhook-id`), the same for every attempt.
    pub message_id: String,
    /// The endpoint.
    pub endpoint_id: EndpointId,
    /// The event.
    pub event_type: WebhookEventType,
    /// The body sent, byte for byte.
    pub body: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The attempt count when its current round of retries began (0; a resend starts a new round).
    #[serde(default)]
    pub round_start: u32,
    /// When (Unix seconds) it is tried again, while retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// The last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<DeliveryAttempt>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When the table forgets it (Unix seconds).
    pub expires_at: i64,
}

fn endpoint_sk(id: &EndpointId) -> String {
    format!("E#{id}")
}

fn delivery_sk(message_id: &str) -> String {
    format!("D#{message_id}")
}

/// The item of `delivery` to an endpoint of `tenant`.
fn delivery_item(tenant: &TenantId, delivery: &WebhookDelivery) -> Result<super::Item, StoreError> {
    let mut item = to_item("webhook delivery", delivery)?;
    item.extend(key(
        keys::webhook_deliveries_pk(tenant, delivery.endpoint_id.as_str()),
        delivery_sk(&delivery.message_id),
    ));
    item.insert("entity".into(), s("webhook_delivery"));
    Ok(item)
}

impl Store {
    /// The endpoint `id` of `tenant`.
    pub async fn webhook_endpoint(
        &self,
        tenant: &TenantId,
        id: &EndpointId,
    ) -> Result<Option<WebhookEndpoint>, StoreError> {
        match self.get("webhook endpoint", keys::webhook_endpoints_pk(tenant), &endpoint_sk(id)).await? {
            None => Ok(None),
            Some(item) => from_item("webhook endpoint", item).map(Some),
        }
    }

    /// Every endpoint of `tenant`, oldest id first.
    pub async fn webhook_endpoints(&self, tenant: &TenantId) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let items = self.partition(keys::webhook_endpoints_pk(tenant), Some("E#"), "read webhook endpoints").await?;
        items.into_iter().map(|item| from_item("webhook endpoint", item)).collect()
    }

    /// Stores `endpoint`: a new one (version 1, `false` if its id is taken) or the change of the one at
    /// `version - 1` (`false` if it changed meanwhile or is gone).
    pub async fn put_webhook_endpoint(
        &self,
        tenant: &TenantId,
        endpoint: &WebhookEndpoint,
    ) -> Result<bool, StoreError> {
        let mut item = to_item("webhook endpoint", endpoint)?;
        item.extend(key(keys::webhook_endpoints_pk(tenant), endpoint_sk(&endpoint.id)));
        item.insert("entity".into(), s("webhook_endpoint"));
        if endpoint.version <= 1 {
            return self.put_new(format!("register webhook endpoint {}", endpoint.id), item).await;
        }
        let previous = vec![(":previous", super::n((endpoint.version - 1).into()))];
        self.put_if(format!("change webhook endpoint {}", endpoint.id), item, "version = :previous", previous).await
    }

    /// Deletes the endpoint `id` (its deliveries expire with their TTL); `false` if there was none.
    pub async fn delete_webhook_endpoint(&self, tenant: &TenantId, id: &EndpointId) -> Result<bool, StoreError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::webhook_endpoints_pk(tenant), endpoint_sk(id))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("delete webhook endpoint {id}"), e))?;
        Ok(output.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Stores a new delivery; `false` (nothing written) if the endpoint has one of that message id.
    pub async fn put_new_webhook_delivery(
        &self,
        tenant: &TenantId,
        delivery: &WebhookDelivery,
    ) -> Result<bool, StoreError> {
        let item = delivery_item(tenant, delivery)?;
        self.put_new(format!("record webhook delivery {}", delivery.message_id), item).await
    }

    /// The delivery of `message_id` to `endpoint`.
    pub async fn webhook_delivery(
        &self,
        tenant: &TenantId,
        endpoint: &EndpointId,
        message_id: &str,
    ) -> Result<Option<WebhookDelivery>, StoreError> {
        let pk = keys::webhook_deliveries_pk(tenant, endpoint.as_str());
        match self.get("webhook delivery", pk, &delivery_sk(message_id)).await? {
            None => Ok(None),
            Some(item) => from_item("webhook delivery", item).map(Some),
        }
    }

    /// The newest `limit` deliveries to `endpoint`, newest first, and whether there are more.
    pub async fn webhook_deliveries(
        &self,
        tenant: &TenantId,
        endpoint: &EndpointId,
        limit: i32,
    ) -> Result<(Vec<WebhookDelivery>, bool), StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :d)")
            .expression_attribute_values(":pk", s(keys::webhook_deliveries_pk(tenant, endpoint.as_str())))
            .expression_attribute_values(":d", s("D#"))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| dynamo_error("read webhook deliveries", e))?;
        let more = output.last_evaluated_key.is_some();
        let deliveries = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item("webhook delivery", item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((deliveries, more))
    }

    /// Stores `delivery` after an attempt (or a resend), if it still had `attempts_before` attempts and the
    /// round it had; `false` when another worker recorded first.
    pub async fn record_webhook_delivery(
        &self,
        tenant: &TenantId,
        delivery: &WebhookDelivery,
        attempts_before: u32,
        round_before: u32,
    ) -> Result<bool, StoreError> {
        let item = delivery_item(tenant, delivery)?;
        let condition = "attempts = :attempts AND (round_start = :round OR attribute_not_exists(round_start))";
        let values = vec![(":attempts", super::n(attempts_before.into())), (":round", super::n(round_before.into()))];
        self.put_if(format!("record webhook delivery {}", delivery.message_id), item, condition, values).await
    }
}
