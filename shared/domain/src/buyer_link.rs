//! Magic links into the buyer portal: what a link says (which buyer of which seller, through which link, until
//! when), sealed with HMAC so nobody can change a word of it, and the links every buyer email carries.
//!
//! Two kinds of link ids: `lnk_` + UUID names a stored link record (quotes, invitations), made when it is sent;
//! `lnk_o` + the order's 32 hex digits is an order's standing link, which every email about that order carries and
//! which needs no record until the seller revokes it (so an email costs no write).

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::ids::{CustomerId, OrderId, QuoteId, TenantId};
use crate::signing::{KeyRing, TokenSigner};

/// How long the link in an order email works (days from the email).
pub const ORDER_LINK_DAYS: i64 = 180;

/// What a magic link says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    /// The seller.
    #[serde(rename = "t")]
    pub tenant: String,
    /// The buyer.
    #[serde(rename = "c")]
    pub customer: String,
    /// The link (a record's id, or an order's standing link).
    #[serde(rename = "l")]
    pub link_id: String,
    /// Unix time the link stops working.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// Unix time the link was made (sent): a revocation of everything of the buyer refuses links made until then.
    /// Links sealed before this claim existed carry 0.
    #[serde(rename = "i", default)]
    pub issued_at: i64,
}

/// What a link opens. A link names one buyer at one seller, and within that:
/// - an order link (in every email about an order) reads that order, its documents and history, and may ask for
///   a change or cancellation of it and write a message about it — nothing else;
/// - a quote link reads, accepts or declines that quote, and reads the order it became;
/// - an account key (an invited buyer's) opens the shop, the cart, ordering, and all the buyer's orders, quotes
///   and documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkScope {
    /// One order.
    Order(OrderId),
    /// One quote (and the order it became).
    Quote(QuoteId),
    /// The buyer's account.
    Account,
}

impl LinkScope {
    /// The scope of a link record sent for `purpose` about `reference`; `None` for anything else.
    pub fn of(purpose: &str, reference: Option<&str>) -> Option<Self> {
        match (purpose, reference) {
            ("order", Some(order)) => OrderId::parse_public(order).ok().map(Self::Order),
            ("quote", Some(quote)) => QuoteId::parse_public(quote).ok().map(Self::Quote),
            ("account", None) => Some(Self::Account),
            _ => None,
        }
    }

    /// Whether it opens the buyer's account (shop, cart, ordering, every order and document).
    pub fn opens_account(&self) -> bool {
        matches!(self, Self::Account)
    }

    /// Whether it reaches quote `quote` of its buyer.
    pub fn reaches_quote(&self, quote: &QuoteId) -> bool {
        match self {
            Self::Account => true,
            Self::Quote(own) => own == quote,
            Self::Order(_) => false,
        }
    }

    /// Its kind as the API names it (`order`, `quote`, `account`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Order(_) => "order",
            Self::Quote(_) => "quote",
            Self::Account => "account",
        }
    }
}

/// What the seller decided about all links of one buyer: every link, key and session made until
/// `links_valid_after` is refused (a revocation of everything of the buyer), and a blocked buyer is let in by
/// none. It is kept as long as the buyer is: it must outlive every token it refuses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerAccess {
    /// Unix time until which links were revoked (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_valid_after: Option<i64>,
    /// Whether the seller blocked the buyer from the portal.
    #[serde(default)]
    pub blocked: bool,
}

/// Why a link or a session of one is not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    /// Not sealed by us, or it names nothing that exists.
    #[error("this link is not valid")]
    NotValid,
    /// Past its end.
    #[error("this link has expired; ask the seller for a new one")]
    Expired,
    /// Revoked by the seller (itself, or everything of its buyer).
    #[error("this link was revoked by the seller")]
    Revoked,
    /// The seller blocked the buyer.
    #[error("the seller has closed the portal to this buyer")]
    Blocked,
}

impl LinkRefusal {
    /// What the buyer is told.
    pub fn message(self) -> &'static str {
        match self {
            Self::NotValid => "this link is not valid",
            Self::Expired => "this link has expired; ask the seller for a new one",
            Self::Revoked => "this link was revoked by the seller",
            Self::Blocked => "the seller has closed the portal to this buyer",
        }
    }
}

impl BuyerAccess {
    /// Whether a link with `claims` is let in at `now` (Unix time) as far as its expiry and the buyer's access
    /// go (the link's own record is checked apart).
    pub fn admits(&self, claims: &LinkClaims, now: i64) -> Result<(), LinkRefusal> {
        if self.blocked {
            return Err(LinkRefusal::Blocked);
        }
        if claims.expires_at <= now {
            return Err(LinkRefusal::Expired);
        }
        if self.links_valid_after.is_some_and(|after| claims.issued_at <= after) {
            return Err(LinkRefusal::Revoked);
        }
        Ok(())
    }

    /// Revokes every link made until `now`; blocks or unblocks when `blocked` says so.
    pub fn revoked_at(&self, now: i64, blocked: Option<bool>) -> Self {
        Self {
            links_valid_after: Some(self.links_valid_after.map_or(now, |after| after.max(now))),
            blocked: blocked.unwrap_or(self.blocked),
        }
    }
}

/// Seals and opens magic links (its own key purpose: no other token of ours opens as a link).
#[derive(Debug, Clone)]
pub struct LinkSealer {
    signer: TokenSigner,
}

impl LinkSealer {
    /// A sealer with the buyer-link keys `ring`.
    pub fn new(ring: Arc<KeyRing>) -> Self {
        Self { signer: TokenSigner::new("orders-buyer-link:", ring) }
    }

    /// The token of `claims`.
    pub fn seal(&self, claims: &LinkClaims) -> String {
        self.signer.seal(&serde_json::to_vec(claims).unwrap_or_default())
    }

    /// The claims of a token this sealer sealed, whatever its expiry; `None` for anything else.
    pub fn open(&self, token: &str) -> Option<LinkClaims> {
        serde_json::from_slice(&self.signer.open(token.trim())?).ok()
    }
}

/// The standing link id of `order` (`lnk_o` + its hex digits).
pub fn order_link_id(order: &OrderId) -> String {
    format!("lnk_o{}", order.as_str().trim_start_matches("ord_"))
}

/// The order whose standing link `link_id` is, if it is one.
pub fn order_of_link(link_id: &str) -> Option<OrderId> {
    let hex = link_id.strip_prefix("lnk_o")?;
    OrderId::parse_public(&format!("ord_{hex}")).ok()
}

/// The portal's URL as links start with it (no trailing slash); only http(s) URLs are.
pub fn portal_base_url(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("the portal URL must be an http(s) URL, not {url:?}"));
    }
    Ok(url.to_owned())
}

/// Where buyer emails point: the portal's address and the sealer of its links.
#[derive(Debug, Clone)]
pub struct PortalLinks {
    sealer: LinkSealer,
    /// The portal page's URL (`https://…/portal`), without a trailing slash.
    base_url: String,
}

impl PortalLinks {
    /// Links to the portal at `base_url`, sealed with the buyer-link keys `ring`.
    pub fn new(base_url: &str, ring: Arc<KeyRing>) -> Result<Self, String> {
        Self::with_sealer(base_url, LinkSealer::new(ring))
    }

    /// Links to the portal at `base_url`, sealed by `sealer`.
    pub fn with_sealer(base_url: &str, sealer: LinkSealer) -> Result<Self, String> {
        Ok(Self { sealer, base_url: portal_base_url(base_url)? })
    }

    /// The link an email about `order` of `customer` carries, working for [`ORDER_LINK_DAYS`] from `now`
    /// (Unix time). The token is in the fragment: browsers never send it to a server or in a Referer.
    pub fn order_url(&self, tenant: &TenantId, customer: &CustomerId, order: &OrderId, now: i64) -> String {
        let claims = LinkClaims {
            tenant: tenant.to_string(),
            customer: customer.to_string(),
            link_id: order_link_id(order),
            expires_at: now + ORDER_LINK_DAYS * 86_400,
            issued_at: now,
        };
        format!("{}/orders/{}#link={}", self.base_url, order, self.sealer.seal(&claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-of-at-least-32-characters";

    fn ring(secret: &str) -> Arc<KeyRing> {
        Arc::new(KeyRing::single("k1", secret).expect("ring"))
    }

    #[test]
    fn an_order_link_names_its_order_and_buyer_and_opens_only_unchanged() {
        let order = OrderId::parse_public("ord_0123456789abcdef0123456789abcdef").expect("order id");
        let links = PortalLinks::new("http://127.0.0.1:3000/portal/", ring(SECRET)).expect("links");
        let tenant = TenantId::parse("demo".to_owned()).expect("tenant");
        let customer = CustomerId::parse("C-1").expect("customer");
        let url = links.order_url(&tenant, &customer, &order, 1_000);
        let (page, token) = url.split_once("#link=").expect("a fragment");
        assert_eq!(page, format!("http://127.0.0.1:3000/portal/orders/{order}"));
        let claims = LinkSealer::new(ring(SECRET)).open(token).expect("opens");
        assert_eq!(claims.customer, "C-1");
        assert_eq!(claims.tenant, "demo");
        assert_eq!(claims.expires_at, 1_000 + ORDER_LINK_DAYS * 86_400);
        assert_eq!(claims.issued_at, 1_000);
        assert_eq!(order_of_link(&claims.link_id), Some(order));
        assert!(LinkSealer::new(ring("another-secret-of-at-least-32-characters")).open(token).is_none());
        let mut tampered = token.to_owned();
        tampered.replace_range(5..6, if &token[5..6] == "A" { "B" } else { "A" });
        assert!(LinkSealer::new(ring(SECRET)).open(&tampered).is_none());
    }

    #[test]
    fn a_revocation_of_everything_refuses_links_made_until_then_and_a_block_refuses_all() {
        let claims = |issued_at| LinkClaims {
            tenant: "demo".into(),
            customer: "C-1".into(),
            link_id: "lnk_1".into(),
            expires_at: 10_000,
            issued_at,
        };
        let open = BuyerAccess::default();
        assert_eq!(open.admits(&claims(100), 200), Ok(()));
        assert_eq!(open.admits(&claims(100), 10_000), Err(LinkRefusal::Expired));
        let revoked = open.revoked_at(500, None);
        assert_eq!(revoked.admits(&claims(100), 600), Err(LinkRefusal::Revoked));
        assert_eq!(revoked.admits(&claims(500), 600), Err(LinkRefusal::Revoked), "made in the same second");
        assert_eq!(revoked.admits(&claims(501), 600), Ok(()), "a later email's link works");
        // A revocation never moves back in time, and a block refuses every link, old or new.
        assert_eq!(revoked.revoked_at(400, None).links_valid_after, Some(500));
        let blocked = revoked.revoked_at(700, Some(true));
        assert_eq!(blocked.admits(&claims(800), 900), Err(LinkRefusal::Blocked));
        let unblocked = blocked.revoked_at(900, Some(false));
        assert_eq!(unblocked.admits(&claims(800), 950), Err(LinkRefusal::Revoked), "unblocking revives nothing");
        assert_eq!(unblocked.admits(&claims(901), 950), Ok(()));
    }

    #[test]
    fn a_link_opens_what_it_was_sent_for() {
        let order = OrderId::parse_public("ord_0123456789abcdef0123456789abcdef").expect("order id");
        let quote = QuoteId::parse_public("quo_0123456789abcdef0123456789abcdef").expect("quote id");
        let other = QuoteId::parse_public("quo_ffffffffffffffffffffffffffffffff").expect("quote id");
        assert_eq!(LinkScope::of("order", Some(order.as_str())), Some(LinkScope::Order(order.clone())));
        assert_eq!(LinkScope::of("account", None), Some(LinkScope::Account));
        assert_eq!(LinkScope::of("account", Some(order.as_str())), None, "an account key names nothing");
        assert_eq!(LinkScope::of("quote", Some(order.as_str())), None, "a quote link names a quote");
        assert_eq!(LinkScope::of("invoice", Some(order.as_str())), None);
        let quoted = LinkScope::of("quote", Some(quote.as_str())).expect("a quote link");
        assert!(quoted.reaches_quote(&quote) && !quoted.reaches_quote(&other) && !quoted.opens_account());
        assert!(!LinkScope::Order(order).reaches_quote(&quote));
        assert!(LinkScope::Account.reaches_quote(&other) && LinkScope::Account.opens_account());
    }

    #[test]
    fn only_order_links_name_orders() {
        assert_eq!(order_of_link("lnk_0190aa"), None);
        assert_eq!(order_of_link("lnk_onothex"), None);
        assert!(PortalLinks::new("javascript:alert(1)", ring(SECRET)).is_err());
    }
}
