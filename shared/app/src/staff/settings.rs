//! A seller's own settings (`GET/PUT /v1/settings`): read with their version, replaced whole under `If-Match`
//! (read the format of `orders_domain::admin::parse_settings`), every change kept with who made it and what it
//! changed (`GET /v1/settings/history`).

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, SettingsChange};
use orders_aws::Store;
use orders_domain::admin::{changed_settings, parse_settings, RequestError};
use orders_domain::tenant::TenantSettings;

use super::{actor, ActionError, IfMatch};

/// Why the settings were not replaced.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The body is not settings.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// Not found, a stale `If-Match`, or the table failed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// No `If-Match`: a replacement must name the version it replaces.
    #[error("send If-Match with the ETag of the settings you read (GET /v1/settings)")]
    IfMatchMissing,
}

/// The caller's tenant settings and their version.
pub async fn current(store: &Store, caller: &ApiKeyRecord) -> Result<(TenantSettings, u64), ActionError> {
    store.versioned_tenant(&caller.tenant).await?.ok_or_else(|| ActionError::NotFound("the tenant's settings".into()))
}

/// Replaces the caller's settings with `body` if they are still at the version `if_match` names (the body is
/// checked first, then that there is an `If-Match`, then the version); the settings and version after (unchanged
/// when `body` changes nothing).
pub async fn replace(
    store: &Store,
    caller: &ApiKeyRecord,
    if_match: Option<&IfMatch>,
    body: &str,
    now: OffsetDateTime,
) -> Result<(TenantSettings, u64), SettingsError> {
    let after = parse_settings(body, &caller.tenant)?;
    let if_match = if_match.ok_or(SettingsError::IfMatchMissing)?;
    let (before, version) = current(store, caller).await?;
    if_match.check(version, "the settings")?;
    let changed = changed_settings(&before, &after);
    if changed.is_empty() {
        return Ok((before, version));
    }
    if !store.replace_settings(&after, version, &actor(caller), &changed, now).await.map_err(ActionError::from)? {
        return Err(ActionError::PreconditionFailed(format!(
            "the settings changed meanwhile (they were at {}); read them again and repeat the change",
            IfMatch::etag(version)
        ))
        .into());
    }
    tracing::info!(tenant = %caller.tenant, by = %caller.key_id, ?changed, version = version + 1, "settings changed");
    Ok((after, version + 1))
}

/// The changes of the caller's settings, newest first.
pub async fn history(store: &Store, caller: &ApiKeyRecord) -> Result<Vec<SettingsChange>, ActionError> {
    Ok(store.settings_history(&caller.tenant).await?)
}
