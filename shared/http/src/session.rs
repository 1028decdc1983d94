//! Console sessions: a signed, HttpOnly, SameSite=Strict cookie naming the API key a person logged in with, its
//! tenant and role, an expiry and a CSRF token. Every API function accepts it in place of `Authorization: Bearer`;
//! a state-changing request authenticated by the cookie must repeat the CSRF token in `X-CSRF-Token`.

use lambda_http::http::{header, HeaderMap, Method};
use serde::{Deserialize, Serialize};

use orders_aws::SecretKeys;
use orders_domain::signing::{token_kid, TokenSigner};

use crate::ApiError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "orders_session";
/// Header a cookie-authenticated write must carry the session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts (seconds): a working day.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// What the cookie says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The tenant of the key.
    #[serde(rename = "t")]
    pub tenant: String,
    /// SHA-256 of the API key (how the key is stored); the key is looked up again on every request, so deleting
    /// it ends its sessions.
    #[serde(rename = "k")]
    pub key_hash: String,
    /// Unix time the session ends.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// The CSRF token writes must repeat.
    #[serde(rename = "c")]
    pub csrf: String,
    /// The session's record (`T#{tenant}#SES#{id}`): logging out deletes it, which ends the session.
    #[serde(rename = "i", default)]
    pub session_id: String,
}

impl Session {
    /// A new session for the key with `key_hash`, from `now` (unix seconds), with a fresh id and CSRF token.
    pub fn new(tenant: &str, key_hash: &str, now: i64) -> Self {
        let csrf = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        Self {
            tenant: tenant.to_owned(),
            key_hash: key_hash.to_owned(),
            expires_at: now + SESSION_SECONDS,
            csrf,
            session_id: format!("ses_{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

/// Seals and opens session cookies with HMAC-SHA256, with the console-session keys.
#[derive(Clone, Debug)]
pub struct SessionSigner {
    keys: SecretKeys,
}

/// The purpose every console session token is sealed for.
const PURPOSE: &str = "orders-session:";

impl SessionSigner {
    /// A signer with the console-session `keys`.
    pub fn new(keys: SecretKeys) -> Self {
        Self { keys }
    }

    /// The cookie value of `session` (503 when the keys cannot be read).
    pub async fn seal(&self, session: &Session) -> Result<String, ApiError> {
        let signer = TokenSigner::new(PURPOSE, self.keys.ring().await?);
        Ok(signer.seal(&serde_json::to_vec(session).unwrap_or_default()))
    }

    /// The session in `value` if one of the keys sealed it and it has not expired at `now`.
    pub async fn open(&self, value: &str, now: i64) -> Result<Option<Session>, ApiError> {
        let signer = TokenSigner::new(PURPOSE, self.keys.ring_for(token_kid(value)).await?);
        Ok(signer
            .open(value)
            .and_then(|payload| serde_json::from_slice::<Session>(&payload).ok())
            .filter(|session| session.expires_at > now))
    }
}

/// The value of the session cookie the request carries, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` the request carries, if any and not empty.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Whether the request came over HTTPS (API Gateway sets `X-Forwarded-Proto`); the cookie is `Secure` then.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for a new session that lasts `max_age` seconds.
pub fn set_session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// `Set-Cookie` that ends the session in the browser.
pub fn clear_session_cookie(secure: bool) -> String {
    set_session_cookie("", 0, secure)
}

/// Whether `method` changes state (everything but GET, HEAD and OPTIONS).
pub fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request repeats the session's CSRF token (compared in constant time).
pub fn csrf_matches(headers: &HeaderMap, session: &Session) -> bool {
    csrf_matches_token(headers, &session.csrf)
}

/// Whether the request's `X-CSRF-Token` is `expected` (compared in constant time).
pub fn csrf_matches_token(headers: &HeaderMap, expected: &str) -> bool {
    let Some(sent) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let (sent, expected) = (sent.as_bytes(), expected.as_bytes());
    sent.len() == expected.len() && sent.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use lambda_http::http::HeaderValue;

    const SECRET: &str = "a-test-secret-of-at-least-32-characters";

    fn signer(secret: &str) -> SessionSigner {
        let ring = orders_domain::signing::KeyRing::single("k1", secret).expect("ring");
        SessionSigner::new(SecretKeys::fixed(ring, orders_aws::SecretPurpose::ConsoleSession))
    }

    #[tokio::test]
    async fn sealed_sessions_open_until_they_expire() {
        let signer = signer(SECRET);
        let session = Session::new("demo", "abc", 1_000);
        let cookie = signer.seal(&session).await.expect("sealed");
        assert_eq!(signer.open(&cookie, 1_001).await.expect("opened"), Some(session.clone()));
        assert_eq!(signer.open(&cookie, 1_000 + SESSION_SECONDS).await.expect("opened"), None, "expired");
    }

    #[tokio::test]
    async fn altered_or_foreign_cookies_are_refused() {
        let signer = signer(SECRET);
        let cookie = signer.seal(&Session::new("demo", "abc", 1_000)).await.expect("sealed");
        let (head, signature) = cookie.rsplit_once('.').expect("three parts");
        let (kid, payload) = head.split_once('.').expect("a key id");
        let forged = URL_SAFE_NO_PAD.encode(
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("utf8").replace("demo", "othr"),
        );
        assert_eq!(signer.open(&format!("{kid}.{forged}.{signature}"), 1_001).await.expect("opened"), None);
        let other = self::signer("another-secret-of-at-least-32-characters");
        assert_eq!(other.open(&cookie, 1_001).await.expect("opened"), None);
        assert_eq!(signer.open("garbage", 1_001).await.expect("opened"), None);
    }

    #[test]
    fn the_cookie_is_found_among_others_and_csrf_must_match() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=sv; orders_session=abc.def; x=1"));
        assert_eq!(session_cookie(&headers), Some("abc.def"));
        let session = Session::new("demo", "abc", 0);
        assert!(!csrf_matches(&headers, &session));
        headers.insert(CSRF_HEADER, HeaderValue::from_str(&session.csrf).expect("ascii"));
        assert!(csrf_matches(&headers, &session));
        headers.insert(CSRF_HEADER, HeaderValue::from_static("nope"));
        assert!(!csrf_matches(&headers, &session));
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let cookie = set_session_cookie("v", 60, true);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"));
        assert!(!set_session_cookie("v", 60, false).contains("Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }
}
