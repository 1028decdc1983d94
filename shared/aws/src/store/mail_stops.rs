//! What SES reported about a customer's address (a permanent bounce or a complaint): one item per address in the
//! customer's partition (`MAILSTOP#{address}`), kept when the customer is edited, and shown with the customer
//! while it is still their address. The email it concerned is marked too.

use orders_domain::ids::{CustomerId, OrderId, TenantId};
use orders_domain::mail_feedback::FeedbackKind;

use super::{dynamo_error, get_s, key, s, Item, Store, StoreError};
use crate::keys;

/// Sort key prefix of the reports on a customer's addresses.
const MAIL_STOP_PREFIX: &str = "MAILSTOP#";

/// A report from SES on one address of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailStop {
    /// The address (as sent to, lower case).
    pub address: String,
    /// Bounced or complained.
    pub kind: FeedbackKind,
    /// SES's detail.
    pub detail: String,
    /// When, as SES stamps it.
    pub at: String,
    /// The order the email was about, if any.
    pub order_id: Option<OrderId>,
}

impl MailStop {
    fn item(&self, tenant: &TenantId, customer: &CustomerId) -> Item {
        let mut item = key(keys::customer_pk(tenant, customer), format!("{MAIL_STOP_PREFIX}{}", self.address));
        item.insert("entity".into(), s("mail_stop"));
        item.insert("address".into(), s(self.address.clone()));
        item.insert("kind".into(), s(self.kind.as_str()));
        item.insert("detail".into(), s(self.detail.clone()));
        item.insert("at".into(), s(self.at.clone()));
        if let Some(order) = &self.order_id {
            item.insert("order_id".into(), s(order.as_str()));
        }
        item
    }

    fn from_item(item: &Item) -> Option<Self> {
        Some(Self {
            address: get_s(item, "address")?.to_owned(),
            kind: FeedbackKind::parse(get_s(item, "kind")?)?,
            detail: get_s(item, "detail").unwrap_or_default().to_owned(),
            at: get_s(item, "at").unwrap_or_default().to_owned(),
            order_id: get_s(item, "order_id").and_then(|id| OrderId::parse_public(id).ok()),
        })
    }
}

impl Store {
    /// Records SES's report on one of `customer`'s addresses (the latest report on an address replaces the one
    /// before: a redelivered report writes the same item again).
    pub async fn record_mail_stop(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        stop: &MailStop,
    ) -> Result<(), StoreError> {
        self.put("mail stop", stop.item(tenant, customer)).await
    }

    /// SES's reports on `customer`'s addresses.
    pub async fn mail_stops(&self, tenant: &TenantId, customer: &CustomerId) -> Result<Vec<MailStop>, StoreError> {
        let items = self
            .partition(keys::customer_pk(tenant, customer), Some(MAIL_STOP_PREFIX), "read reports on addresses")
            .await?;
        Ok(items.iter().filter_map(MailStop::from_item).collect())
    }

    /// Marks the email of `order` that SES sent as `message_id` with its report (what, SES's detail, when);
    /// `false` when no email of the order was sent under that id.
    pub async fn mark_email_feedback(
        &self,
        tenant: &TenantId,
        order: &OrderId,
        message_id: &str,
        kind: FeedbackKind,
        detail: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let records = self.email_records(tenant, order).await?;
        let Some(record) = records.iter().find(|r| r.message_id.as_deref() == Some(message_id)) else {
            return Ok(false);
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(tenant, order), record.sort_key())))
            .update_expression("SET feedback = :kind, feedback_detail = :detail, feedback_at = :at")
            .expression_attribute_values(":kind", s(kind.as_str()))
            .expression_attribute_values(":detail", s(detail))
            .expression_attribute_values(":at", s(at))
            .condition_expression("attribute_exists(PK)")
            .send()
            .await
            .map_err(|e| dynamo_error(format!("mark email {message_id} of {order}"), e))?;
        Ok(true)
    }
}
