//! The seller's own settings, for operators: read them (with their `ETag`), replace them under `If-Match`, and
//! read who changed what (`orders_app::staff::settings`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_app::staff::settings::{self, SettingsError};
use orders_aws::store::ApiKeyRecord;
use orders_domain::tenant::TenantSettings;
use orders_http::{etag, if_match, json_body, json_response, ApiError};

use crate::Backoffice;

fn settings_response(status: StatusCode, settings: &TenantSettings, version: u64) -> Response<Body> {
    let body = serde_json::to_value(settings).unwrap_or_else(|_| json!({}));
    json_response(status, &body, &[("etag", etag(version))])
}

/// `GET /v1/settings`: the tenant's settings, with `ETag`.
pub(crate) async fn get(app: &Backoffice, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let (current, version) = settings::current(&app.store, caller).await?;
    Ok(settings_response(StatusCode::OK, &current, version))
}

/// `PUT /v1/settings` with `If-Match`: replaces the tenant's settings whole (the tenant file's format).
pub(crate) async fn put(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let body = json_body(request)?;
    let if_match = request.headers().get("if-match").map(|_| if_match(request));
    let outcome = settings::replace(&app.store, caller, if_match.as_ref(), body, OffsetDateTime::now_utc()).await;
    match outcome {
        Ok((current, version)) => Ok(settings_response(StatusCode::OK, &current, version)),
        Err(SettingsError::Request(error)) => Err(error.into()),
        Err(SettingsError::Action(error)) => Err(error.into()),
        Err(missing @ SettingsError::IfMatchMissing) => Err(ApiError::PreconditionRequired(missing.to_string())),
    }
}

/// `GET /v1/settings/history`: every change of the settings, newest first: when, who, which settings.
pub(crate) async fn history(app: &Backoffice, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let changes = settings::history(&app.store, caller).await?;
    let items: Vec<Value> =
        changes.iter().map(|c| json!({"at": c.at, "by": c.by, "version": c.version, "changed": c.changed})).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]))
}
