//! Buyer access to the portal: a signed, expiring magic link names a buyer-link record or an order's standing
//! link (either of which the seller can revoke); opening it gives a signed, HttpOnly, SameSite=Strict portal
//! session cookie with a CSRF token. Every request re-reads the link record, so revoking a link ends its sessions
//! at once.

use lambda_http::http::HeaderMap;
use lambda_http::Request;
use serde::{Deserialize, Serialize};

use orders_aws::store::BuyerLinkRecord;
use orders_aws::Store;
pub use orders_domain::buyer_link::LinkClaims;
pub use orders_domain::buyer_link::LinkScope;
use orders_domain::buyer_link::{order_of_link, LinkRefusal, LinkSealer};
use orders_domain::ids::{CustomerId, OrderId, QuoteId, TenantId};

use orders_aws::SecretKeys;
use orders_domain::signing::TokenSigner;

use crate::session::{cookie_value, csrf_matches_token, is_write};
use crate::ApiError;

/// Name of the portal session cookie.
pub const PORTAL_COOKIE: &str = "orders_portal";
/// How long a portal session lasts at most (seconds); never beyond its link.
pub const PORTAL_SESSION_SECONDS: i64 = 8 * 3600;

/// What the portal cookie says: the link it was opened with, its expiry and its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalSession {
    /// The link it was opened with.
    #[serde(flatten)]
    pub link: LinkClaims,
    /// Unix time the session ends.
    #[serde(rename = "s")]
    pub session_expires_at: i64,
    /// The CSRF token writes must repeat in `X-CSRF-Token`.
    #[serde(rename = "x")]
    pub csrf: String,
}

/// A buyer let in: who, at which seller, through which link.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// The seller.
    pub tenant: TenantId,
    /// The buyer.
    pub customer: CustomerId,
    /// The link record (as stored, not revoked).
    pub link: BuyerLinkRecord,
    /// What the link opens.
    pub scope: LinkScope,
    /// The session.
    pub session: PortalSession,
}

/// What a buyer who came in with an order or quote link is told where only an account key goes.
const ACCOUNT_ONLY: &str =
    "this link opens one order or quote; the shop, the cart and your other orders need the buyer account key the \
     seller can send you";

impl Buyer {
    /// 403 unless the buyer came in with an account key (the shop, the cart, ordering, every order).
    pub fn require_account(&self) -> Result<(), ApiError> {
        if self.scope.opens_account() {
            Ok(())
        } else {
            Err(ApiError::OutOfLinkScope(ACCOUNT_ONLY))
        }
    }

    /// Whether the buyer's link reaches order `order` (whose buyer is checked apart): an account key any, an
    /// order link its order, a quote link the order its quote became.
    pub async fn reaches_order(&self, store: &Store, order: &OrderId) -> Result<bool, ApiError> {
        Ok(self.scope.opens_account() || self.scope_orders(store).await?.contains(order))
    }

    /// The orders an order or quote link reaches (none for an account key, which reaches every order of its buyer).
    pub async fn scope_orders(&self, store: &Store) -> Result<Vec<OrderId>, ApiError> {
        Ok(match &self.scope {
            LinkScope::Account => Vec::new(),
            LinkScope::Order(own) => vec![own.clone()],
            LinkScope::Quote(quote) => store
                .quote_versions(&self.tenant, quote)
                .await?
                .into_iter()
                .filter(|q| q.buyer.customer_id == self.customer)
                .filter_map(|q| q.order_id)
                .collect(),
        })
    }

    /// Whether the buyer's link reaches quote `quote` (whose buyer is checked apart).
    pub fn reaches_quote(&self, quote: &QuoteId) -> bool {
        self.scope.reaches_quote(quote)
    }

    /// Logs this buyer's access to `order` — a view, or a download (`download`) of `what` — in the order's access
    /// log (by day and link, outside the order's own partition).
    pub async fn log_access(&self, store: &Store, order: &OrderId, download: bool, what: &str) -> Result<(), ApiError> {
        let access = orders_aws::store::BuyerAccessEvent {
            tenant: &self.tenant,
            order,
            customer: &self.customer,
            link_id: &self.link.link_id,
            download,
            what,
            at: time::OffsetDateTime::now_utc(),
        };
        store.log_buyer_access(&access).await?;
        Ok(())
    }
}

/// Seals and opens magic links and portal sessions, and lets buyers in. Links and sessions have keys of their
/// own (a function that only checks sessions, like billing's buyer downloads, has no link keys).
#[derive(Debug, Clone)]
pub struct BuyerGate {
    store: Store,
    links: Option<SecretKeys>,
    sessions: SecretKeys,
}

/// The purpose every portal session token is sealed for.
const SESSION_PURPOSE: &str = "orders-portal-session:";

impl BuyerGate {
    /// A gate over `store`'s link records, opening portal sessions with `sessions` and links with `links`.
    pub fn new(store: Store, sessions: SecretKeys, links: Option<SecretKeys>) -> Self {
        Self { store, links, sessions }
    }

    /// The claims of a token sealed with the link keys, whatever its expiry; `None` for anything else.
    async fn open_link(&self, token: &str) -> Result<Option<LinkClaims>, ApiError> {
        let keys = self.links.as_ref().ok_or_else(|| ApiError::Unavailable("this function opens no links".into()))?;
        let ring = keys.ring_for(orders_domain::signing::token_kid(token.trim())).await?;
        Ok(LinkSealer::new(ring).open(token))
    }

    /// Opens a magic link at `now`: 401 when it is not ours, expired, revoked, its record is gone or it names an
    /// order that is not its buyer's; otherwise the session to set (ending with the link, at most
    /// [`PORTAL_SESSION_SECONDS`] from now), its record and what it opens.
    pub async fn open_session(
        &self,
        token: &str,
        now: i64,
    ) -> Result<(PortalSession, BuyerLinkRecord, LinkScope), ApiError> {
        let claims = self.open_link(token).await?.ok_or(ApiError::LinkRefused("this link is not valid"))?;
        let (record, scope) = self.live_record(&claims, now).await?;
        // An order link must name an order of its buyer that exists (a standing link's token is all there is of it).
        if let LinkScope::Order(order) = &scope {
            let stored = self.store.get_order_record(&record.tenant, order).await?;
            if stored.is_none_or(|stored| stored.order.buyer.customer_id != record.customer_id) {
                return Err(ApiError::LinkRefused(LinkRefusal::NotValid.message()));
            }
        }
        let csrf = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let session_expires_at = (now + PORTAL_SESSION_SECONDS).min(claims.expires_at);
        Ok((PortalSession { link: claims, session_expires_at, csrf }, record, scope))
    }

    /// The cookie value of `session`.
    pub async fn seal_session(&self, session: &PortalSession) -> Result<String, ApiError> {
        let signer = TokenSigner::new(SESSION_PURPOSE, self.sessions.ring().await?);
        Ok(signer.seal(&serde_json::to_vec(session).unwrap_or_default()))
    }

    /// The buyer of the request's portal cookie: 401 without a live session or when its link was revoked or
    /// expired, 403 for a write without the session's CSRF token.
    pub async fn buyer(&self, request: &Request) -> Result<Buyer, ApiError> {
        let headers = request.headers();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let cookie = portal_cookie(headers).ok_or(ApiError::Unauthorized)?;
        let signer =
            TokenSigner::new(SESSION_PURPOSE, self.sessions.ring_for(orders_domain::signing::token_kid(cookie)).await?);
        let session: PortalSession = signer
            .open(cookie)
            .and_then(|payload| serde_json::from_slice(&payload).ok())
            .filter(|s: &PortalSession| s.session_expires_at > now)
            .ok_or(ApiError::Unauthorized)?;
        if is_write(request.method()) && !csrf_matches_token(headers, &session.csrf) {
            return Err(ApiError::CsrfTokenMissing);
        }
        let (link, scope) = self.live_record(&session.link, now).await?;
        Ok(Buyer { tenant: link.tenant.clone(), customer: link.customer_id.clone(), link, scope, session })
    }

    /// The live record of a link with `claims` and what it opens: refused when the link or everything of its
    /// buyer was revoked, the buyer blocked, or the link expired or names nothing it could open.
    async fn live_record(&self, claims: &LinkClaims, now: i64) -> Result<(BuyerLinkRecord, LinkScope), ApiError> {
        let refused = |refusal: LinkRefusal| ApiError::LinkRefused(refusal.message());
        let tenant = TenantId::parse(claims.tenant.clone()).map_err(|_| refused(LinkRefusal::NotValid))?;
        let customer = CustomerId::parse(claims.customer.clone()).map_err(|_| refused(LinkRefusal::NotValid))?;
        let (stored, access) = self.store.buyer_link_and_access(&tenant, &claims.link_id, &customer).await?;
        access.admits(claims, now).map_err(refused)?;
        // An order's standing link has no record until the seller revokes it: its sealed claims are the record.
        let stored = match (stored, order_of_link(&claims.link_id)) {
            (None, Some(order)) => Some(BuyerLinkRecord::standing(tenant, customer, &order, claims.expires_at)),
            (stored, _) => stored,
        };
        let record =
            stored.filter(|r| r.customer_id.as_str() == claims.customer).ok_or(refused(LinkRefusal::NotValid))?;
        if record.revoked_at.is_some() {
            return Err(refused(LinkRefusal::Revoked));
        }
        let scope =
            LinkScope::of(&record.purpose, record.reference.as_deref()).ok_or(refused(LinkRefusal::NotValid))?;
        Ok((record, scope))
    }
}

/// The value of the portal cookie the request carries, if any.
pub fn portal_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, PORTAL_COOKIE)
}

/// `Set-Cookie` for a portal session of `value` lasting `max_age` seconds (scoped to the portal's routes).
pub fn set_portal_cookie(value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{PORTAL_COOKIE}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}", max_age.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::{header, HeaderValue};
    use orders_domain::signing::KeyRing;

    fn keys(secret: &str, purpose: orders_aws::SecretPurpose) -> SecretKeys {
        SecretKeys::fixed(KeyRing::single("k1", secret).expect("ring"), purpose)
    }

    fn gate() -> BuyerGate {
        let config = orders_aws::aws_sdk_dynamodb::Config::builder().behavior_version_latest().build();
        let store = Store::new(orders_aws::aws_sdk_dynamodb::Client::from_conf(config), "table");
        let secret = "a-test-secret-of-at-least-32-characters";
        BuyerGate::new(
            store,
            keys(secret, orders_aws::SecretPurpose::PortalSession),
            Some(keys(secret, orders_aws::SecretPurpose::BuyerLink)),
        )
    }

    #[tokio::test]
    async fn links_open_only_as_sealed_and_a_session_is_no_link() {
        let gate = gate();
        let claims = LinkClaims {
            tenant: "demo".into(),
            customer: "C-1".into(),
            link_id: "lnk_1".into(),
            expires_at: 99,
            issued_at: 9,
        };
        let sealer = LinkSealer::new(gate.links.as_ref().expect("link keys").ring().await.expect("ring"));
        let token = sealer.seal(&claims);
        assert_eq!(gate.open_link(&token).await.expect("opened"), Some(claims.clone()));
        let (head, signature) = token.rsplit_once('.').expect("three parts");
        assert_eq!(gate.open_link(&format!("{head}A.{signature}")).await.expect("opened"), None);
        // A session cookie is not a link, even under the same secret.
        let session = PortalSession { link: claims, session_expires_at: 99, csrf: "x".into() };
        assert_eq!(gate.open_link(&gate.seal_session(&session).await.expect("sealed")).await.expect("opened"), None);
    }

    #[test]
    fn the_portal_cookie_is_found_and_strict() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("orders_session=a.b; orders_portal=c.d"));
        assert_eq!(portal_cookie(&headers), Some("c.d"));
        let cookie = set_portal_cookie("v", 60, true);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"));
    }
}
