//! The tenant's API keys, for operators: list them (with when each was last used), make one (its secret is
//! answered once and never stored), revoke one (it opens nothing from then on, nor do the console sessions opened
//! with it).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use orders_aws::store::{ApiKeyRecord, ListedApiKey};
use orders_domain::fingerprint::{api_key_hash, new_api_key};
use orders_domain::ids::Role;
use orders_domain::FieldError;
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::Backoffice;

/// The furthest a key's expiry may be set (days from today).
const MAX_VALID_DAYS: i64 = 2 * 366;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: Option<String>,
    role: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    expires_date: Option<String>,
}

/// `POST /v1/api-keys` with `{"name", "role": "webshop" | "operator" | "warehouse", "channel"?, "expires_date"?}`:
/// a new key of the caller's tenant (working until the end of `expires_date`, UTC, if given); its secret is in
/// this answer only.
pub(crate) async fn create(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let body: NewKey = parse_json(json_body(request)?)?;
    let now = OffsetDateTime::now_utc();
    let mut errors = Vec::new();
    let name = match body.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() && name.chars().count() <= 100 => {
            match orders_domain::validation::text_problem(name, false) {
                Some(problem) => {
                    errors.push(FieldError::new("/name", problem));
                    None
                }
                None => Some(name.to_owned()),
            }
        }
        _ => {
            errors.push(FieldError::new("/name", "give the key a name of 1 to 100 characters"));
            None
        }
    };
    let role = match body.role.as_deref().map(Role::parse) {
        Some(Ok(role)) => Some(role),
        Some(Err(e)) => {
            errors.push(FieldError::new("/role", e.0));
            None
        }
        None => {
            errors.push(FieldError::new("/role", "webshop, operator or warehouse"));
            None
        }
    };
    let channel = body.channel.unwrap_or_else(|| "default".into());
    let channel_ok = !channel.is_empty()
        && channel.len() <= 64
        && channel.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !channel_ok {
        errors.push(FieldError::new("/channel", "1 to 64 letters, digits, '-', '_' or '.'"));
    }
    let valid_until = match body.expires_date.as_deref() {
        None => None,
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            match Date::parse(text, &format) {
                Ok(date) if date >= now.date() && date <= now.date() + time::Duration::days(MAX_VALID_DAYS) => {
                    Some((date + time::Duration::days(1)).with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
                }
                _ => {
                    errors.push(FieldError::new(
                        "/expires_date",
                        format!("a date from today to {MAX_VALID_DAYS} days ahead, as YYYY-MM-DD"),
                    ));
                    None
                }
            }
        }
    };
    let (Some(name), Some(role), true) = (name, role, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let (secret, key_id) = new_api_key(role);
    let record = ApiKeyRecord {
        key_id,
        tenant: caller.tenant.clone(),
        role,
        channel,
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        name: Some(name),
        created_by: Some(format!("{}:{}", caller.role.as_str(), caller.key_id)),
        valid_until,
        revoked_at: None,
        language: None,
    };
    app.store.put_api_key(&api_key_hash(&secret), &record).await?;
    tracing::info!(tenant = %caller.tenant, key_id = %record.key_id, role = role.as_str(), by = %caller.key_id, "API key created");
    let mut body = key_json(&record, None, now.unix_timestamp());
    body["secret"] = json!(secret);
    Ok(json_response(StatusCode::CREATED, &body, &[("location", format!("/v1/api-keys/{}", record.key_id))]))
}

/// `DELETE /v1/api-keys/{id}`: revokes the tenant's key (revoking it again changes nothing); it and every console
/// session opened with it stop working at once.
pub(crate) async fn revoke(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    crate::buyer_access::no_body(request)?;
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
