//! Tenants: their settings, and the registry of tenants that the scheduled reports run for.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use time::OffsetDateTime;

use orders_domain::ids::TenantId;
use orders_domain::tenant::TenantSettings;

use super::table::put_if_absent;
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

/// The settings' version (`settings_version`; 1 for settings written before versions were kept).
fn settings_version(item: &super::Item) -> u64 {
    get_n(item, "settings_version").and_then(|n| u64::try_from(n.trunc().mantissa()).ok()).unwrap_or(1)
}

impl Store {
    /// A tenant's settings.
    pub async fn get_tenant(&self, tenant: &TenantId) -> Result<Option<TenantSettings>, StoreError> {
        match self.get("tenant", keys::tenant_pk(tenant), keys::TENANT_SK).await? {
            None => Ok(None),
            Some(item) => from_item("tenant", item).map(Some),
        }
    }

    /// Creates or replaces a tenant's settings.
    pub async fn put_tenant(&self, settings: &TenantSettings) -> Result<(), StoreError> {
        let mut item = to_item("tenant", settings)?;
        item.extend(key(keys::tenant_pk(&settings.tenant), keys::TENANT_SK));
        item.insert("entity".into(), s("tenant"));
        self.put("tenant", item).await?;
        // The registry of tenants the scheduled reports run for (one small partition, no scans).
        let mut entry = key("TENANTS".into(), format!("T#{}", settings.tenant));
        entry.insert("entity".into(), s("tenant_registry"));
        entry.insert("tenant".into(), s(settings.tenant.as_str()));
        self.put("tenant registry", entry).await
    }

    /// Creates a tenant's settings unless the tenant exists (`false` then: nothing is written).
    pub async fn create_tenant(&self, settings: &TenantSettings) -> Result<bool, StoreError> {
        let mut item = to_item("tenant", settings)?;
        item.extend(key(keys::tenant_pk(&settings.tenant), keys::TENANT_SK));
        item.insert("entity".into(), s("tenant"));
        if !self.put_new(format!("create tenant {}", settings.tenant), item).await? {
            return Ok(false);
        }
        // Written, then listed: a tenant whose registry entry failed is listed by the next write of its settings.
        self.put_tenant(settings).await?;
        Ok(true)
    }

    /// A tenant's settings with their version (for `If-Match`).
    pub async fn versioned_tenant(&self, tenant: &TenantId) -> Result<Option<(TenantSettings, u64)>, StoreError> {
        match self.get("tenant", keys::tenant_pk(tenant), keys::TENANT_SK).await? {
            None => Ok(None),
            Some(item) => {
                let version = settings_version(&item);
                Ok(Some((from_item("tenant", item)?, version)))
            }
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
