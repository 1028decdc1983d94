//! Tenants: their settings, and the registry of tenants that the scheduled reports run for.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use time::OffsetDateTime;

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::tenant::TenantSettings;

use super::response::order_record;
use super::table::put_if_absent;
use super::OrderRecord;
use super::{corrupt, dynamo_error, from_item, get_n, get_s, key, s, sortable_timestamp, to_item, Store, StoreError};
use crate::keys;

/// One change of a tenant's settings, as its history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsChange {
    /// When (RFC 3339).
    pub at: String,
    /// Who (`operator:key_…`).
    pub by: String,
    /// The settings' version it made.
    pub version: u64,
    /// The top-level settings it changed.
    pub changed: Vec<String>,
}

/// What [`Store::tenant_and_order`] read.
#[derive(Debug, Clone)]
pub struct TenantAndOrder {
    /// The tenant's settings.
    pub settings: Option<TenantSettings>,
    /// The order with its version and pending event.
    pub record: Option<OrderRecord>,
    /// The caller's key as stored now, when asked for and found.
    pub caller_key: Option<super::ApiKeyRecord>,
    /// Whether the order has seller notes.
    pub seller_notes: bool,
}

/// The settings of a tenant item, with their version (also set as their `stored_version`).
fn tenant_settings(item: super::Item) -> Result<(TenantSettings, u64), StoreError> {
    let version = settings_version(&item);
    let mut settings: TenantSettings = from_item("tenant", item)?;
    settings.stored_version = Some(version);
    Ok((settings, version))
}

/// The settings' version (`settings_version`; 1 for settings written before versions were kept).
fn settings_version(item: &super::Item) -> u64 {
    get_n(item, "settings_version").and_then(|n| u64::try_from(n.trunc().mantissa()).ok()).unwrap_or(1)
}

impl Store {
    /// A tenant's settings (with their `stored_version`).
    pub async fn get_tenant(&self, tenant: &TenantId) -> Result<Option<TenantSettings>, StoreError> {
        Ok(self.versioned_tenant(tenant).await?.map(|(settings, _)| settings))
    }

    /// A tenant's settings at least as new as `version` (the one an event's producer acted on): this
    /// container's copy when it is new enough, otherwise read from the table and kept. Without a version the
    /// settings are always read.
    pub async fn tenant_at_least(
        &self,
        tenant: &TenantId,
        version: Option<u64>,
    ) -> Result<Option<TenantSettings>, StoreError> {
        if let Some(wanted) = version {
            let cached = self.tenants.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(tenant).cloned();
            if let Some(settings) = cached.filter(|s| s.stored_version.is_some_and(|v| v >= wanted)) {
                return Ok(Some(settings));
            }
        }
        let read = self.get_tenant(tenant).await?;
        if let Some(settings) = &read {
            self.remember_tenant(settings);
        }
        Ok(read)
    }

    /// Creates or replaces a tenant's settings, moving their version on (so no cached copy of older settings is
    /// taken for these; see [`Store::tenant_at_least`]).
    pub async fn put_tenant(&self, settings: &TenantSettings) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            let current = self.versioned_tenant(&settings.tenant).await?.map(|(_, version)| version);
            if self.put_settings_after(settings, current).await? {
                break;
            }
            attempt += 1;
            if attempt >= 5 {
                return Err(StoreError::Contention {
                    action: format!("put tenant {}", settings.tenant),
                    attempts: attempt,
                });
            }
        }
        self.list_tenant(&settings.tenant).await
    }

    /// Writes `settings` as the version after `current` (`None`: the tenant is new); `false` when the stored
    /// settings are no longer at `current`.
    async fn put_settings_after(&self, settings: &TenantSettings, current: Option<u64>) -> Result<bool, StoreError> {
        let mut item = to_item("tenant", settings)?;
        item.extend(key(keys::tenant_pk(&settings.tenant), keys::TENANT_SK));
        item.insert("entity".into(), s("tenant"));
        item.insert("settings_version".into(), AttributeValue::N(current.map_or(1, |v| v + 1).to_string()));
        let put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        let put = match current {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(version) => put
                .condition_expression("settings_version = :v OR (attribute_not_exists(settings_version) AND :v = :one)")
                .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
                .expression_attribute_values(":one", AttributeValue::N("1".into())),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(error) => Err(dynamo_error(format!("put the settings of {}", settings.tenant), error)),
        }
    }

    /// Lists the tenant in the registry the scheduled reports run for (one small partition, no scans).
    async fn list_tenant(&self, tenant: &TenantId) -> Result<(), StoreError> {
        let mut entry = key("TENANTS".into(), format!("T#{tenant}"));
        entry.insert("entity".into(), s("tenant_registry"));
        entry.insert("tenant".into(), s(tenant.as_str()));
        self.put("tenant registry", entry).await
    }

    /// Creates a tenant's settings (version 1) unless the tenant exists (`false` then: nothing is written).
    pub async fn create_tenant(&self, settings: &TenantSettings) -> Result<bool, StoreError> {
        if !self.put_settings_after(settings, None).await? {
            return Ok(false);
        }
        // Written, then listed: a tenant whose registry entry failed is listed by the next write of its settings.
        self.list_tenant(&settings.tenant).await?;
        Ok(true)
    }

    /// A tenant's settings with their version (for `If-Match`).
    pub async fn versioned_tenant(&self, tenant: &TenantId) -> Result<Option<(TenantSettings, u64)>, StoreError> {
        let item = self.get("tenant", keys::tenant_pk(tenant), keys::TENANT_SK).await?;
        item.map(tenant_settings).transpose()
    }

    /// A tenant's settings (with their `stored_version`) and one of its orders with whether it has seller notes
    /// (its marker, [`keys::NOTES_SK`]), in one read; with the caller's key item (by its SHA-256) when the caller's
    /// key is presumed (see [`super::PresumedKey`]).
    pub async fn tenant_and_order(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        caller_key: Option<&str>,
    ) -> Result<TenantAndOrder, StoreError> {
        let order_pk = keys::order_pk(tenant, order_id);
        let (order_key, notes_key) = (key(order_pk.clone(), keys::ORDER_SK), key(order_pk, keys::NOTES_SK));
        let mut wanted = vec![key(keys::tenant_pk(tenant), keys::TENANT_SK), order_key.clone(), notes_key.clone()];
        wanted.extend(caller_key.map(Store::api_key_key));
        let mut items = self.batch_get(wanted).await?;
        let caller_key = match caller_key {
            Some(hash) => Store::take_api_key(&mut items, hash)?,
            None => None,
        };
        let settings = self.take_tenant(&mut items, tenant)?;
        let seller_notes = Store::take_item(&mut items, &notes_key).is_some();
        let record = Store::take_item(&mut items, &order_key).map(|item| order_record(order_id, item)).transpose()?;
        Ok(TenantAndOrder { settings, record, caller_key, seller_notes })
    }

    /// The tenant's settings among `items` of a batch read (taken out of them), also kept as this container's
    /// copy (see [`Store::tenant_at_least`]).
    pub(super) fn take_tenant(
        &self,
        items: &mut Vec<super::Item>,
        tenant: &TenantId,
    ) -> Result<Option<TenantSettings>, StoreError> {
        let Some(item) = Store::take_item(items, &key(keys::tenant_pk(tenant), keys::TENANT_SK)) else {
            return Ok(None);
        };
        let (settings, _) = tenant_settings(item)?;
        self.remember_tenant(&settings);
        Ok(Some(settings))
    }

    /// This container's copy of a tenant's settings, as last read (any age: a guess that a read confirms).
    pub fn remembered_tenant(&self, tenant: &TenantId) -> Option<TenantSettings> {
        self.tenants.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(tenant).cloned()
    }

    /// Keeps `settings` as this container's copy unless it holds newer ones.
    fn remember_tenant(&self, settings: &TenantSettings) {
        let mut cache = self.tenants.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let newer = cache.get(&settings.tenant).is_none_or(|c| c.stored_version <= settings.stored_version);
        if newer {
            cache.insert(settings.tenant.clone(), settings.clone());
        }
    }

    /// Replaces a tenant's settings at `expected` version with `settings` (version `expected + 1`), with the
    /// change in the settings' history, in one transaction; `false` when the settings moved on meanwhile.
    pub async fn replace_settings(
        &self,
        settings: &TenantSettings,
        expected: u64,
        by: &str,
        changed: &[String],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let tenant = &settings.tenant;
        let version = expected + 1;
        let mut item = to_item("tenant", settings)?;
        item.extend(key(keys::tenant_pk(tenant), keys::TENANT_SK));
        item.insert("entity".into(), s("tenant"));
        item.insert("settings_version".into(), AttributeValue::N(version.to_string()));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_exists(PK) AND (settings_version = :v OR (attribute_not_exists(settings_version) AND :v = :one))",
            )
            .expression_attribute_values(":v", AttributeValue::N(expected.to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(|e| corrupt("settings put", e))?;
        let at = sortable_timestamp(now);
        let mut entry = key(format!("{}#SETTINGS", keys::tenant_pk(tenant)), format!("{version:010}"));
        entry.insert("entity".into(), s("settings_change"));
        entry.insert("at".into(), s(at));
        entry.insert("by".into(), s(by));
        entry.insert("version".into(), AttributeValue::N(version.to_string()));
        entry.insert("changed".into(), AttributeValue::L(changed.iter().map(|c| s(c.clone())).collect()));
        let items = vec![TransactWriteItem::builder().put(put).build(), put_if_absent(&self.table, entry)?];
        let result = self.client.transact_write_items().set_transact_items(Some(items)).send().await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(super::table::cancelled_by_condition) => Ok(false),
            Err(error) => Err(dynamo_error(format!("replace the settings of {tenant}"), error)),
        }
    }

    /// The changes of a tenant's settings, newest first.
    pub async fn settings_history(&self, tenant: &TenantId) -> Result<Vec<SettingsChange>, StoreError> {
        let items =
            self.partition(format!("{}#SETTINGS", keys::tenant_pk(tenant)), None, "read the settings' history").await?;
        let mut changes: Vec<SettingsChange> = items
            .iter()
            .map(|item| SettingsChange {
                at: get_s(item, "at").unwrap_or_default().to_owned(),
                by: get_s(item, "by").unwrap_or_default().to_owned(),
                version: settings_version_of_change(item),
                changed: item
                    .get("changed")
                    .and_then(|v| v.as_l().ok())
                    .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                    .unwrap_or_default(),
            })
            .collect();
        changes.sort_by_key(|change| std::cmp::Reverse(change.version));
        Ok(changes)
    }

    /// Every tenant (from the registry [`Store::put_tenant`] keeps).
    pub async fn list_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        let items = self.partition("TENANTS".into(), None, "list tenants").await?;
        Ok(items.iter().filter_map(|item| get_s(item, "tenant")).filter_map(|t| TenantId::parse(t).ok()).collect())
    }
}

fn settings_version_of_change(item: &super::Item) -> u64 {
    get_n(item, "version").and_then(|n| u64::try_from(n.trunc().mantissa()).ok()).unwrap_or(0)
}
