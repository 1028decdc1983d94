//! Tenants: their settings, and the registry of tenants that the scheduled reports run for.

use orders_domain::ids::TenantId;
use orders_domain::tenant::TenantSettings;

use super::{from_item, get_s, key, s, to_item, Store, StoreError};
use crate::keys;

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
        let created = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                return Ok(false)
            }
            Err(error) => return Err(super::dynamo_error(format!("create tenant {}", settings.tenant), error)),
        }
        // Written, then listed: a tenant whose registry entry failed is listed by the next write of its settings.
        self.put_tenant(settings).await?;
        Ok(true)
    }

    /// Every tenant (from the registry [`Store::put_tenant`] keeps).
    pub async fn list_tenants(&self) -> Result<Vec<TenantId>, StoreError> {
        let items = self.partition("TENANTS".into(), None, "list tenants").await?;
        Ok(items.iter().filter_map(|item| get_s(item, "tenant")).filter_map(|t| TenantId::parse(t).ok()).collect())
    }
}
