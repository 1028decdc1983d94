//! Buyer links: the records behind the portal's magic links, `T#{tenant}#L#{link_id}` / `LINK`. A link names one
//! buyer of one seller and what it was sent for; revoking it sets `revoked_at`, which every portal request checks.

use serde::{Deserialize, Serialize};

use orders_domain::ids::{CustomerId, TenantId};

use super::{dynamo_error, from_item, key, s, to_item, Store, StoreError};

const LINK_SK: &str = "LINK";
/// The history sequence number of a buyer's access.
const ACCESS_HISTORY_SEQ: u32 = 7;

/// Whether `link_id` can name a link at all (`lnk_…`, short, no key separator); anything else is no link.
fn is_link_id(link_id: &str) -> bool {
    link_id.starts_with("lnk_") && link_id.len() <= 40 && !link_id.contains('#')
}

fn link_pk(tenant: &TenantId, link_id: &str) -> String {
    format!("T#{tenant}#L#{link_id}")
}

/// A magic link as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerLinkRecord {
    /// `lnk_…`.
    pub link_id: String,
    /// The seller.
    pub tenant: TenantId,
    /// The buyer it lets in.
    pub customer_id: CustomerId,
    /// What it was sent for (`quote`, `order`, `invoice`, `invitation`).
    pub purpose: String,
    /// The quote or order it was sent about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Who made it (`operator:key_…`, `system:confirmation`).
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Unix time it stops working.
    pub expires_at: i64,
    /// When the seller revoked it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

impl BuyerLinkRecord {
    /// A new link id, `lnk_` + UUID v7.
    pub fn new_id() -> String {
        format!("lnk_{}", &orders_domain::ids::new_event_id()[4..])
    }

    /// The record of `order`'s standing link (in every email about the order), which exists only once revoked.
    pub fn standing(
        tenant: TenantId,
        customer: CustomerId,
        order: &orders_domain::ids::OrderId,
        expires_at: i64,
    ) -> Self {
        Self {
            link_id: orders_domain::buyer_link::order_link_id(order),
            tenant,
            customer_id: customer,
            purpose: "order".into(),
            reference: Some(order.to_string()),
            created_by: "system:email".into(),
            created_at: String::new(),
            expires_at,
            revoked_at: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct LinkItem {
    PK: String,
    SK: String,
    entity: String,
    #[serde(flatten)]
    link: BuyerLinkRecord,
}

impl Store {
    /// Stores a new link record.
    pub async fn create_buyer_link(&self, link: &BuyerLinkRecord) -> Result<(), StoreError> {
        let item = LinkItem {
            PK: link_pk(&link.tenant, &link.link_id),
            SK: LINK_SK.into(),
            entity: "buyer_link".into(),
            link: link.clone(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item("buyer link", &item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| dynamo_error(format!("store buyer link {}", link.link_id), e))?;
        Ok(())
    }

    /// A link record of the tenant, if it exists.
    pub async fn buyer_link(&self, tenant: &TenantId, link_id: &str) -> Result<Option<BuyerLinkRecord>, StoreError> {
        if !is_link_id(link_id) {
            return Ok(None);
        }
        match self.get("buyer link", link_pk(tenant, link_id), LINK_SK).await? {
            Some(item) => Ok(Some(from_item::<LinkItem>("buyer link", item)?.link)),
            None => Ok(None),
        }
    }

    /// Revokes an order's standing link (which has no record until now): stores `link` with its `revoked_at`,
    /// keeping an earlier revocation's time.
    pub async fn revoke_standing_link(&self, link: &BuyerLinkRecord) -> Result<(), StoreError> {
        let item = LinkItem {
            PK: link_pk(&link.tenant, &link.link_id),
            SK: LINK_SK.into(),
            entity: "buyer_link".into(),
            link: link.clone(),
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item("buyer link", &item)?))
            .condition_expression("attribute_not_exists(revoked_at)")
            .send()
            .await;
        match result {
            // Revoked before: that record stays as it is.
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(dynamo_error(format!("revoke buyer link {}", link.link_id), e)),
        }
    }

    /// Appends `entry` (a buyer's access through the portal: a view or a download) to the history of `order`.
    pub async fn log_order_access(
        &self,
        tenant: &TenantId,
        order: &orders_domain::ids::OrderId,
        entry: &orders_domain::order::HistoryEntry,
    ) -> Result<(), StoreError> {
        // Its own sequence number in the sort key, so an access never overwrites an entry of a state change in the
        // same microsecond (those number their few entries from 0).
        let item = super::HistoryItem {
            PK: crate::keys::order_pk(tenant, order),
            SK: crate::keys::history_sk(&super::sortable_timestamp(entry.at), ACCESS_HISTORY_SEQ),
            entity: "history".into(),
            entry: entry.clone(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item("history entry", &item)?))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("log an access to {order}"), e))?;
        Ok(())
    }

    /// Revokes a link of the tenant at `at` (RFC 3339); `false` if there is no such link.
    pub async fn revoke_buyer_link(&self, tenant: &TenantId, link_id: &str, at: &str) -> Result<bool, StoreError> {
        if !is_link_id(link_id) {
            return Ok(false);
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(link_pk(tenant, link_id), LINK_SK)))
            .update_expression("SET revoked_at = if_not_exists(revoked_at, :at)")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":at", s(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo_error(format!("revoke buyer link {link_id}"), e)),
        }
    }
}
