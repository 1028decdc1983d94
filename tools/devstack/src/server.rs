//! Serves the template's HTTP API routes on localhost, turning each request into the API Gateway HTTP API (v2)
//! event Lambda would receive and calling the function's handler with it.

use orders_domain::parsing::form_decode;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::RequestExt;
use serde_json::json;
use tokio::net::TcpListener;

use crate::template::Route;

/// A function's HTTP handler, as Lambda would call it.
pub type HttpHandler = Arc<
    dyn Fn(lambda_http::Request) -> Pin<Box<dyn Future<Output = lambda_http::Response<lambda_http::Body>> + Send>>
        + Send
        + Sync,
>;

/// Largest request API Gateway accepts (10 MB); the function enforces its own lower limit.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// Routes and the handlers behind them.
#[derive(Clone)]
pub struct Gateway {
    routes: Vec<Route>,
    /// The `$default` route: what takes a request no route does (API Gateway's own 404 without one).
    default_route: Option<Route>,
    handlers: BTreeMap<String, HttpHandler>,
    health: Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("routes", &self.routes).finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway for `routes` (from the template); `health` answers `GET /healthz`.
    pub fn new(
        routes: Vec<Route>,
        health: impl Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync + 'static,
    ) -> Self {
        Self { routes, default_route: None, handlers: BTreeMap::new(), health: Arc::new(health) }
    }

    /// Sends every request no route takes to `route`'s function (the template's `$default` route), if any.
    pub fn with_default_route(mut self, route: Option<Route>) -> Self {
        self.default_route = route;
        self
    }

    /// Serves `function`'s routes with `handler`.
    pub fn with_function(mut self, function: &str, handler: HttpHandler) -> Self {
        self.handlers.insert(function.to_owned(), handler);
        self
    }

    /// Accepts connections on `listener` until the task is dropped.
    pub async fn serve(self, listener: TcpListener) {
        let gateway = Arc::new(self);
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            let gateway = gateway.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let gateway = gateway.clone();
                    async move { Ok::<_, Infallible>(gateway.dispatch(request, peer).await) }
                });
                if let Err(error) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                    tracing::debug!(%error, "connection ended");
                }
            });
        }
    }

    async fn dispatch(&self, request: hyper::Request<Incoming>, peer: SocketAddr) -> hyper::Response<Full<Bytes>> {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        if method == "GET" && path == "/healthz" {
            let ok = (self.health)().await;
            let status = if ok { 200 } else { 503 };
            return plain(status, &json!({ "status": if ok { "ok" } else { "starting" } }).to_string());
        }
        let routed = self.routes.iter().find_map(|r| r.matches(&method, &path).map(|p| (r, p)));
        let Some((route, params)) = routed.or_else(|| self.default_route.as_ref().map(|r| (r, BTreeMap::new()))) else {
            return plain(404, r#"{"message":"Not Found"}"#);
        };
        let Some(handler) = self.handlers.get(&route.function) else {
            return plain(502, &json!({ "message": format!("{} is not served locally", route.function) }).to_string());
        };
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, GATEWAY_MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return plain(413, r#"{"message":"Request Entity Too Large"}"#),
        };
        let event = api_gateway_event(&parts, &body, route, &params, peer);
        let lambda_request = match lambda_http::request::from_str(&event.to_string()) {
            Ok(request) => request,
            Err(error) => return plain(500, &json!({ "message": error.to_string() }).to_string()),
        };
        let mut context = lambda_http::Context::default();
        context.request_id = event["requestContext"]["requestId"].as_str().unwrap_or_default().to_owned();
        let response = handler(lambda_request.with_lambda_context(context)).await;
        to_hyper(response)
    }
}

fn plain(status: u16, body: &str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

/// The API Gateway HTTP API payload (format 2.0) for a request.
pub fn api_gateway_event(
    parts: &http::request::Parts,
    body: &[u8],
    route: &Route,
    params: &BTreeMap<String, String>,
    peer: SocketAddr,
) -> serde_json::Value {
    let mut headers = serde_json::Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split("; ").map(str::to_owned));
            continue;
        }
        let entry = headers.entry(name.as_str().to_owned()).or_insert_with(|| json!(""));
        let joined = match entry.as_str() {
            Some("") | None => value,
            Some(existing) => format!("{existing},{value}"),
        };
        *entry = json!(joined);
    }
    let raw_query = parts.uri.query().unwrap_or_default().to_owned();
    let (body_text, base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let now = time::OffsetDateTime::now_utc();
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route.key(),
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": crate::template::LOCAL_ACCOUNT_ID,
            "apiId": "local",
            "domainName": headers.get("host").and_then(|h| h.as_str()).unwrap_or("127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": headers.get("user-agent").and_then(|h| h.as_str()).unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": route.key(),
            "stage": "$default",
            "time": now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default(),
            "timeEpoch": now.unix_timestamp() * 1000 + i64::from(now.millisecond()),
        },
        "isBase64Encoded": base64,
    });
    if !body.is_empty() {
        event["body"] = json!(body_text);
    }
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !params.is_empty() {
        event["pathParameters"] = json!(params);
    }
    if !raw_query.is_empty() {
        let mut query = serde_json::Map::new();
        for (k, v) in url_pairs(&raw_query) {
            let entry = query.entry(k).or_insert_with(|| json!(""));
            let joined = match entry.as_str() {
                Some("") | None => v,
                Some(existing) => format!("{existing},{v}"),
            };
            *entry = json!(joined);
        }
        event["queryStringParameters"] = json!(query);
    }
    event
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn to_hyper(response: lambda_http::Response<lambda_http::Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(data) => Bytes::from(data),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_percent_decoded() {
        assert_eq!(
            url_pairs("a=1&b=x%20y&c=%2F+z"),
            vec![("a".into(), "1".into()), ("b".into(), "x y".into()), ("c".into(), "/ z".into())]
        );
        assert_eq!(form_decode("100%"), "100%");
    }
}
