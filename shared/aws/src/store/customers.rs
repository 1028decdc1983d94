//! The customer register: reading and writing customers, the upsert that stores an order's inline buyer, and the
//! customer list. Every write of a customer item (`T#{t}#C#{customer}` / `CUSTOMER`) also sets its index keys: GSI1
//! `T#{t}#CUSTOMERS` / `{name key}\u{1f}{customer}` (the register by name) and GSI2 `T#{t}#EMAIL#{address}` /
//! customer (the customers with one email address), so the list reads indexes and never scans.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use time::OffsetDateTime;

use orders_domain::catalogue::Customer;
use orders_domain::ids::{CustomerId, TenantId};
use orders_domain::listing::{customer_email_key, customer_name_key, CustomerSearch};
use orders_domain::party::PeppolId;

use super::table::{page_key_from, page_key_into};
use super::{corrupt, dynamo_error, from_item, key, s, sortable_timestamp, to_item, Item, PageKey, Store, StoreError};
use crate::keys;

/// The index keys of a customer item: its place in the register by name (GSI1) and under its email address (GSI2).
fn index_keys(tenant: &TenantId, customer: &Customer) -> [(&'static str, String); 4] {
    [
        ("GSI1PK", keys::customers_gsi_pk(tenant)),
        ("GSI1SK", keys::customer_name_gsi_sk(&customer_name_key(&customer.name), &customer.id)),
        ("GSI2PK", keys::customer_email_gsi_pk(tenant, &customer_email_key(&customer.email))),
        ("GSI2SK", customer.id.to_string()),
    ]
}

impl Store {
    /// Creates or replaces a customer; one with a Peppol id is then named by it (see [`Self::customer_by_peppol_id`]).
    pub async fn put_customer(&self, tenant: &TenantId, customer: &Customer) -> Result<(), StoreError> {
        let mut item = to_item("customer", customer)?;
        item.extend(key(keys::customer_pk(tenant, &customer.id), keys::CUSTOMER_SK));
        item.insert("entity".into(), s("customer"));
        item.extend(index_keys(tenant, customer).map(|(name, value)| (name.to_owned(), s(value))));
        self.put("customer", item).await?;
        if let Some(entry) = peppol_entry(tenant, customer) {
            // After the customer: a failure here fails the request, and its retry writes both again. An entry left
            // behind by a customer whose id changed names a customer without that id: readers check.
            self.put("customer's Peppol id", entry).await?;
        }
        Ok(())
    }

    /// The customer last stored with the Peppol id `peppol`, if any. The customer may have another id by now:
    /// the caller compares it with the customer it reads.
    pub async fn customer_by_peppol_id(
        &self,
        tenant: &TenantId,
        peppol: &PeppolId,
    ) -> Result<Option<CustomerId>, StoreError> {
        let pk = keys::customer_peppol_pk(tenant, &peppol.scheme, &peppol.id);
        let Some(item) = self.get("customer's Peppol id", pk, keys::CUSTOMER_SK).await? else { return Ok(None) };
        let id = item
            .get("customer_id")
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| corrupt("customer's Peppol id", "no customer_id"))?;
        CustomerId::parse(id.as_str()).map(Some).map_err(|e| corrupt("customer's Peppol id", e.0))
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
    sets.extend(["GSI1PK = :gsi1pk", "GSI1SK = :gsi1sk", "GSI2PK = :gsi2pk", "GSI2SK = :gsi2sk"]);
    for (placeholder, (_, value)) in
        [":gsi1pk", ":gsi1sk", ":gsi2pk", ":gsi2sk"].into_iter().zip(index_keys(tenant, customer))
    {
        values.insert(placeholder.into(), s(value));
    }
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
    if let Some(peppol) = &customer.peppol_id {
        sets.push("peppol_id = :peppol_id");
        values.insert(
            ":peppol_id".into(),
            serde_dynamo::to_attribute_value(peppol).map_err(|e| corrupt("customer Peppol id", e))?,
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

/// The register's entry naming `customer` by its Peppol id, beside an upsert of it in one transaction (a buyer
/// registered from its Peppol BIS Order); `None` for a customer without one.
pub(super) fn peppol_entry_put(
    table: &str,
    tenant: &TenantId,
    customer: &Customer,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let Some(entry) = peppol_entry(tenant, customer) else { return Ok(None) };
    let put =
        Put::builder().table_name(table).set_item(Some(entry)).build().map_err(|e| corrupt("transaction put", e))?;
    Ok(Some(TransactWriteItem::builder().put(put).build()))
}

/// The register's entry `T#{t}#PEPPOL#{scheme}:{id}` naming `customer` by its Peppol id; `None` without one.
fn peppol_entry(tenant: &TenantId, customer: &Customer) -> Option<Item> {
    let peppol = customer.peppol_id.as_ref()?;
    let mut entry = key(keys::customer_peppol_pk(tenant, &peppol.scheme, &peppol.id), keys::CUSTOMER_SK);
    entry.insert("entity".into(), s("customer_peppol_id"));
    entry.insert("customer_id".into(), s(customer.id.as_str()));
    Some(entry)
}

/// One page of the customer list, and where the next one starts (`None` after the last).
#[derive(Debug, Clone)]
pub struct CustomerPage {
    /// Customers of the page.
    pub customers: Vec<Customer>,
    /// The position of the next page.
    pub next: Option<PageKey>,
}

/// The attribute of a list position naming the part of the list it is in; the rest of it is where the part's index
/// query goes on (its `LastEvaluatedKey`), if anywhere.
const PART: &str = "part";

/// How many index queries one page may take before it answers with what it has (and a cursor to go on).
const MAX_QUERIES_PER_PAGE: usize = 10;

/// The parts of a searched list, in order: the customer with the id, those with the email address, the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Id,
    Email,
    Name,
}

impl Part {
    fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Email => "email",
            Self::Name => "name",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        [Self::Id, Self::Email, Self::Name].into_iter().find(|part| part.as_str() == value)
    }
}

impl Store {
    /// One page of the tenant's customers by name (GSI1 `T#{t}#CUSTOMERS`), or of those `search` finds, each once:
    /// first the customer whose id is the text (one read), then those whose email address it is (GSI2
    /// `T#{t}#EMAIL#{address}`), then those whose name starts with it (GSI1, `begins_with` on the name key). `start`
    /// is the position an earlier page of the same list answered.
    pub async fn list_customers(
        &self,
        tenant: &TenantId,
        search: Option<&CustomerSearch>,
        limit: usize,
        start: Option<PageKey>,
    ) -> Result<CustomerPage, StoreError> {
        let (mut part, mut from) = match start {
            None if search.is_some() => (Part::Id, None),
            None => (Part::Name, None),
            Some(mut position) => {
                let part = position
                    .remove(PART)
                    .as_deref()
                    .and_then(Part::parse)
                    .ok_or_else(|| corrupt("customer list position", "it names no part of the list"))?;
                (part, (!position.is_empty()).then_some(position))
            }
        };
        let limit = limit.max(1);
        let mut customers: Vec<Customer> = Vec::new();
        let mut queries = 0;
        loop {
            let room = limit.saturating_sub(customers.len());
            if room == 0 || queries == MAX_QUERIES_PER_PAGE {
                let mut position = from.unwrap_or_default();
                position.insert(PART.to_owned(), part.as_str().to_owned());
                return Ok(CustomerPage { customers, next: Some(position) });
            }
            match part {
                Part::Id => {
                    if let Some(id) = search.and_then(CustomerSearch::id) {
                        customers.extend(self.get_customer(tenant, id).await?);
                    }
                    (part, from) = (Part::Email, None);
                }
                Part::Email => {
                    let Some(email) = search.and_then(CustomerSearch::email) else {
                        (part, from) = (Part::Name, None);
                        continue;
                    };
                    let partition = keys::customer_email_gsi_pk(tenant, email);
                    let (found, next) = self.customer_index_page("GSI2", partition, None, room, from.take()).await?;
                    queries += 1;
                    // The customer the text is the id of is listed already.
                    customers.extend(found.into_iter().filter(|c| !search.is_some_and(|s| s.is_id_of(c))));
                    match next {
                        Some(next) => from = Some(next),
                        None => (part, from) = (Part::Name, None),
                    }
                }
                Part::Name => {
                    let prefix = match search.map(CustomerSearch::name_key) {
                        None => None,
                        Some(Some(key)) => Some(key),
                        Some(None) => return Ok(CustomerPage { customers, next: None }),
                    };
                    let partition = keys::customers_gsi_pk(tenant);
                    let (found, next) = self.customer_index_page("GSI1", partition, prefix, room, from.take()).await?;
                    queries += 1;
                    // Those found by id or email address are listed already. The name is checked too: a name key
                    // holding the separator could match into a sort key's id.
                    customers.extend(
                        found.into_iter().filter(|c| search.is_none_or(|s| s.matches_name(c) && !s.matches_exactly(c))),
                    );
                    match next {
                        Some(next) => from = Some(next),
                        None => return Ok(CustomerPage { customers, next: None }),
                    }
                }
            }
        }
    }

    /// Up to `limit` customers of one index partition in sort-key order, those whose sort key starts with `prefix`
    /// when given, after `start`.
    async fn customer_index_page(
        &self,
        index: &str,
        partition: String,
        prefix: Option<&str>,
        limit: usize,
        start: Option<PageKey>,
    ) -> Result<(Vec<Customer>, Option<PageKey>), StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .expression_attribute_values(":pk", s(partition))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start.map(page_key_into));
        query = match prefix {
            Some(prefix) => query
                .key_condition_expression(format!("{index}PK = :pk AND begins_with({index}SK, :prefix)"))
                .expression_attribute_values(":prefix", s(prefix)),
            None => query.key_condition_expression(format!("{index}PK = :pk")),
        };
        let output = query.send().await.map_err(|e| dynamo_error(format!("list customers ({index})"), e))?;
        let customers = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<Customer>("customer", item))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((customers, page_key_from(output.last_evaluated_key.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, name: &str, email: &str) -> Customer {
        Customer {
            id: CustomerId::parse(id).expect("id"),
            name: name.into(),
            email: orders_domain::party::EmailAddress::parse(email).expect("email"),
            language: None,
            vat_id: None,
            address: None,
            discount: None,
            peppol_id: None,
            delivery_addresses: Vec::new(),
        }
    }

    fn sort_key(tenant: &TenantId, customer: &Customer) -> String {
        index_keys(tenant, customer).into_iter().find(|(name, _)| *name == "GSI1SK").map(|(_, key)| key).expect("key")
    }

    #[test]
    fn a_customer_is_indexed_by_folded_name_and_lower_case_address() {
        let tenant = TenantId::parse("t1").expect("tenant");
        let asa = customer("C-7", "Åsa  Lindqvist", "Asa@Example.se");
        assert_eq!(
            index_keys(&tenant, &asa).map(|(name, value)| format!("{name}={value}")),
            [
                "GSI1PK=T#t1#CUSTOMERS".to_owned(),
                "GSI1SK=asa lindqvist\u{1f}C-7".to_owned(),
                "GSI2PK=T#t1#EMAIL#asa@example.se".to_owned(),
                "GSI2SK=C-7".to_owned(),
            ]
        );
    }

    #[test]
    fn a_name_sorts_before_the_longer_names_it_starts() {
        let tenant = TenantId::parse("t1").expect("tenant");
        let mut keys: Vec<String> = [
            customer("Z-1", "Acme Nordic", "a@example.se"),
            customer("Z-2", "Acme", "b@example.se"),
            customer("A-1", "Acme!", "c@example.se"),
            customer("A-2", "Äcme Zeta", "d@example.se"),
        ]
        .iter()
        .map(|c| sort_key(&tenant, c))
        .collect();
        keys.sort();
        let ids: Vec<&str> = keys.iter().filter_map(|k| k.split('\u{1f}').nth(1)).collect();
        // By name, never by id: `acme`, `acme nordic`, `acme zeta`, `acme!`.
        assert_eq!(ids, ["Z-2", "Z-1", "A-2", "A-1"]);
    }
}
