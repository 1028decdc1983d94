//! Magic links into the buyer portal: what a link says (which buyer of which seller, through which link, until
//! when), sealed with HMAC so nobody can change a word of it, and the links every buyer email carries.
//!
//! Two kinds of link ids: `lnk_` + UUID names a stored link record (quotes, invitations), made when it is sent;
//! `lnk_o` + the order's 32 hex digits is an order's standing link, which every email about that order carries and
//! which needs no record until the seller revokes it (so an email costs no write).

use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, OrderId, TenantId};
use crate::signing::TokenSigner;

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
}

/// Seals and opens magic links (its own key purpose: no other token of ours opens as a link).
#[derive(Debug, Clone)]
pub struct LinkSealer {
    signer: TokenSigner,
}

impl LinkSealer {
    /// A sealer keyed by `secret` (at least 32 characters).
    pub fn new(secret: &str) -> Result<Self, String> {
        Ok(Self { signer: TokenSigner::new("orders-buyer-link:", secret, "buyer link")? })
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

/// Where buyer emails point: the portal's address and the sealer of its links.
#[derive(Debug, Clone)]
pub struct PortalLinks {
    sealer: LinkSealer,
    /// The portal page's URL (`https://…/portal`), without a trailing slash.
    base_url: String,
}

impl PortalLinks {
    /// Links to the portal at `base_url`, sealed with `secret`.
    pub fn new(base_url: &str, secret: &str) -> Result<Self, String> {
        Self::with_sealer(base_url, LinkSealer::new(secret)?)
    }

    /// Links to the portal at `base_url`, sealed by `sealer`.
    pub fn with_sealer(base_url: &str, sealer: LinkSealer) -> Result<Self, String> {
        let base_url = base_url.trim_end_matches('/');
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(format!("the portal URL must be an http(s) URL, not {base_url:?}"));
        }
        Ok(Self { sealer, base_url: base_url.to_owned() })
    }

    /// The link an email about `order` of `customer` carries, working for [`ORDER_LINK_DAYS`] from `now`
    /// (Unix time). The token is in the fragment: browsers never send it to a server or in a Referer.
    pub fn order_url(&self, tenant: &TenantId, customer: &CustomerId, order: &OrderId, now: i64) -> String {
        let claims = LinkClaims {
            tenant: tenant.to_string(),
            customer: customer.to_string(),
            link_id: order_link_id(order),
            expires_at: now + ORDER_LINK_DAYS * 86_400,
        };
        format!("{}/orders/{}#link={}", self.base_url, order, self.sealer.seal(&claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-test-secret-of-at-least-32-characters";

    #[test]
    fn an_order_link_names_its_order_and_buyer_and_opens_only_unchanged() {
        let order = OrderId::parse_public("ord_0123456789abcdef0123456789abcdef").expect("order id");
        let links = PortalLinks::new("http://127.0.0.1:3000/portal/", SECRET).expect("links");
        let tenant = TenantId::parse("demo".to_owned()).expect("tenant");
        let customer = CustomerId::parse("C-1").expect("customer");
        let url = links.order_url(&tenant, &customer, &order, 1_000);
        let (page, token) = url.split_once("#link=").expect("a fragment");
        assert_eq!(page, format!("http://127.0.0.1:3000/portal/orders/{order}"));
        let claims = LinkSealer::new(SECRET).expect("sealer").open(token).expect("opens");
        assert_eq!(claims.customer, "C-1");
        assert_eq!(claims.tenant, "demo");
        assert_eq!(claims.expires_at, 1_000 + ORDER_LINK_DAYS * 86_400);
        assert_eq!(order_of_link(&claims.link_id), Some(order));
        assert!(LinkSealer::new("another-secret-of-at-least-32-characters").expect("sealer").open(token).is_none());
        let mut tampered = token.to_owned();
        tampered.replace_range(2..3, if &token[2..3] == "A" { "B" } else { "A" });
        assert!(LinkSealer::new(SECRET).expect("sealer").open(&tampered).is_none());
    }

    #[test]
    fn only_order_links_name_orders() {
        assert_eq!(order_of_link("lnk_0190aa"), None);
        assert_eq!(order_of_link("lnk_onothex"), None);
        assert!(PortalLinks::new("javascript:alert(1)", SECRET).is_err());
    }
}
