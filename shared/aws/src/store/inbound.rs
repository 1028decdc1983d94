//! What became of each document an access point delivered into the documents bucket (`T#{t}#INBOUND` /
//! `<object key>`): the order it placed, or why it was refused. One item per object, written once its fate is
//! known; a notification of an object that has one is done with.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::peppol_order::DocumentProblem;

use super::{from_item, key, s, sortable_timestamp, to_item, Store, StoreError};
use crate::keys;

/// One problem of a refused document, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundProblem {
    /// The Peppol rule id, when the problem is a rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// XPath of the element at fault.
    pub location: String,
    /// What is wrong.
    pub detail: String,
}

/// The record of one inbound object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRecord {
    /// The object's key in the documents bucket.
    pub key: String,
    /// The order it placed (or answered again); `None` when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    /// Why it was refused; empty when it placed an order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<InboundProblem>,
    /// When it was taken.
    pub taken_at: String,
}

impl InboundRecord {
    /// An object that placed (or answered again) `order`.
    pub fn placed(key: &str, order: &OrderId, at: OffsetDateTime) -> Self {
        Self {
            key: key.to_owned(),
            order_id: Some(order.clone()),
            problems: Vec::new(),
            taken_at: sortable_timestamp(at),
        }
    }

    /// An object refused for `problems`.
    pub fn refused(key: &str, problems: Vec<DocumentProblem>, at: OffsetDateTime) -> Self {
        let problems = problems
            .into_iter()
            .map(|p| InboundProblem { rule: p.rule.map(str::to_owned), location: p.location, detail: p.detail })
            .collect();
        Self { key: key.to_owned(), order_id: None, problems, taken_at: sortable_timestamp(at) }
    }
}

impl Store {
    /// The record of the inbound object `object_key`, if it was taken.
    pub async fn inbound_record(
        &self,
        tenant: &TenantId,
        object_key: &str,
    ) -> Result<Option<InboundRecord>, StoreError> {
        match self.get("inbound record", keys::inbound_pk(tenant), object_key).await? {
            None => Ok(None),
            Some(item) => from_item("inbound record", item).map(Some),
        }
    }

    /// Stores the record of an inbound object (again: the same fate is the same item).
    pub async fn put_inbound_record(&self, tenant: &TenantId, record: &InboundRecord) -> Result<(), StoreError> {
        let mut item = to_item("inbound record", record)?;
        item.extend(key(keys::inbound_pk(tenant), &record.key));
        item.insert("entity".into(), s("inbound_document"));
        self.put("inbound record", item).await
    }

    /// Every inbound record of `tenant` (tests, and the runbook's look at refused documents).
    pub async fn inbound_records(&self, tenant: &TenantId) -> Result<Vec<InboundRecord>, StoreError> {
        let items = self.partition(keys::inbound_pk(tenant), None, "read inbound records").await?;
        items.into_iter().map(|item| from_item("inbound record", item)).collect()
    }
}
