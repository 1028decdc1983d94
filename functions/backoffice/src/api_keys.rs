//! The tenant's API keys, for operators: list them (with when each was last used), make one (its secret is
//! answered once and never stored), revoke one (it opens nothing from then on, nor do the console sessions opened
//! with it).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, ListedApiKey};
use orders_domain::admin::parse_new_key;
use orders_http::{json_body, json_response, ApiError};

use crate::Backoffice;

/// A key as the API shows it (never its secret or hash).
fn key_json(key: &ApiKeyRecord, last_used_at: Option<&str>, now: i64) -> Value {
    let expires_at =
        key.valid_until.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()).and_then(|t| t.format(&Rfc3339).ok());
    let status = if key.revoked_at.is_some() {
        "revoked"
    } else if !key.usable_at(now) {
        "expired"
    } else {
        "active"
    };
    json!({
        "id": key.key_id,
        "name": key.name,
        "role": key.role.as_str(),
        "channel": key.channel,
        "status": status,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "expires_at": expires_at,
        "revoked_at": key.revoked_at,
        "last_used_at": last_used_at,
    })
}

/// `GET /v1/api-keys`: the tenant's keys, newest first, revoked and expired ones too.
pub(crate) async fn list(app: &Backoffice, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let keys = app.store.list_api_keys(&caller.tenant).await?;
    let items: Vec<Value> =
        keys.iter().map(|ListedApiKey { key, last_used_at }| key_json(key, last_used_at.as_deref(), now)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]))
}

/// `POST /v1/api-keys` with `{"name", "role": "webshop" | "operator" | "warehouse", "channel"?, "expires_date"?}`:
/// a new key of the caller's tenant (working until the end of `expires_date`, UTC, if given); its secret is in
/// this answer only.
pub(crate) async fn create(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let key = parse_new_key(json_body(request)?, now.date())?;
    let by = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let issued = orders_app::admin::issue_key(&app.store, &caller.tenant, &key, &by, now).await?;
    let mut body = key_json(&issued.record, None, now.unix_timestamp());
    body["secret"] = json!(issued.secret);
    Ok(json_response(StatusCode::CREATED, &body, &[("location", format!("/v1/api-keys/{}", issued.record.key_id))]))
}

/// `DELETE /v1/api-keys/{id}`: revokes the tenant's key (revoking it again changes nothing); it and every console
/// session opened with it stop working at once.
pub(crate) async fn revoke(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    orders_http::no_body(request)?;
    let not_found = || ApiError::NotFound(format!("API key {id}"));
    let valid = id.starts_with("key_") && id.len() <= 40 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(not_found());
    }
    let now = OffsetDateTime::now_utc();
    let at = now.format(&Rfc3339).unwrap_or_default();
    let key = app.store.revoke_api_key(&caller.tenant, id, &at).await?.ok_or_else(not_found)?;
    tracing::info!(tenant = %caller.tenant, key_id = %key.key_id, by = %caller.key_id, "API key revoked");
    Ok(json_response(StatusCode::OK, &key_json(&key, None, now.unix_timestamp()), &[]))
}
