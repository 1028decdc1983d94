//! Issued Peppol documents kept with their order (`DOC#{name}` items; a despatch's advice lives on its `D#` item).
//! Each carries its `archive_key`: the archive function copies every newly inserted item that has one to S3.

use aws_sdk_dynamodb::types::TransactWriteItem;
use time::OffsetDateTime;

use orders_domain::documents::IssuedDocument;
use orders_domain::ids::{OrderId, TenantId};

use super::{get_s, key, put_if_absent, s, sortable_timestamp, Store, StoreError};
use crate::keys;

/// Sort-key prefix of issued documents.
pub(crate) const DOCUMENT_PREFIX: &str = "DOC#";

/// The item of an issued document; written once.
pub(crate) fn document_put(
    table: &str,
    tenant: &TenantId,
    document: &IssuedDocument,
    issued_at: OffsetDateTime,
) -> Result<TransactWriteItem, StoreError> {
    let mut item = key(keys::order_pk(tenant, &document.order_id), format!("{DOCUMENT_PREFIX}{}", document.name));
    item.insert("entity".into(), s("document"));
    item.insert("ubl".into(), s(document.xml.clone()));
    item.insert("archive_key".into(), s(document.archive_key(tenant)));
    item.insert("issued_at".into(), s(sortable_timestamp(issued_at)));
    put_if_absent(table, item)
}

impl Store {
    /// The document `name` kept with an order (its XML), if any.
    pub async fn order_document(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        name: &str,
    ) -> Result<Option<String>, StoreError> {
        let item =
            self.get("order document", keys::order_pk(tenant, order_id), &format!("{DOCUMENT_PREFIX}{name}")).await?;
        Ok(item.as_ref().and_then(|item| get_s(item, "ubl")).map(str::to_owned))
    }

    /// The latest Order Response issued for an order (its UBL), if any.
    pub async fn latest_order_response(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
    ) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::order_pk(tenant, order_id)))
            .expression_attribute_values(":prefix", s(format!("{DOCUMENT_PREFIX}order-response-")))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| super::dynamo_error(format!("read the order response of {order_id}"), e))?;
        Ok(output.items.unwrap_or_default().first().and_then(|item| get_s(item, "ubl")).map(str::to_owned))
    }
}
