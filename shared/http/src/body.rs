//! Reading requests and writing JSON responses.

use lambda_http::http::{header, HeaderMap, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use orders_domain::intake::MAX_BODY_BYTES;

use crate::problem::ApiError;

/// The bearer token of `Authorization: Bearer <key>`.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or(ApiError::Unauthorized)?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 256 {
        return Err(ApiError::Unauthorized);
    }
    Ok(token)
}

/// The `Idempotency-Key` header, if sent: 1–255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = || ApiError::InvalidHeader {
        name: "Idempotency-Key",
        detail: "must be 1 to 255 visible ASCII characters".into(),
    };
    let value = value.to_str().map_err(|_| invalid())?.trim();
    if value.is_empty() || value.len() > 255 || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(Some(value.to_owned()))
}

/// The request's media type, lower case and without parameters.
fn media_type(request: &Request) -> Option<String> {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

/// The request body as JSON text: `Content-Type: application/json`, at most 256 KiB, UTF-8.
pub fn json_body(request: &Request) -> Result<&str, ApiError> {
    match media_type(request).as_deref() {
        Some("application/json") => {}
        Some(other) if other.ends_with("+json") => {}
        _ => return Err(ApiError::UnsupportedMediaType),
    }
    text_body(request)
}

/// Whether the request says its body is XML (`application/xml`, `text/xml`, `…+xml`).
pub fn is_xml(request: &Request) -> bool {
    media_type(request).is_some_and(|t| t == "application/xml" || t == "text/xml" || t.ends_with("+xml"))
}

/// The request body as text, whatever its type: at most 256 KiB, UTF-8, not empty.
pub fn text_body(request: &Request) -> Result<&str, ApiError> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES });
    }
    if bytes.is_empty() {
        return Err(ApiError::Malformed { pointer: String::new(), detail: "the request body is empty".into() });
    }
    std::str::from_utf8(bytes)
        .map_err(|e| ApiError::Malformed { pointer: String::new(), detail: format!("the body is not UTF-8: {e}") })
}

/// A query parameter, if present.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    request.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_owned)
}

/// `?limit=` of a list: 50 when absent, else a whole number from 1 to 200 (docs/api-conventions.md "Lists").
pub fn limit_param(request: &Request) -> Result<i32, ApiError> {
    match query_param(request, "limit") {
        None => Ok(50),
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or(ApiError::InvalidParameter { name: "limit", detail: "must be a whole number from 1 to 200".into() }),
    }
}

/// A JSON body parsed into `T`; a structural problem is a 400 naming where parsing stopped.
pub fn parse_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| ApiError::from(orders_domain::intake::malformed_at(e)))
}

/// An action's body that carries nothing: none, or `{}` (anything else is a 400 naming where parsing stopped).
pub fn no_body(request: &Request) -> Result<(), ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Nothing {}
    if !request.body().is_empty() {
        let _: Nothing = parse_json(json_body(request)?)?;
    }
    Ok(())
}

/// A JSON response with extra headers.
pub fn json_response(status: StatusCode, body: &serde_json::Value, headers: &[(&str, String)]) -> Response<Body> {
    let mut builder = Response::builder().status(status).header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    builder.body(Body::Text(body.to_string())).unwrap_or_else(|_| Response::new(Body::Empty))
}

/// The `ETag` of a resource (an order, an invoice) at `version`.
pub fn etag(version: u64) -> String {
    orders_app::staff::IfMatch::etag(version)
}

/// Refuses an action whose `If-Match` names another version than the resource's current one (412); no `If-Match`
/// means "whatever is current" (the action then only needs the resource unchanged while it runs). `what` names
/// the resource in the problem ("the order").
pub fn check_if_match(request: &Request, version: u64, what: &str) -> Result<(), ApiError> {
    Ok(if_match(request).check(version, what)?)
}

/// The request's `If-Match`, for a use case to check against the version it reads.
pub fn if_match(request: &Request) -> orders_app::staff::IfMatch {
    match request.headers().get("if-match") {
        None => orders_app::staff::IfMatch::any(),
        Some(value) => orders_app::staff::IfMatch::new(value.to_str().map_err(|_| ())),
    }
}

/// What a request gets: the route's response, or its error as a problem document (logged once, with the
/// Lambda request id, `local` outside Lambda).
pub fn answer(request: &Request, result: Result<Response<Body>, ApiError>) -> Response<Body> {
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    match result {
        Ok(response) => response,
        Err(error) => {
            tracing::info!(request_id = %request_id, status = error.status().as_u16(), error = %error, "request refused");
            error.into_response(&request_id)
        }
    }
}

/// The order statuses a list asks for in `?status=` (comma-separated names): every status without the parameter,
/// 400 for a name that is no status or for none at all.
pub fn statuses_param(raw: Option<String>) -> Result<Vec<orders_domain::order::OrderStatus>, ApiError> {
    use orders_domain::listing::ALL_STATUSES;
    use orders_domain::order::OrderStatus;
    let Some(raw) = raw else { return Ok(ALL_STATUSES.to_vec()) };
    let mut statuses = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let status = OrderStatus::parse(name).ok_or_else(|| ApiError::InvalidParameter {
            name: "status",
            detail: format!("{name:?} is not a status ({})", ALL_STATUSES.map(OrderStatus::as_str).join(", ")),
        })?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    if statuses.is_empty() {
        return Err(ApiError::InvalidParameter { name: "status", detail: "name at least one status".into() });
    }
    Ok(statuses)
}
