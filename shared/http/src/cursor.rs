//! Opaque, tamper-proof pagination cursors: the position, bound to a tenant and a listing, signed with HMAC-SHA256
//! under the cursor keys.

use std::collections::BTreeMap;

use orders_aws::SecretKeys;
use orders_domain::signing::{token_kid, TokenSigner};

use crate::problem::ApiError;

/// Signs and verifies cursors.
#[derive(Clone, Debug)]
pub struct CursorSigner {
    keys: SecretKeys,
}

/// The purpose every cursor is sealed for.
const PURPOSE: &str = "orders-cursor:";

fn bad_cursor() -> ApiError {
    ApiError::InvalidParameter { name: "cursor", detail: "is not a cursor this API issued for this listing".into() }
}

impl CursorSigner {
    /// A signer with the cursor `keys`.
    pub fn new(keys: SecretKeys) -> Self {
        Self { keys }
    }

    /// Encodes `position` for `tenant` and `listing` (e.g. `products`).
    pub async fn encode(
        &self,
        tenant: &str,
        listing: &str,
        position: &BTreeMap<String, String>,
    ) -> Result<String, ApiError> {
        let payload = serde_json::json!({ "t": tenant, "l": listing, "p": position }).to_string();
        Ok(TokenSigner::new(PURPOSE, self.keys.ring().await?).seal(payload.as_bytes()))
    }

    /// The cursor of `position` when there is one (the next page's), for a list's `next_cursor`.
    pub async fn next(
        &self,
        tenant: &str,
        listing: &str,
        position: Option<BTreeMap<String, String>>,
    ) -> Result<Option<String>, ApiError> {
        match position {
            Some(position) => Ok(Some(self.encode(tenant, listing, &position).await?)),
            None => Ok(None),
        }
    }

    /// Decodes a cursor; anything altered, or issued for another tenant or listing, is refused.
    pub async fn decode(
        &self,
        tenant: &str,
        listing: &str,
        cursor: &str,
    ) -> Result<BTreeMap<String, String>, ApiError> {
        let signer = TokenSigner::new(PURPOSE, self.keys.ring_for(token_kid(cursor)).await?);
        let payload = signer.open(cursor).ok_or_else(bad_cursor)?;
        let value: serde_json::Value = serde_json::from_slice(&payload).map_err(|_| bad_cursor())?;
        if value["t"] != tenant || value["l"] != listing {
            return Err(bad_cursor());
        }
        serde_json::from_value(value["p"].clone()).map_err(|_| bad_cursor())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> CursorSigner {
        let ring = orders_domain::signing::KeyRing::single("k1", "0123456789abcdef0123456789abcdef").expect("ring");
        CursorSigner::new(SecretKeys::fixed(ring, orders_aws::SecretPurpose::Cursor))
    }

    #[tokio::test]
    async fn cursors_round_trip_and_resist_tampering() {
        let position = BTreeMap::from([("PK".to_owned(), "T#a#SKU#1".to_owned())]);
        let cursor = signer().encode("a", "products", &position).await.expect("encoded");
        assert_eq!(signer().decode("a", "products", &cursor).await.expect("valid"), position);
        assert!(signer().decode("b", "products", &cursor).await.is_err(), "other tenant");
        assert!(signer().decode("a", "orders", &cursor).await.is_err(), "other listing");
        let mut tampered = cursor.clone();
        tampered.insert(5, 'x');
        assert!(signer().decode("a", "products", &tampered).await.is_err());
        assert!(signer().decode("a", "products", "garbage").await.is_err());
    }
}
