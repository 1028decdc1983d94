//! API keys and console sessions.
//!
//! A key is stored by the SHA-256 of its secret, `KEY#{hash}` / `KEY` (never the key itself): its tenant, role,
//! name, expiry and revocation, listed per tenant through GSI1 (`T#{tenant}#APIKEYS` / key id). A revoked key keeps
//! its record, so it stays refused. What the tenant's functions write about a key lives in the tenant's own
//! partitions, never in `KEY#…` (which only the back office writes): when it was last used
//! (`T#{tenant}#APIKEY#{key_id}` / `USE`) and the console language its holder chose (… / `PREFS`).
//!
//! A console session has a record, `T#{tenant}#SES#{session_id}` / `SESSION`, checked on every request with the
//! key itself (one BatchGetItem): logging out deletes it, so the cookie opens nothing any more, and it expires
//! with the session (table TTL) — a missing record opens nothing either.

use serde::{Deserialize, Serialize};

use orders_domain::ids::{Role, TenantId};

use super::{dynamo_error, from_item, get_s, key, s, to_item, Item, Store, StoreError};
use crate::keys;

const USE_SK: &str = "USE";
const PREFS_SK: &str = "PREFS";
const SESSION_SK: &str = "SESSION";

fn keys_gsi_pk(tenant: &TenantId) -> String {
    format!("T#{tenant}#APIKEYS")
}

fn key_pk(tenant: &TenantId, key_id: &str) -> String {
    format!("T#{tenant}#APIKEY#{key_id}")
}

fn session_pk(tenant: &TenantId, session_id: &str) -> String {
    format!("T#{tenant}#SES#{session_id}")
}

/// An API key as stored (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// Short public id of the key, used as the actor in history entries.
    pub key_id: String,
    /// Tenant the key belongs to.
    pub tenant: TenantId,
    /// What the key may do.
    pub role: Role,
    /// The webshop (sales channel) a webshop key posts for; order numbers are unique per channel.
    pub channel: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// What its holder calls it ("Webshop production", "Anna, order desk").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Who made it (`operator:key_…`, `devstack`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Unix time it stops working, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
    /// When it was revoked (RFC 3339): it opens nothing from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// The console language of keys stored before languages moved to the tenant's own items.
    #[serde(default, skip_serializing)]
    pub language: Option<String>,
}

impl ApiKeyRecord {
    /// Whether the key opens anything at `now` (Unix time): not revoked, not expired.
    pub fn usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.valid_until.is_none_or(|until| until > now)
    }
}

/// A key this function container authenticated before, presented again: what it was then (tenant, role, channel),
/// so a use case can read the key's item fresh in its own first request, beside what it reads anyway, and confirm
/// it there ([`PresumedKey::confirm`]) before it writes or answers anything (docs/architecture.md "Cost and speed
/// budgets").
/// Nothing is taken on the container's word: a key revoked or expired since is refused by that read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresumedKey {
    hash: String,
    record: ApiKeyRecord,
}

impl PresumedKey {
    /// The key of SHA-256 `hash` as this container last read it.
    pub fn new(hash: impl Into<String>, record: ApiKeyRecord) -> Self {
        Self { hash: hash.into(), record }
    }

    /// The SHA-256 of the key: its item is `KEY#{hash}` / `KEY`.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The key as last read: its tenant and channel say what to read with it.
    pub fn record(&self) -> &ApiKeyRecord {
        &self.record
    }

    /// [`PresumedKey::confirm`] now.
    pub fn confirmed_by(&self, fresh: Option<ApiKeyRecord>) -> Option<ApiKeyRecord> {
        self.confirm(fresh, time::OffsetDateTime::now_utc().unix_timestamp())
    }

    /// The key as read now, if it is still the same key (tenant, role, channel) and opens anything at `now`
    /// (Unix time); `None` refuses the request.
    pub fn confirm(&self, fresh: Option<ApiKeyRecord>, now: i64) -> Option<ApiKeyRecord> {
        let was = &self.record;
        fresh.filter(|key| {
            key.usable_at(now)
                && key.key_id == was.key_id
                && key.tenant == was.tenant
                && key.role == was.role
                && key.channel == was.channel
        })
    }
}

/// Who calls a route that may read the caller's key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKey {
    /// Authenticated by its own read.
    Authenticated(ApiKeyRecord),
    /// To be confirmed by the use case's first read.
    Presumed(PresumedKey),
}

impl CallerKey {
    /// The SHA-256 of a presumed key, whose item the first read must include; `None` for an authenticated one.
    pub fn to_confirm(&self) -> Option<&str> {
        match self {
            CallerKey::Authenticated(_) => None,
            CallerKey::Presumed(presumed) => Some(presumed.hash()),
        }
    }

    /// The caller's key given what the first read found of it (`fresh`, read when [`CallerKey::to_confirm`] asked
    /// for it): an authenticated key as it is; a presumed one if [`PresumedKey::confirm`] confirms it now.
    pub fn confirmed_by(&self, fresh: Option<ApiKeyRecord>) -> Option<ApiKeyRecord> {
        match self {
            CallerKey::Authenticated(record) => Some(record.clone()),
            CallerKey::Presumed(presumed) => presumed.confirmed_by(fresh),
        }
    }

    /// The key (as authenticated, or as last read).
    pub fn record(&self) -> &ApiKeyRecord {
        match self {
            CallerKey::Authenticated(record) => record,
            CallerKey::Presumed(presumed) => presumed.record(),
        }
    }
}

/// A key of a tenant's list, with when it was last used (to the hour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedApiKey {
    /// The key.
    pub key: ApiKeyRecord,
    /// When it was last used (RFC 3339), recorded at most hourly per function container.
    pub last_used_at: Option<String>,
}

/// A console session's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSessionRecord {
    /// The session's id (in its cookie).
    pub session_id: String,
    /// The tenant.
    pub tenant: TenantId,
    /// The key it was opened with.
    pub key_id: String,
    /// SHA-256 of that key.
    pub key_hash: String,
    /// When it was opened (RFC 3339).
    pub created_at: String,
    /// Unix time it ends (also the table's TTL attribute).
    pub expires_at: i64,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct KeyItem<'a> {
    PK: String,
    SK: &'static str,
    entity: &'static str,
    GSI1PK: String,
    GSI1SK: &'a str,
    #[serde(flatten)]
    record: &'a ApiKeyRecord,
}

impl Store {
    /// Looks up an API key by the SHA-256 of its secret (revoked and expired keys too: see
    /// [`ApiKeyRecord::usable_at`]).
    pub async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        match self.get("API key", keys::api_key_pk(key_hash), keys::API_KEY_SK).await? {
            None => Ok(None),
            Some(item) => from_item("API key", item).map(Some),
        }
    }

    /// A presumed key confirmed by reading it alone (for a request with no first read to share); `None` when it
    /// no longer opens anything.
    pub async fn confirm_presumed(&self, key: &PresumedKey) -> Result<Option<ApiKeyRecord>, StoreError> {
        Ok(key.confirmed_by(self.find_api_key(key.hash()).await?))
    }

    /// The key of SHA-256 `hash` among `items` of a batch read (taken out of them), if it was there.
    pub(super) fn take_api_key(items: &mut Vec<Item>, hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        Store::take_item(items, &Store::api_key_key(hash)).map(|item| from_item("API key", item)).transpose()
    }

    /// The item key of the API key of SHA-256 `hash`, to read it with others.
    pub(super) fn api_key_key(hash: &str) -> Item {
        key(keys::api_key_pk(hash), keys::API_KEY_SK)
    }

    /// Stores a new API key (by hash), listed under its tenant; refuses to overwrite an existing one.
    pub async fn put_api_key(&self, key_hash: &str, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let item = KeyItem {
            PK: keys::api_key_pk(key_hash),
            SK: keys::API_KEY_SK,
            entity: "api_key",
            GSI1PK: keys_gsi_pk(&record.tenant),
            GSI1SK: &record.key_id,
            record,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item("API key", &item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| dynamo_error("store API key", e))?;
        Ok(())
    }

    /// Every API key of the tenant (revoked ones too), with when each was last used.
    pub async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ListedApiKey>, StoreError> {
        let mut records: Vec<(String, ApiKeyRecord)> = Vec::new();
        let mut start = None;
        loop {
            let (items, next) = self.index_page("GSI1", keys_gsi_pk(tenant), false, 200, start).await?;
            for item in items {
                let hash = get_s(&item, "PK").unwrap_or_default().trim_start_matches("KEY#").to_owned();
                records.push((hash, from_item("API key", item)?));
            }
            match next {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        let wanted: Vec<Item> = records.iter().map(|(_, r)| key(key_pk(tenant, &r.key_id), USE_SK)).collect();
        let uses = self.batch_get(wanted).await?;
        let last_used = |key_id: &str| {
            uses.iter()
                .find(|item| get_s(item, "PK") == Some(key_pk(tenant, key_id).as_str()))
                .and_then(|item| get_s(item, "last_used_at"))
                .map(str::to_owned)
        };
        let mut listed: Vec<ListedApiKey> =
            records.into_iter().map(|(_, key)| ListedApiKey { last_used_at: last_used(&key.key_id), key }).collect();
        listed.sort_by(|a, b| b.key.created_at.cmp(&a.key.created_at).then_with(|| a.key.key_id.cmp(&b.key.key_id)));
        Ok(listed)
    }

    /// Revokes the tenant's key `key_id` at `at` (RFC 3339; an earlier revocation's time is kept); the key as it
    /// is now, `None` if the tenant has no such key.
    pub async fn revoke_api_key(
        &self,
        tenant: &TenantId,
        key_id: &str,
        at: &str,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let found = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk AND GSI1SK = :id")
            .expression_attribute_values(":pk", s(keys_gsi_pk(tenant)))
            .expression_attribute_values(":id", s(key_id))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("find API key {key_id}"), e))?;
        let Some(pk) = found.items().first().and_then(|item| get_s(item, "PK")).map(str::to_owned) else {
            return Ok(None);
        };
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, keys::API_KEY_SK)))
            .update_expression("SET revoked_at = if_not_exists(revoked_at, :at)")
            .condition_expression("attribute_exists(PK) AND tenant = :tenant")
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":tenant", s(tenant.as_str()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("revoke API key {key_id}"), e))?;
        updated.attributes.map(|item| from_item("API key", item)).transpose()
    }

    /// Records that the tenant's key `key_id` was used at `at` (RFC 3339).
    pub async fn record_key_use(&self, tenant: &TenantId, key_id: &str, at: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(tenant, key_id), USE_SK)))
            .update_expression("SET entity = :entity, last_used_at = :at")
            .expression_attribute_values(":entity", s("api_key_use"))
            .expression_attribute_values(":at", s(at))
            .send()
            .await
            .map_err(|e| dynamo_error(format!("record a use of API key {key_id}"), e))?;
        Ok(())
    }

    /// The console language the holder of the tenant's key `key_id` chose.
    pub async fn key_language(&self, tenant: &TenantId, key_id: &str) -> Result<Option<String>, StoreError> {
        let item = self.get("console language", key_pk(tenant, key_id), PREFS_SK).await?;
        Ok(item.as_ref().and_then(|item| get_s(item, "language")).map(str::to_owned))
    }

    /// Remembers the console language of the holder of the tenant's key `key_id`.
    pub async fn set_key_language(&self, tenant: &TenantId, key_id: &str, language: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(tenant, key_id), PREFS_SK)))
            .update_expression("SET entity = :entity, #language = :language")
            .expression_attribute_names("#language", "language")
            .expression_attribute_values(":entity", s("api_key_prefs"))
            .expression_attribute_values(":language", s(language))
            .send()
            .await
            .map_err(|e| dynamo_error("store the console language", e))?;
        Ok(())
    }

    /// Stores a new console session's record.
    pub async fn create_console_session(&self, session: &ConsoleSessionRecord) -> Result<(), StoreError> {
        let mut item = to_item("console session", session)?;
        item.extend(key(session_pk(&session.tenant, &session.session_id), SESSION_SK));
        item.insert("entity".into(), s("console_session"));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| dynamo_error("store a console session", e))?;
        Ok(())
    }

    /// Ends a console session: its cookie opens nothing any more.
    pub async fn end_console_session(&self, tenant: &TenantId, session_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(session_pk(tenant, session_id), SESSION_SK)))
            .send()
            .await
            .map_err(|e| dynamo_error("end a console session", e))?;
        Ok(())
    }

    /// The key `key_hash` and the console session `session_id` of `tenant`, read at once (one BatchGetItem).
    pub async fn api_key_and_session(
        &self,
        key_hash: &str,
        tenant: &TenantId,
        session_id: &str,
    ) -> Result<(Option<ApiKeyRecord>, Option<ConsoleSessionRecord>), StoreError> {
        let wanted =
            vec![key(keys::api_key_pk(key_hash), keys::API_KEY_SK), key(session_pk(tenant, session_id), SESSION_SK)];
        let items = self.batch_get(wanted).await?;
        let mut api_key = None;
        let mut session = None;
        for item in items {
            if get_s(&item, "SK") == Some(keys::API_KEY_SK) {
                api_key = Some(from_item("API key", item)?);
            } else {
                session = Some(from_item::<ConsoleSessionRecord>("console session", item)?);
            }
        }
        // An expired record the table's TTL has not removed yet is no session.
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Ok((api_key, session.filter(|s| s.expires_at > now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_or_expired_key_opens_nothing() {
        let key = ApiKeyRecord {
            key_id: "key_1".into(),
            tenant: TenantId::parse("demo").expect("tenant"),
            role: Role::Webshop,
            channel: "default".into(),
            created_at: String::new(),
            name: None,
            created_by: None,
            valid_until: Some(1_000),
            revoked_at: None,
            language: None,
        };
        assert!(key.usable_at(999));
        assert!(!key.usable_at(1_000), "expired");
        assert!(ApiKeyRecord { valid_until: None, ..key.clone() }.usable_at(i64::MAX));
        assert!(!ApiKeyRecord { revoked_at: Some("2026-12-04T00:00:00Z".into()), ..key }.usable_at(0));
    }

    fn key(role: Role) -> ApiKeyRecord {
        ApiKeyRecord {
            key_id: "key_1".into(),
            tenant: TenantId::parse("acme").expect("tenant"),
            role,
            channel: "web".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            name: None,
            created_by: None,
            valid_until: Some(2_000),
            revoked_at: None,
            language: None,
        }
    }

    #[test]
    fn a_presumed_key_is_confirmed_only_by_the_same_key_still_usable() {
        let presumed = PresumedKey::new("h", key(Role::Webshop));
        assert_eq!(presumed.confirm(Some(key(Role::Webshop)), 1_000), Some(key(Role::Webshop)));
        assert_eq!(presumed.confirm(None, 1_000), None, "gone");
        assert_eq!(presumed.confirm(Some(key(Role::Webshop)), 2_000), None, "expired");
        let revoked = ApiKeyRecord { revoked_at: Some("2026-02-01T00:00:00Z".into()), ..key(Role::Webshop) };
        assert_eq!(presumed.confirm(Some(revoked), 1_000), None, "revoked");
        assert_eq!(presumed.confirm(Some(key(Role::Operator)), 1_000), None, "another role");
        let elsewhere = ApiKeyRecord { tenant: TenantId::parse("other").expect("tenant"), ..key(Role::Webshop) };
        assert_eq!(presumed.confirm(Some(elsewhere), 1_000), None, "another tenant");
        let authenticated = CallerKey::Authenticated(key(Role::Webshop));
        assert_eq!((authenticated.to_confirm(), authenticated.confirmed_by(None)), (None, Some(key(Role::Webshop))));
        assert_eq!(CallerKey::Presumed(presumed).to_confirm(), Some("h"));
    }
}
