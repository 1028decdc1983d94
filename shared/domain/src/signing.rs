//! HMAC-SHA256 signed tokens, `base64url(payload).base64url(signature)`: what pagination cursors and console
//! sessions are made of.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Seals payloads and opens only what it sealed.
#[derive(Clone)]
pub struct TokenSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(..)")
    }
}

impl TokenSigner {
    /// A signer keyed by `purpose` and `secret`, which must have at least 32 bytes; `what` names it in the error.
    pub fn new(purpose: &str, secret: &str, what: &str) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err(format!("the {what} signing secret must be at least 32 characters"));
        }
        let mut key = purpose.as_bytes().to_vec();
        key.extend_from_slice(secret.as_bytes());
        Ok(Self { key })
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(payload);
        mac
    }

    /// The token of `payload`.
    pub fn seal(&self, payload: &[u8]) -> String {
        let signature = self.mac(payload).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature))
    }

    /// The payload of a token this signer sealed; `None` for anything else.
    pub fn open(&self, token: &str) -> Option<Vec<u8>> {
        let (payload, signature) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(&payload).verify_slice(&signature).ok()?;
        Some(payload)
    }
}
