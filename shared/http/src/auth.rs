//! Who is calling: the API key of `Authorization: Bearer`, looked up by its SHA-256, or the console session cookie
//! naming such a key; and whether its role may do what the route does.

use lambda_http::http::header;
use lambda_http::Request;
use orders_aws::store::{ApiKeyRecord, CallerKey, PresumedKey};
use orders_aws::Store;
use orders_domain::fingerprint::api_key_hash;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orders_domain::ids::{Role, TenantId};

use crate::session::{csrf_matches, is_write, session_cookie, Session, SessionSigner};
use crate::{bearer_token, ApiError};

/// How often a function container records that a key was used (its `last_used_at` is to this precision).
const USE_RECORDED_EVERY: Duration = Duration::from_secs(3600);

/// What an API function needs to know who calls: the key store and the session signer.
#[derive(Debug, Clone)]
pub struct Gatekeeper {
    store: Store,
    sessions: SessionSigner,
    /// When this container last recorded each key's use.
    recorded: Arc<Mutex<HashMap<String, Instant>>>,
    /// The keys this container authenticated, by their SHA-256: presumed on their next request, whose first read
    /// then confirms them ([`PresumedKey`]).
    known: Arc<Mutex<HashMap<String, ApiKeyRecord>>>,
}

/// How many keys a container remembers (it forgets them all past that; the next request of each reads it again).
const KNOWN_KEYS: usize = 1024;

impl Gatekeeper {
    /// A gatekeeper over `store`'s keys, opening sessions sealed with the console-session `keys`.
    pub fn new(store: Store, keys: orders_aws::SecretKeys) -> Self {
        Self { store, sessions: SessionSigner::new(keys), recorded: Arc::default(), known: Arc::default() }
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
        let key = if !uses_bearer(headers) {
            self.session(request).await?.1
        } else {
            let token = bearer_token(headers)?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            self.store
                .find_api_key(&api_key_hash(token))
                .await?
                .filter(|key| key.usable_at(now))
                .ok_or(ApiError::Unauthorized)?
        };
        if !allowed.contains(&key.role) {
            return Err(ApiError::Forbidden { role: key.role.as_str(), action });
        }
        self.record_use(&key).await;
        Ok(key)
    }

    /// The caller of a route whose use case reads the key's item in its own first read: a bearer key this
    /// container authenticated before, of a role in `allowed`, is presumed (no read here; the use case confirms it
    /// or refuses the request); any other caller is authenticated as by [`Gatekeeper::authenticate`], and a bearer
    /// key is remembered for its next request.
    pub async fn caller(
        &self,
        request: &Request,
        allowed: &[Role],
        action: &'static str,
    ) -> Result<CallerKey, ApiError> {
        let headers = request.headers();
        if !uses_bearer(headers) {
            return self.authenticate(request, allowed, action).await.map(CallerKey::Authenticated);
        }
        let hash = api_key_hash(bearer_token(headers)?);
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&hash).cloned();
        if let Some(record) = known.filter(|record| allowed.contains(&record.role)) {
            return Ok(CallerKey::Presumed(PresumedKey::new(hash, record)));
        }
        let key = self.authenticate(request, allowed, action).await?;
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= KNOWN_KEYS {
            known.clear();
        }
        known.insert(hash, key.clone());
        Ok(CallerKey::Authenticated(key))
    }

    /// Settles a call of a presumed key by its answer: a refusal as unauthenticated forgets the key (its next
    /// request reads it first again); an answer (the use case confirmed the key) records its use as
    /// [`Gatekeeper::authenticate`] does; an error leaves both as they are.
    pub async fn settle<T>(&self, caller: &CallerKey, answer: &Result<T, ApiError>) {
        let CallerKey::Presumed(presumed) = caller else { return };
        match answer {
            Ok(_) => self.record_use(presumed.record()).await,
            Err(ApiError::Unauthorized) => {
                self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(presumed.hash());
            }
            Err(_) => {}
        }
    }

    /// The caller's key, confirmed by its own read when it was presumed (for a use case that has no first read
    /// to share): 401 when it no longer opens anything.
    pub async fn confirmed(&self, caller: &CallerKey) -> Result<ApiKeyRecord, ApiError> {
        match caller {
            CallerKey::Authenticated(key) => Ok(key.clone()),
            CallerKey::Presumed(presumed) => self.store.confirm_presumed(presumed).await?.ok_or(ApiError::Unauthorized),
        }
    }

    /// Records that `key` was used, at most once per [`USE_RECORDED_EVERY`] per container (a failure is logged:
    /// it never stops the request).
    async fn record_use(&self, key: &ApiKeyRecord) {
        let due = {
            let mut recorded = self.recorded.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = recorded.get(&key.key_id).is_none_or(|at| at.elapsed() >= USE_RECORDED_EVERY);
            if due {
                recorded.insert(key.key_id.clone(), Instant::now());
            }
            due
        };
        if due {
            let at = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            if let Err(error) = self.store.record_key_use(&key.tenant, &key.key_id, &at).await {
                tracing::warn!(key_id = %key.key_id, %error, "the key's use was not recorded");
            }
        }
    }

    /// The live session of the request's cookie and the key it names: 401 without one, when it expired, was
    /// logged out of, or its key is gone, revoked or expired; 403 for a write without the session's CSRF token.
    pub async fn session(&self, request: &Request) -> Result<(Session, ApiKeyRecord), ApiError> {
        let headers = request.headers();
        let cookie = session_cookie(headers).ok_or(ApiError::Unauthorized)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let session = self.sessions.open(cookie, now).await?.ok_or(ApiError::Unauthorized)?;
        if is_write(request.method()) && !csrf_matches(headers, &session) {
            return Err(ApiError::CsrfTokenMissing);
        }
        let tenant = TenantId::parse(session.tenant.clone()).map_err(|_| ApiError::Unauthorized)?;
        if session.session_id.is_empty() {
            return Err(ApiError::Unauthorized);
        }
        let (key, record) = self.store.api_key_and_session(&session.key_hash, &tenant, &session.session_id).await?;
        let key = key.filter(|key| key.usable_at(now) && key.tenant == tenant).ok_or(ApiError::Unauthorized)?;
        record.filter(|record| record.key_hash == session.key_hash).ok_or(ApiError::Unauthorized)?;
        Ok((session, key))
    }
}

/// Whether a request authenticates with a bearer key: it has `Authorization`, or no session cookie (then a missing
/// key is a 401). A bearer token wins over a cookie.
fn uses_bearer(headers: &lambda_http::http::HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || session_cookie(headers).is_none()
}
