//! Who is calling: the API key of `Authorization: Bearer`, looked up by its SHA-256, or the console session cookie
//! naming such a key; and whether its role may do what the route does.

use lambda_http::http::header;
use lambda_http::Request;
use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::fingerprint::api_key_hash;
use orders_domain::ids::Role;

use crate::session::{csrf_matches, is_write, session_cookie, Session, SessionSigner};
use crate::{bearer_token, ApiError};

/// What an API function needs to know who calls: the key store and the session signer.
#[derive(Debug, Clone)]
pub struct Gatekeeper {
    store: Store,
    sessions: SessionSigner,
}

impl Gatekeeper {
    /// A gatekeeper over `store`'s keys, opening sessions sealed with the console-session `keys`.
    pub fn new(store: Store, keys: orders_aws::SecretKeys) -> Self {
        Self { store, sessions: SessionSigner::new(keys) }
    }

    /// The signer of console sessions.
    pub fn sessions(&self) -> &SessionSigner {
        &self.sessions
    }

    /// The caller's key: 401 without a known key or a live session, 403 for a cookie-authenticated write without
    /// the CSRF token, 403 when its role is not in `allowed` (`action` says what was refused). A bearer token wins
    /// over a cookie.
    pub async fn authenticate(
        &self,
        request: &Request,
        allowed: &[Role],
        action: &'static str,
    ) -> Result<ApiKeyRecord, ApiError> {
        let headers = request.headers();
        let key = if !headers.contains_key(header::AUTHORIZATION) && session_cookie(headers).is_some() {
            self.session(request).await?.1
        } else {
            let token = bearer_token(headers)?;
            self.store.find_api_key(&api_key_hash(token)).await?.ok_or(ApiError::Unauthorized)?
        };
        if !allowed.contains(&key.role) {
            return Err(ApiError::Forbidden { role: key.role.as_str(), action });
        }
        Ok(key)
    }

    /// The live session of the request's cookie and the key it names: 401 without one, when it expired or its
    /// key is gone; 403 for a write without the session's CSRF token.
    pub async fn session(&self, request: &Request) -> Result<(Session, ApiKeyRecord), ApiError> {
        let headers = request.headers();
        let cookie = session_cookie(headers).ok_or(ApiError::Unauthorized)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let session = self.sessions.open(cookie, now).await?.ok_or(ApiError::Unauthorized)?;
        if is_write(request.method()) && !csrf_matches(headers, &session) {
            return Err(ApiError::CsrfTokenMissing);
        }
        let key = self.store.find_api_key(&session.key_hash).await?.ok_or(ApiError::Unauthorized)?;
        if key.tenant.as_str() != session.tenant {
            return Err(ApiError::Unauthorized);
        }
        Ok((session, key))
    }
}
