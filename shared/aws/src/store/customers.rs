//! The customer register: reading and writing customers, and the upsert that stores an order's inline buyer.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use time::OffsetDateTime;

use orders_domain::catalogue::Customer;
use orders_domain::ids::{CustomerId, TenantId};

use super::{corrupt, from_item, key, s, sortable_timestamp, to_item, Item, Store, StoreError};
use crate::keys;

impl Store {
    /// Creates or replaces a customer.
    pub async fn put_customer(&self, tenant: &TenantId, customer: &Customer) -> Result<(), StoreError> {
        let mut item = to_item("customer", customer)?;
        item.extend(key(keys::customer_pk(tenant, &customer.id), keys::CUSTOMER_SK));
        item.insert("entity".into(), s("customer"));
        self.put("customer", item).await
    }

    /// A customer of the register.
    pub async fn get_customer(&self, tenant: &TenantId, id: &CustomerId) -> Result<Option<Customer>, StoreError> {
        match self.get("customer", keys::customer_pk(tenant, id), keys::CUSTOMER_SK).await? {
            None => Ok(None),
            Some(item) => from_item("customer", item).map(Some),
        }
    }
}

pub(super) fn upsert_customer(
    table: &str,
    tenant: &TenantId,
    customer: &Customer,
    now: &OffsetDateTime,
) -> Result<TransactWriteItem, StoreError> {
    let mut sets = vec![
        "#name = :name",
        "email = :email",
        "id = :id",
        "entity = :entity",
        "updated_at = :now",
        "created_at = if_not_exists(created_at, :now)",
    ];
    let mut values: Item = HashMap::from([
        (":name".into(), s(customer.name.clone())),
        (":email".into(), s(customer.email.as_str())),
        (":id".into(), s(customer.id.as_str())),
        (":entity".into(), s("customer")),
        (":now".into(), s(sortable_timestamp(*now))),
    ]);
    if let Some(language) = &customer.language {
        sets.push("#language = :language");
        values.insert(":language".into(), s(language.as_str()));
    }
    if let Some(vat_id) = &customer.vat_id {
        sets.push("vat_id = :vat_id");
        values.insert(":vat_id".into(), s(vat_id.clone()));
    }
    if let Some(address) = &customer.address {
        sets.push("address = :address");
        values.insert(
            ":address".into(),
            serde_dynamo::to_attribute_value(address).map_err(|e| corrupt("customer address", e))?,
        );
    }
    let mut names = HashMap::from([("#name".to_owned(), "name".to_owned())]);
    if customer.language.is_some() {
        names.insert("#language".into(), "language".into());
    }
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::customer_pk(tenant, &customer.id), keys::CUSTOMER_SK)))
        .update_expression(format!("SET {}", sets.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| corrupt("customer upsert", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}
