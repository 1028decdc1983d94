//! Email records: exactly one email per (order, kind, reference). A record is created as `sending` in the same
//! transaction as the state change that calls for it, the email is sent, then the record is marked `sent` with the
//! SES message id. A redelivery resends only records still `sending` after the previous attempt must have ended.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use time::OffsetDateTime;

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::order::Order;

use super::{corrupt, dynamo_error, get_n, get_s, key, s, sortable_timestamp, Item, Store, StoreError};
use crate::keys;

/// Sort key prefix of email records.
const EMAIL_PREFIX: &str = "M#";

/// Where an email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailStatus {
    /// Claimed for sending; not yet confirmed sent.
    Sending,
    /// SES accepted it.
    Sent,
    /// SES refused it for good (a rejected address or message): never sent, never retried; the console shows it.
    Refused,
}

/// What became of one email SES was asked to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    /// Accepted, with SES's message id.
    Sent(String),
    /// Refused for good, with SES's reason.
    Refused(String),
}

/// An email to create with a state change.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// Email kind (`buyer_order_accepted`).
    pub kind: String,
    /// Reference within the order (the event that called for it).
    pub reference: String,
    /// Recipient name.
    pub to_name: String,
    /// Recipient address.
    pub to_address: String,
    /// When it was claimed for sending.
    pub claimed_at: OffsetDateTime,
}

impl NewEmail {
    pub(crate) fn item(&self, order: &Order) -> Result<Item, StoreError> {
        let mut item =
            key(keys::order_pk(&order.tenant, &order.id), format!("{EMAIL_PREFIX}{}#{}", self.kind, self.reference));
        item.insert("entity".into(), s("email"));
        item.insert("kind".into(), s(self.kind.clone()));
        item.insert("reference".into(), s(self.reference.clone()));
        item.insert("to_name".into(), s(self.to_name.clone()));
        item.insert("to_address".into(), s(self.to_address.clone()));
        item.insert("status".into(), s("sending"));
        item.insert("claimed_at".into(), AttributeValue::N(self.claimed_at.unix_timestamp().to_string()));
        // Until it is marked sent, the record sits in the outbox index the relay sweeps (GSI3, sparse).
        item.insert("GSI3PK".into(), s(keys::mail_gsi_pk(&order.id)));
        item.insert(
            "GSI3SK".into(),
            s(format!("{}#{}#{}", sortable_timestamp(self.claimed_at), order.tenant, order.id)),
        );
        Ok(item)
    }
}

/// An email record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRecord {
    /// Email kind.
    pub kind: String,
    /// Reference within the order.
    pub reference: String,
    /// Recipient name.
    pub to_name: String,
    /// Recipient address.
    pub to_address: String,
    /// Status.
    pub status: EmailStatus,
    /// Unix time of the last claim.
    pub claimed_at: i64,
    /// SES message id once sent.
    pub message_id: Option<String>,
}

impl EmailRecord {
    fn from_item(item: &Item) -> Option<Self> {
        Some(Self {
            kind: get_s(item, "kind")?.to_owned(),
            reference: get_s(item, "reference")?.to_owned(),
            to_name: get_s(item, "to_name").unwrap_or_default().to_owned(),
            to_address: get_s(item, "to_address")?.to_owned(),
            status: match get_s(item, "status") {
                Some("sent") => EmailStatus::Sent,
                Some("refused") => EmailStatus::Refused,
                _ => EmailStatus::Sending,
            },
            claimed_at: get_n(item, "claimed_at").and_then(|d| i64::try_from(d.trunc().mantissa()).ok()).unwrap_or(0),
            message_id: get_s(item, "message_id").map(str::to_owned),
        })
    }

    pub(super) fn sort_key(&self) -> String {
        format!("{EMAIL_PREFIX}{}#{}", self.kind, self.reference)
    }
}

impl Store {
    /// Orders with email records still `sending` since before `cutoff` (their sender died or SES refused):
    /// (tenant, order id), each once, from at most `limit` records.
    pub async fn orders_with_unsent_emails(
        &self,
        cutoff: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<(TenantId, OrderId)>, StoreError> {
        let mut orders: Vec<(TenantId, OrderId)> = Vec::new();
        for mark in self.due_marks("MAIL#", cutoff, limit).await? {
            let mut parts = get_s(&mark, "GSI3SK").unwrap_or_default().rsplitn(3, '#');
            let (Some(order), Some(tenant)) = (parts.next(), parts.next()) else { continue };
            let (Ok(order), Ok(tenant)) = (OrderId::parse_public(order), TenantId::parse(tenant)) else { continue };
            if !orders.iter().any(|(t, o)| *t == tenant && *o == order) {
                orders.push((tenant, order));
            }
        }
        Ok(orders)
    }

    /// Every email record of an order.
    pub async fn email_records(&self, tenant: &TenantId, order_id: &OrderId) -> Result<Vec<EmailRecord>, StoreError> {
        let items = self
            .partition(
                keys::order_pk(tenant, order_id),
                Some(EMAIL_PREFIX),
                &format!("read email records of {order_id}"),
            )
            .await?;
        Ok(items.iter().filter_map(EmailRecord::from_item).collect())
    }

    /// Claims a `sending` record whose last claim is older than `stale_before` (its sender must have died);
    /// `false` if someone else holds a fresher claim or it was sent.
    pub async fn reclaim_email(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        record: &EmailRecord,
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(tenant, order_id), record.sort_key())))
            .update_expression("SET claimed_at = :now")
            .condition_expression("#status = :sending AND claimed_at < :stale")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", AttributeValue::N(now.unix_timestamp().to_string()))
            .expression_attribute_values(":stale", AttributeValue::N(stale_before.unix_timestamp().to_string()))
            .expression_attribute_values(":sending", s("sending"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo_error("reclaim email", e)),
        }
    }

    /// Gives up this attempt's claim on emails it could not send (SES throttled), so the next delivery of the
    /// message sends them at once instead of waiting for the claim to go stale.
    pub async fn release_email_claims(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        records: &[EmailRecord],
    ) -> Result<(), StoreError> {
        for record in records {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(keys::order_pk(tenant, order_id), record.sort_key())))
                .update_expression("SET claimed_at = :zero")
                .condition_expression("#status = :sending")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .expression_attribute_values(":sending", s("sending"))
                .send()
                .await;
            match result {
                Ok(_) => {}
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(dynamo_error("release email claim", e)),
            }
        }
        Ok(())
    }

    /// Records what became of emails (sent with SES's message id, or refused with its reason), each out of the
    /// outbox index: one request for all of them.
    pub async fn mark_emails_sent(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        done: &[(EmailRecord, EmailOutcome)],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let updates = done
            .iter()
            .map(|(record, outcome)| {
                let (status, detail, update) = match outcome {
                    EmailOutcome::Sent(id) => (
                        "sent",
                        id,
                        "SET #status = :status, message_id = :detail, sent_at = :now REMOVE GSI3PK, GSI3SK",
                    ),
                    EmailOutcome::Refused(reason) => (
                        "refused",
                        reason,
                        "SET #status = :status, refused_reason = :detail, refused_at = :now REMOVE GSI3PK, GSI3SK",
                    ),
                };
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::order_pk(tenant, order_id), record.sort_key())))
                    .update_expression(update)
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":status", s(status))
                    .expression_attribute_values(":detail", s(detail.clone()))
                    .expression_attribute_values(":now", AttributeValue::N(now.unix_timestamp().to_string()))
                    .build()
                    .map_err(|e| corrupt("email update", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in updates.chunks(100) {
            if let [single] = chunk {
                let mut request = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(single.key.clone()))
                    .update_expression(single.update_expression.clone());
                request = request.set_expression_attribute_names(single.expression_attribute_names.clone());
                request = request.set_expression_attribute_values(single.expression_attribute_values.clone());
                request.send().await.map_err(|e| dynamo_error("mark email sent", e))?;
            } else {
                // The updates set what happened whatever was there, so a transaction that met another one on an
                // item (TransactionConflict, which the SDK does not retry) is simply sent again.
                let items: Vec<TransactWriteItem> =
                    chunk.iter().cloned().map(|u| TransactWriteItem::builder().update(u).build()).collect();
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    match self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await {
                        Ok(_) => break,
                        Err(error)
                            if attempt < 8
                                && error.as_service_error().is_some_and(super::table::cancelled_by_conflict) =>
                        {
                            tokio::time::sleep(super::backoff(attempt)).await;
                        }
                        Err(error) => return Err(dynamo_error("mark emails sent", error)),
                    }
                }
            }
        }
        Ok(())
    }
}
