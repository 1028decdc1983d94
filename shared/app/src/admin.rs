//! The platform operator's use cases (`orders-admin`, devstack's demo seller): onboarding a seller from its
//! settings file and making, listing and revoking its API keys. The back office's own key routes use the same
//! key issuing.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use orders_aws::store::ApiKeyRecord;
use orders_aws::{Store, StoreError};
use orders_domain::admin::NewApiKey;
use orders_domain::fingerprint::{api_key_hash, new_api_key};
use orders_domain::ids::TenantId;
use orders_domain::tenant::TenantSettings;

/// A new API key: its secret, shown once, and the stored record (only the secret's SHA-256 is kept).
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The secret to hand over.
    pub secret: String,
    /// The stored record.
    pub record: ApiKeyRecord,
}

/// Why a seller was not created.
#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// A tenant of that id exists (its settings are left as they are).
    #[error("tenant {0} exists already; `tenant update` changes its settings")]
    Exists(TenantId),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates the seller `settings` describe (parsed by `orders_domain::admin::parse_tenant`); refuses a duplicate.
pub async fn create_tenant(store: &Store, settings: &TenantSettings) -> Result<(), OnboardingError> {
    if store.create_tenant(settings).await? {
        tracing::info!(tenant = %settings.tenant, "tenant created");
        Ok(())
    } else {
        Err(OnboardingError::Exists(settings.tenant.clone()))
    }
}

/// Makes `key` for `tenant`, recorded as made by `created_by` at `now`.
pub async fn issue_key(
    store: &Store,
    tenant: &TenantId,
    key: &NewApiKey,
    created_by: &str,
    now: OffsetDateTime,
) -> Result<IssuedKey, StoreError> {
    let (secret, key_id) = new_api_key(key.role);
    let record = ApiKeyRecord {
        key_id,
        tenant: tenant.clone(),
        role: key.role,
        channel: key.channel.clone(),
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        name: Some(key.name.clone()),
        created_by: Some(created_by.to_owned()),
        valid_until: key.valid_until,
        revoked_at: None,
        language: None,
    };
    store.put_api_key(&api_key_hash(&secret), &record).await?;
    tracing::info!(%tenant, key_id = %record.key_id, role = key.role.as_str(), by = created_by, "API key created");
    Ok(IssuedKey { secret, record })
}
