//! What our two web pages (the console and the buyer portal) answer alike: the security headers of every answer,
//! and static assets.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};

/// Only scripts, styles, images and requests of our own origin; no frames, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Adds the page security headers (CSP, no sniffing, no framing, no referrer, not cached unless it says so).
pub fn with_security_headers(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A static asset (revalidated on every use, so a deployment shows at once).
pub fn asset(content_type: &'static str, text: impl Into<String>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::Text(text.into()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// An HTML page.
pub fn html(page: String) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::Text(page))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
