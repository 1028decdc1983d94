//! HMAC-SHA256 signed tokens, `kid.base64url(payload).base64url(signature)`: what pagination cursors, console and
//! portal sessions and buyer links are made of. Each purpose has its own secret (a [`KeyRing`], kept in AWS
//! Secrets Manager): the current key signs, the previous one is still accepted, so a secret can be rotated
//! without ending every token at once. The key id in every token says which key to check it with.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The fewest characters a signing secret has.
pub const MIN_SECRET_CHARS: usize = 32;

/// One signing key: its id (`k1`, …) and secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    kid: String,
    secret: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, ..)", self.kid)
    }
}

impl SigningKey {
    /// A key: `kid` of 1 to 16 lowercase letters, digits or `-`; a secret of at least [`MIN_SECRET_CHARS`].
    pub fn new(kid: &str, secret: &str) -> Result<Self, String> {
        if kid.is_empty()
            || kid.len() > 16
            || !kid.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!("key id {kid:?} must be 1 to 16 lowercase letters, digits or '-'"));
        }
        if secret.chars().count() < MIN_SECRET_CHARS {
            return Err(format!("the secret of key {kid} must have at least {MIN_SECRET_CHARS} characters"));
        }
        Ok(Self { kid: kid.to_owned(), secret: secret.to_owned() })
    }

    /// Its id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A 32-byte key derived from this one for `label` (HMAC-SHA256 of the label): one secret of Secrets Manager
    /// yields a key per webhook endpoint, none of which reveals the secret or another endpoint's key.
    pub fn derive(&self, label: &[u8]) -> [u8; 32] {
        let mut mac = match HmacSha256::new_from_slice(self.secret.as_bytes()) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(label);
        mac.finalize().into_bytes().into()
    }
}

/// The keys of one purpose: the current one signs; it and the previous one (during a rotation) open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRing {
    current: SigningKey,
    previous: Option<SigningKey>,
}

#[derive(Deserialize)]
struct StoredKey {
    kid: String,
    secret: String,
}

#[derive(Deserialize)]
struct StoredRing {
    kid: String,
    secret: String,
    #[serde(default)]
    previous: Option<StoredKey>,
}

impl KeyRing {
    /// The ring of a secret's value: `{"kid": "k2", "secret": "…", "previous": {"kid": "k1", "secret": "…"}}`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let stored: StoredRing =
            serde_json::from_str(value).map_err(|e| format!("not a signing secret ({{\"kid\", \"secret\"}}): {e}"))?;
        let current = SigningKey::new(&stored.kid, &stored.secret)?;
        let previous = stored.previous.map(|p| SigningKey::new(&p.kid, &p.secret)).transpose()?;
        if previous.as_ref().is_some_and(|p| p.kid == current.kid) {
            return Err(format!("the previous key has the current key's id {}", current.kid));
        }
        Ok(Self { current, previous })
    }

    /// A ring of one key.
    pub fn single(kid: &str, secret: &str) -> Result<Self, String> {
        Ok(Self { current: SigningKey::new(kid, secret)?, previous: None })
    }

    /// The ring after a rotation: `next` signs from now on, the current key is still accepted (the one before
    /// it no longer).
    pub fn rotated(&self, next: SigningKey) -> Result<Self, String> {
        if next.kid == self.current.kid {
            return Err(format!("the new key needs another id than the current {}", self.current.kid));
        }
        Ok(Self { current: next, previous: Some(self.current.clone()) })
    }

    /// The secret's value of this ring (what [`KeyRing::parse`] reads).
    pub fn to_secret_value(&self) -> String {
        let key = |k: &SigningKey| serde_json::json!({ "kid": k.kid, "secret": k.secret });
        let mut value = key(&self.current);
        if let Some(previous) = &self.previous {
            value["previous"] = key(previous);
        }
        value.to_string()
    }

    /// The key that signs.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// The key with id `kid`, if this ring has it.
    pub fn key(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current).chain(&self.previous).find(|k| k.kid == kid)
    }
}

/// The key id a token was sealed with, if it looks like one of ours.
pub fn token_kid(token: &str) -> Option<&str> {
    token.split_once('.').map(|(kid, _)| kid).filter(|kid| !kid.is_empty() && kid.len() <= 16)
}

/// Seals payloads with the current key of a ring and opens what any key of it sealed, for one purpose.
#[derive(Clone)]
pub struct TokenSigner {
    purpose: &'static str,
    ring: Arc<KeyRing>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSigner({}, ..)", self.purpose)
    }
}

impl TokenSigner {
    /// A signer for `purpose` (which no token of another purpose opens, should two share a secret) over `ring`.
    pub fn new(purpose: &'static str, ring: Arc<KeyRing>) -> Self {
        Self { purpose, ring }
    }

    fn mac(&self, key: &SigningKey, payload: &[u8]) -> HmacSha256 {
        let mut secret = self.purpose.as_bytes().to_vec();
        secret.extend_from_slice(key.secret.as_bytes());
        let mut mac = match HmacSha256::new_from_slice(&secret) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(key.kid.as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }

    /// The token of `payload`, sealed with the current key.
    pub fn seal(&self, payload: &[u8]) -> String {
        let key = self.ring.current();
        let signature = self.mac(key, payload).finalize().into_bytes();
        format!("{}.{}.{}", key.kid, URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature))
    }

    /// The payload of a token a key of this ring sealed for this purpose; `None` for anything else.
    pub fn open(&self, token: &str) -> Option<Vec<u8>> {
        let mut parts = token.split('.');
        let (kid, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let key = self.ring.key(kid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(key, &payload).verify_slice(&signature).ok()?;
        Some(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a-test-secret-of-at-least-32-characters";
    const B: &str = "another-secret-of-at-least-32-characters";

    fn ring(value: &str) -> Arc<KeyRing> {
        Arc::new(KeyRing::parse(value).expect("ring"))
    }

    #[test]
    fn a_token_names_its_key_and_opens_only_unchanged_for_its_purpose() {
        let signer = TokenSigner::new("cursor:", ring(&format!(r#"{{"kid": "k1", "secret": "{A}"}}"#)));
        let token = signer.seal(b"payload");
        assert_eq!(token_kid(&token), Some("k1"));
        assert_eq!(signer.open(&token).as_deref(), Some(&b"payload"[..]));
        let other_purpose = TokenSigner::new("session:", ring(&format!(r#"{{"kid": "k1", "secret": "{A}"}}"#)));
        assert_eq!(other_purpose.open(&token), None, "another purpose");
        let renamed = token.replacen("k1.", "k2.", 1);
        assert_eq!(signer.open(&renamed), None, "the key id is signed too");
        let (head, signature) = token.rsplit_once('.').expect("three parts");
        let tampered = format!("{head}A.{signature}");
        assert_eq!(signer.open(&tampered), None);
        assert_eq!(signer.open("k1.garbage"), None);
    }

    #[test]
    fn during_a_rotation_the_new_key_signs_and_the_previous_one_still_opens() {
        let before = ring(&format!(r#"{{"kid": "k1", "secret": "{A}"}}"#));
        let old_token = TokenSigner::new("p:", before.clone()).seal(b"old");
        let after = Arc::new(before.rotated(SigningKey::new("k2", B).expect("key")).expect("rotated"));
        let signer = TokenSigner::new("p:", after.clone());
        assert_eq!(signer.open(&old_token).as_deref(), Some(&b"old"[..]), "a token of the previous key");
        assert_eq!(token_kid(&signer.seal(b"new")), Some("k2"));
        assert_eq!(KeyRing::parse(&after.to_secret_value()).expect("round trip"), *after);
        // The next rotation drops k1: its tokens end.
        let later = Arc::new(after.rotated(SigningKey::new("k3", A).expect("key")).expect("rotated"));
        assert_eq!(TokenSigner::new("p:", later).open(&old_token), None);
    }

    #[test]
    fn a_ring_is_refused_unless_its_keys_are_usable() {
        assert!(KeyRing::parse("not json").is_err());
        assert!(KeyRing::parse(r#"{"kid": "k1", "secret": "short"}"#).is_err());
        assert!(KeyRing::parse(&format!(r#"{{"kid": "K.1", "secret": "{A}"}}"#)).is_err());
        let same = format!(r#"{{"kid": "k1", "secret": "{A}", "previous": {{"kid": "k1", "secret": "{B}"}}}}"#);
        assert!(KeyRing::parse(&same).is_err());
        assert!(format!("{:?}", KeyRing::single("k1", A).expect("ring")).contains("k1"));
        assert!(!format!("{:?}", KeyRing::single("k1", A).expect("ring")).contains(A), "never printed");
    }
}
