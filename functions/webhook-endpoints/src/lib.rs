//! The `webhook-endpoints` function: operators' HTTP API of signed webhooks (docs/decisions/0017-signed-webhooks.md).
//! Register an endpoint (its signing secret is in that answer only), list, read, change, disable or delete it,
//! rotate its secret (the old one still signs beside the new one for an overlap), read its delivery log and send a
//! delivery again. The use cases are `orders_app::webhooks`; `main.rs` only wires it; the local runner and the tests
//! call [`handle`] with real requests.

use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_app::webhooks::{self as use_case, allow_loopback, DEFAULT_OVERLAP, MAX_OVERLAP};
use orders_aws::store::{ApiKeyRecord, WebhookDelivery, WebhookEndpoint};
use orders_aws::{required_var, ConfigError, SecretKeys, SecretPurpose, Settings, Store, WorkQueue};
use orders_domain::validation::FieldError;
use orders_domain::webhooks::{parse_endpoint_change, parse_new_endpoint, EndpointId};
use orders_http::routes::{dispatch, Handler, Route, OPERATOR};
use orders_http::{json_body, json_response, no_body, parse_json, query_param, ApiError, Gatekeeper};

/// Settings of the webhook endpoints API (declared in infra/template.yaml).
#[derive(Debug, Clone)]
pub struct EndpointsConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// `WEBHOOK_QUEUE_URL`: where a resent delivery is queued.
    pub queue_url: String,
    /// `WEBHOOK_SIGNING_SECRET_ARN`: what endpoint secrets are derived from.
    pub signing_secret_arn: String,
    /// `CONSOLE_SESSION_SECRET_ARN`: the keys of console sessions.
    pub console_session_secret_arn: String,
    /// `WEBHOOK_ALLOW_LOOPBACK=true`: `http://127.0.0.1` endpoints (local development only).
    pub allow_loopback: bool,
}

impl Settings for EndpointsConfig {
    fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required_var(&var, "TABLE_NAME")?,
            queue_url: required_var(&var, "WEBHOOK_QUEUE_URL")?,
            signing_secret_arn: required_var(&var, SecretPurpose::WebhookSigning.env_var())?,
            console_session_secret_arn: required_var(&var, SecretPurpose::ConsoleSession.env_var())?,
            allow_loopback: allow_loopback(&var),
        })
    }
}

/// Handler state, built once per container.
#[derive(Debug, Clone)]
pub struct Endpoints {
    store: Store,
    gate: Gatekeeper,
    queue: WorkQueue,
    keys: SecretKeys,
    allow_loopback: bool,
}

impl Endpoints {
    /// Builds the handler state.
    pub fn new(
        config: &EndpointsConfig,
        dynamodb: orders_aws::aws_sdk_dynamodb::Client,
        sqs: orders_aws::aws_sdk_sqs::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
    ) -> Self {
        let store = Store::new(dynamodb, &config.table_name);
        let keys = |arn: &str, purpose| SecretKeys::from_secrets_manager(secrets.clone(), arn, purpose);
        Self {
            gate: Gatekeeper::new(
                store.clone(),
                keys(&config.console_session_secret_arn, SecretPurpose::ConsoleSession),
            ),
            store,
            queue: WorkQueue::new(sqs, &config.queue_url),
            keys: keys(&config.signing_secret_arn, SecretPurpose::WebhookSigning),
            allow_loopback: config.allow_loopback,
        }
    }
}

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Endpoints, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(orders_http::answer(&request, dispatch(app, &app.gate, ROUTES, &request).await))
}

/// The routes. Endpoints are the seller's integration: operator keys only.
const ROUTES: &[Route<Endpoints>] = &[
    Route {
        method: Method::GET,
        path: "/v1/webhook-endpoints",
        roles: OPERATOR,
        action: "read webhook endpoints",
        handler: Handler::Key(|app, call| Box::pin(list(app, &call.caller))),
    },
    Route {
        method: Method::POST,
        path: "/v1/webhook-endpoints",
        roles: OPERATOR,
        action: "register webhook endpoints",
        handler: Handler::Key(|app, call| Box::pin(create(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/webhook-endpoints/{id}",
        roles: OPERATOR,
        action: "read webhook endpoints",
        handler: Handler::Key(|app, call| Box::pin(show(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::PATCH,
        path: "/v1/webhook-endpoints/{id}",
        roles: OPERATOR,
        action: "change webhook endpoints",
        handler: Handler::Key(|app, call| Box::pin(change(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::DELETE,
        path: "/v1/webhook-endpoints/{id}",
        roles: OPERATOR,
        action: "delete webhook endpoints",
        handler: Handler::Key(|app, call| Box::pin(delete(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/webhook-endpoints/{id}/secret-rotation",
        roles: OPERATOR,
        action: "rotate webhook secrets",
        handler: Handler::Key(|app, call| Box::pin(rotate(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/webhook-endpoints/{id}/deliveries",
        roles: OPERATOR,
        action: "read webhook deliveries",
        handler: Handler::Key(|app, call| Box::pin(deliveries(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/webhook-endpoints/{id}/deliveries/{message_id}/resending",
        roles: OPERATOR,
        action: "resend webhook deliveries",
        handler: Handler::Key(|app, call| {
            Box::pin(resend(app, &call.caller, call.request, call.param(0), call.param(1)))
        }),
    },
];

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn unix_rfc3339(at: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(at).ok().map(rfc3339)
}

/// An endpoint as the API shows it (never its secret).
fn endpoint_json(endpoint: &WebhookEndpoint) -> Value {
    let status = match (endpoint.enabled, &endpoint.failing_since) {
        (false, _) => "disabled",
        (true, Some(_)) => "failing",
        (true, None) => "enabled",
    };
    json!({
        "id": endpoint.id,
        "url": endpoint.url.as_str(),
        "events": endpoint.events,
        "description": endpoint.description,
        "status": status,
        "failing_since": endpoint.failing_since,
        "previous_secret_expires_at": endpoint.previous_secret.as_ref().and_then(|p| p.until).and_then(unix_rfc3339),
        "created_at": endpoint.created_at,
        "created_by": endpoint.created_by,
        "updated_at": endpoint.updated_at,
        "version": endpoint.version,
    })
}

/// A delivery as the log shows it (its body is the event as sent).
fn delivery_json(delivery: &WebhookDelivery) -> Value {
    let last = delivery.last_attempt.as_ref().map(|a| {
        json!({
            "at": a.at,
            "status_code": a.status_code,
            "error": a.error,
            "response_excerpt": a.excerpt,
            "elapsed_ms": a.elapsed_ms,
        })
    });
    json!({
        "id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status.as_str(),
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.and_then(unix_rfc3339),
        "last_attempt": last,
        "created_at": delivery.created_at,
        "payload": serde_json::from_str::<Value>(&delivery.body).unwrap_or(Value::Null),
    })
}

fn endpoint_id(id: &str) -> Result<EndpointId, ApiError> {
    EndpointId::parse(id).ok_or_else(|| ApiError::NotFound(format!("webhook endpoint {id}")))
}

/// `GET /v1/webhook-endpoints`: every endpoint of the caller's tenant.
async fn list(app: &Endpoints, caller: &ApiKeyRecord) -> Result<Response<Body>, ApiError> {
    let endpoints = app.store.webhook_endpoints(&caller.tenant).await?;
    let items: Vec<Value> = endpoints.iter().map(endpoint_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]))
}

/// `POST /v1/webhook-endpoints` with `{"url", "events", "description"?}`: 201 with the endpoint and its
/// `secret` (`whsec_…`), which no other answer shows.
async fn create(app: &Endpoints, caller: &ApiKeyRecord, request: &Request) -> Result<Response<Body>, ApiError> {
    let new = parse_new_endpoint(json_body(request)?, app.allow_loopback)?;
    let by = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let made =
        use_case::register_endpoint(&app.store, &app.keys, &caller.tenant, new, &by, OffsetDateTime::now_utc()).await?;
    tracing::info!(tenant = %caller.tenant, endpoint = %made.endpoint.id, by, "webhook endpoint registered");
    let mut body = endpoint_json(&made.endpoint);
    body["secret"] = json!(made.secret);
    let location = format!("/v1/webhook-endpoints/{}", made.endpoint.id);
    Ok(json_response(StatusCode::CREATED, &body, &[("location", location)]))
}

/// `GET /v1/webhook-endpoints/{id}`.
async fn show(app: &Endpoints, caller: &ApiKeyRecord, id: &str) -> Result<Response<Body>, ApiError> {
    let id = endpoint_id(id)?;
    let endpoint = app
        .store
        .webhook_endpoint(&caller.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("webhook endpoint {id}")))?;
    Ok(json_response(StatusCode::OK, &endpoint_json(&endpoint), &[]))
}

/// `PATCH /v1/webhook-endpoints/{id}` with `{"url"?, "events"?, "description"?, "enabled"?}`.
async fn change(
    app: &Endpoints,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let id = endpoint_id(id)?;
    let change = parse_endpoint_change(json_body(request)?, app.allow_loopback)?;
    let endpoint =
        use_case::change_endpoint(&app.store, &caller.tenant, &id, change, OffsetDateTime::now_utc()).await?;
    Ok(json_response(StatusCode::OK, &endpoint_json(&endpoint), &[]))
}

/// `DELETE /v1/webhook-endpoints/{id}`: 204; nothing more is sent to it.
async fn delete(
    app: &Endpoints,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    no_body(request)?;
    let id = endpoint_id(id)?;
    use_case::delete_endpoint(&app.store, &caller.tenant, &id).await?;
    tracing::info!(tenant = %caller.tenant, endpoint = %id, by = %caller.key_id, "webhook endpoint deleted");
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RotationBody {
    #[serde(default)]
    overlap_seconds: Option<u64>,
}

/// `POST /v1/webhook-endpoints/{id}/secret-rotation` with `{"overlap_seconds"?}` (default a day, at most 7 days;
/// 0 ends the old secret at once): 200 with the endpoint and its new `secret`.
async fn rotate(
    app: &Endpoints,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let id = endpoint_id(id)?;
    let body: RotationBody = if request.body().is_empty() {
        RotationBody { overlap_seconds: None }
    } else {
        parse_json(json_body(request)?)?
    };
    let overlap = body.overlap_seconds.map_or(DEFAULT_OVERLAP, Duration::from_secs);
    if overlap > MAX_OVERLAP {
        let detail = format!("at most {} seconds (7 days)", MAX_OVERLAP.as_secs());
        return Err(ApiError::Validation(vec![FieldError::new("/overlap_seconds", detail)]));
    }
    let rotated = use_case::rotate_endpoint_secret(
        &app.store,
        &app.keys,
        &caller.tenant,
        &id,
        overlap,
        OffsetDateTime::now_utc(),
    )
    .await?;
    tracing::info!(tenant = %caller.tenant, endpoint = %id, by = %caller.key_id, "webhook secret rotated");
    let mut body = endpoint_json(&rotated.endpoint);
    body["secret"] = json!(rotated.secret);
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// The most deliveries one page shows.
const MAX_DELIVERIES: i32 = 100;

/// `GET /v1/webhook-endpoints/{id}/deliveries?limit=`: the newest deliveries first (at most 100).
async fn deliveries(
    app: &Endpoints,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let id = endpoint_id(id)?;
    let limit = match query_param(request, "limit") {
        None => 50,
        Some(text) => text.parse::<i32>().ok().filter(|n| (1..=MAX_DELIVERIES).contains(n)).ok_or_else(|| {
            ApiError::InvalidParameter { name: "limit", detail: format!("a number from 1 to {MAX_DELIVERIES}") }
        })?,
    };
    if app.store.webhook_endpoint(&caller.tenant, &id).await?.is_none() {
        return Err(ApiError::NotFound(format!("webhook endpoint {id}")));
    }
    let (deliveries, more) = app.store.webhook_deliveries(&caller.tenant, &id, limit).await?;
    let items: Vec<Value> = deliveries.iter().map(delivery_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "has_more": more, "next_cursor": null }), &[]))
}

/// `POST /v1/webhook-endpoints/{id}/deliveries/{message_id}/resending`: the delivery is sent again now (same id
/// and body, a fresh signature), with a fresh round of retries; 200 with the delivery as queued.
async fn resend(
    app: &Endpoints,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
    message_id: &str,
) -> Result<Response<Body>, ApiError> {
    no_body(request)?;
    let id = endpoint_id(id)?;
    let valid = message_id.starts_with("msg_")
        && message_id.len() <= 64
        && message_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(ApiError::NotFound(format!("delivery {message_id}")));
    }
    let delivery = use_case::resend_delivery(&app.store, &app.queue, &caller.tenant, &id, message_id).await?;
    tracing::info!(tenant = %caller.tenant, endpoint = %id, message_id, by = %caller.key_id, "webhook delivery resent");
    Ok(json_response(StatusCode::OK, &delivery_json(&delivery), &[]))
}
