//! What our two web pages (the console and the buyer portal) answer alike: the security headers of every answer,
//! and static assets.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};

/// Only scripts, styles, images and requests of our own origin; no frames, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `Content-Disposition` for a file named `filename` (RFC 6266): `disposition` (`attachment` or `inline`), an
/// ASCII `filename` for old clients (anything else as `_`) and the exact name as `filename*` (RFC 8187, UTF-8,
/// percent-encoded), so no name can break out of the header or its quotes.
pub fn content_disposition(disposition: &str, filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if keep {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

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

/// The order statuses with their badge tones and what each allows ([`orders_domain::lifecycle::status_table`]), as
/// the JSON data block the console and portal pages carry (`<` escaped, so nothing can end the block): their
/// scripts take the status list, the badge colours and which actions to offer from it, never from lists of their own.
pub fn status_table_json() -> String {
    serde_json::to_string(&orders_domain::lifecycle::status_table())
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod disposition_tests {
    use super::content_disposition;

    #[test]
    fn a_file_name_never_breaks_out_of_the_header() {
        assert_eq!(
            content_disposition("attachment", "INV-1.pdf"),
            "attachment; filename=\"INV-1.pdf\"; filename*=UTF-8''INV-1.pdf"
        );
        assert_eq!(
            content_disposition("inline", "Faktura Åsa\"; x=\r\n.pdf"),
            "inline; filename=\"Faktura _sa__ x=__.pdf\"; filename*=UTF-8''Faktura%20%C3%85sa%22%3B%20x%3D%0D%0A.pdf"
        );
    }
}
