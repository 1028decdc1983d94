//! Buyer links: the records behind the portal's magic links, `T#{tenant}#L#{link_id}` / `LINK`. A link names one
//! buyer of one seller and what it was sent for; revoking it sets `revoked_at`, which every portal request checks.
//! What the seller decided about all links of a buyer (everything revoked until a time, or the buyer blocked) is
//! `T#{tenant}#C#{customer}` / `ACCESS`.
//!
//! A revocation outlives every token it revokes: a stored link's record expires (table TTL) a while after its
//! tokens do, and a missing record opens nothing; an order's standing link, whose tokens every later email mints
//! anew, is revoked by a record without expiry, and so is everything of a buyer.

use serde::{Deserialize, Serialize};

use orders_domain::buyer_link::BuyerAccess;
use orders_domain::ids::{CustomerId, TenantId};

use super::{dynamo_error, from_item, key, s, to_item, Store, StoreError};

const LINK_SK: &str = "LINK";
const ACCESS_SK: &str = "ACCESS";
/// How long after its tokens' end a stored link's record is kept (seconds), before the table's TTL removes it.
const RECORD_KEPT_AFTER_END: i64 = 30 * 86_400;

/// Whether `link_id` can name a link at all (`lnk_…`, short, no key separator); anything else is no link.
fn is_link_id(link_id: &str) -> bool {
    link_id.starts_with("lnk_") && link_id.len() <= 40 && !link_id.contains('#')
}

/// How long a buyer's access is kept in the log (seconds): two years.
const ACCESS_LOG_KEPT: i64 = 2 * 366 * 86_400;

fn access_pk(tenant: &TenantId, order: &orders_domain::ids::OrderId) -> String {
    format!("T#{tenant}#OA#{order}")
}

/// One access of a buyer to an order in the portal.
#[derive(Debug, Clone, Copy)]
pub struct BuyerAccessEvent<'a> {
    /// The seller.
    pub tenant: &'a TenantId,
    /// The order.
    pub order: &'a orders_domain::ids::OrderId,
    /// The buyer.
    pub customer: &'a CustomerId,
    /// Through which link.
    pub link_id: &'a str,
    /// A download (else a view).
    pub download: bool,
    /// What ("Viewed", "INV-1 invoice.pdf downloaded").
    pub what: &'a str,
    /// When.
    pub at: time::OffsetDateTime,
}

/// A buyer's accesses to an order through one link on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerAccessLog {
    /// The day (UTC).
    pub access_date: String,
    /// The buyer.
    pub customer_id: CustomerId,
    /// Through which link.
    pub link_id: String,
    /// Views of the order that day.
    #[serde(default)]
    pub views: u64,
    /// Document downloads that day.
    #[serde(default)]
    pub downloads: u64,
    /// The first access that day (RFC 3339).
    pub first_at: String,
    /// The last access that day (RFC 3339).
    pub last_at: String,
    /// What the last access was ("Viewed", "INV-1 invoice.pdf downloaded").
    pub last_what: String,
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

/// A link record as stored: its end as `valid_until`, and the table's TTL attribute `expires_at` only where the
/// record may go once its tokens ended (never for a standing link's revocation).
#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct LinkItem {
    PK: String,
    SK: String,
    entity: String,
    link_id: String,
    tenant: TenantId,
    customer_id: CustomerId,
    purpose: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    created_by: String,
    created_at: String,
    /// When its tokens end (records written before it existed have only `expires_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<i64>,
    /// The table's TTL attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_at: Option<String>,
}

impl LinkItem {
    fn new(link: &BuyerLinkRecord, removable: bool) -> Self {
        Self {
            PK: link_pk(&link.tenant, &link.link_id),
            SK: LINK_SK.into(),
            entity: "buyer_link".into(),
            link_id: link.link_id.clone(),
            tenant: link.tenant.clone(),
            customer_id: link.customer_id.clone(),
            purpose: link.purpose.clone(),
            reference: link.reference.clone(),
            created_by: link.created_by.clone(),
            created_at: link.created_at.clone(),
            valid_until: Some(link.expires_at),
            expires_at: removable.then_some(link.expires_at + RECORD_KEPT_AFTER_END),
            revoked_at: link.revoked_at.clone(),
        }
    }

    fn into_record(self) -> BuyerLinkRecord {
        BuyerLinkRecord {
            link_id: self.link_id,
            tenant: self.tenant,
            customer_id: self.customer_id,
            purpose: self.purpose,
            reference: self.reference,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.valid_until.or(self.expires_at).unwrap_or_default(),
            revoked_at: self.revoked_at,
        }
    }
}

/// A buyer's access as stored.
#[derive(Serialize, Deserialize)]
#[allow(non_snake_case)]
struct AccessItem {
    PK: String,
    SK: String,
    entity: String,
    #[serde(flatten)]
    access: BuyerAccess,
    updated_at: String,
    updated_by: String,
}

impl Store {
    /// Stores a new link record.
    pub async fn create_buyer_link(&self, link: &BuyerLinkRecord) -> Result<(), StoreError> {
        let item = LinkItem::new(link, true);
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
            Some(item) => Ok(Some(from_item::<LinkItem>("buyer link", item)?.into_record())),
            None => Ok(None),
        }
    }

    /// Revokes an order's standing link (which has no record until now): stores `link` with its `revoked_at`,
    /// keeping an earlier revocation's time. The record never expires: every later email about the order mints
    /// a new token of the same link.
    pub async fn revoke_standing_link(&self, link: &BuyerLinkRecord) -> Result<(), StoreError> {
        let item = LinkItem::new(link, false);
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

    /// The link record of `link_id` and its buyer's access, read at once (one BatchGetItem).
    pub async fn buyer_link_and_access(
        &self,
        tenant: &TenantId,
        link_id: &str,
        customer: &CustomerId,
    ) -> Result<(Option<BuyerLinkRecord>, BuyerAccess), StoreError> {
        let mut wanted = vec![key(crate::keys::customer_pk(tenant, customer), ACCESS_SK)];
        if is_link_id(link_id) {
            wanted.push(key(link_pk(tenant, link_id), LINK_SK));
        }
        let mut link = None;
        let mut access = BuyerAccess::default();
        for item in self.batch_get(wanted).await? {
            if super::get_s(&item, "SK") == Some(LINK_SK) {
                link = Some(from_item::<LinkItem>("buyer link", item)?.into_record());
            } else {
                access = from_item::<AccessItem>("buyer access", item)?.access;
            }
        }
        Ok((link, access))
    }

    /// What the seller decided about all links of `customer` (nothing: everything open).
    pub async fn buyer_access(&self, tenant: &TenantId, customer: &CustomerId) -> Result<BuyerAccess, StoreError> {
        match self.get("buyer access", crate::keys::customer_pk(tenant, customer), ACCESS_SK).await? {
            Some(item) => Ok(from_item::<AccessItem>("buyer access", item)?.access),
            None => Ok(BuyerAccess::default()),
        }
    }

    /// Revokes every link, key and portal session of `customer` made until `now`, and blocks or unblocks the
    /// buyer when `blocked` says so; `by` is who did it. The record has no expiry, and its time never moves back
    /// (a concurrent revocation's later time is kept). The new access.
    pub async fn revoke_buyer_access(
        &self,
        tenant: &TenantId,
        customer: &CustomerId,
        now: time::OffsetDateTime,
        blocked: Option<bool>,
        by: &str,
    ) -> Result<BuyerAccess, StoreError> {
        for _ in 0..5 {
            let access = self.buyer_access(tenant, customer).await?.revoked_at(now.unix_timestamp(), blocked);
            let item = AccessItem {
                PK: crate::keys::customer_pk(tenant, customer),
                SK: ACCESS_SK.into(),
                entity: "buyer_access".into(),
                access: access.clone(),
                updated_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                updated_by: by.to_owned(),
            };
            let after = access.links_valid_after.unwrap_or_default().to_string();
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(to_item("buyer access", &item)?))
                .condition_expression("attribute_not_exists(links_valid_after) OR links_valid_after <= :after")
                .expression_attribute_values(":after", aws_sdk_dynamodb::types::AttributeValue::N(after))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(access),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => continue,
                Err(e) => return Err(dynamo_error(format!("revoke the links of customer {customer}"), e)),
            }
        }
        Err(StoreError::Contention { action: format!("revoke the links of customer {customer}"), attempts: 5 })
    }

    /// Logs a buyer's access to `order` through link `link_id` at `at`: one item per order, link and day in a
    /// partition of its own (`T#{tenant}#OA#{order}`), counting views and downloads, so the order's own partition
    /// (which its detail reads whole) never grows with views. Kept two years.
    pub async fn log_buyer_access(&self, access: &BuyerAccessEvent<'_>) -> Result<(), StoreError> {
        let BuyerAccessEvent { tenant, order, customer, link_id, download, what, at } = *access;
        use aws_sdk_dynamodb::types::AttributeValue;
        let day = at.date().to_string();
        let at_text = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(access_pk(tenant, order), format!("{day}#{link_id}"))))
            .update_expression(
                "SET entity = :entity, customer_id = :customer, link_id = :link, access_date = :day, \
                 first_at = if_not_exists(first_at, :at), last_at = :at, last_what = :what, expires_at = :ttl \
                 ADD #count :one",
            )
            .expression_attribute_names("#count", if download { "downloads" } else { "views" })
            .expression_attribute_values(":entity", s("buyer_access_log"))
            .expression_attribute_values(":customer", s(customer.as_str()))
            .expression_attribute_values(":link", s(link_id))
            .expression_attribute_values(":day", s(day))
            .expression_attribute_values(":at", s(at_text))
            .expression_attribute_values(":what", s(what.chars().take(200).collect::<String>()))
            .expression_attribute_values(":ttl", AttributeValue::N((at.unix_timestamp() + ACCESS_LOG_KEPT).to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("log an access to {order}"), e))?;
        Ok(())
    }

    /// The buyers' accesses to `order` by day and link, the newest day first (at most `limit` days × links).
    pub async fn buyer_access_log(
        &self,
        tenant: &TenantId,
        order: &orders_domain::ids::OrderId,
        limit: i32,
    ) -> Result<Vec<BuyerAccessLog>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(access_pk(tenant, order)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read the buyer accesses of {order}"), e))?;
        output.items.unwrap_or_default().into_iter().map(|item| from_item("buyer access log", item)).collect()
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
