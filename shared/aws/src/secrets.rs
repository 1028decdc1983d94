//! Signing keys from AWS Secrets Manager: one secret per purpose (console sessions, portal sessions, buyer links,
//! cursors), each function granted only those it uses. A secret is read on first use and kept by the container,
//! read again at most every [`REFRESH_AFTER`] — sooner, but at most every [`REREAD_AFTER`], when a token names a key
//! this container does not know yet (someone rotated the secret meanwhile). When Secrets Manager does not answer,
//! the keys read before stay in use.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orders_domain::signing::KeyRing;

/// How long keys read from Secrets Manager are used before they are read again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(300);
/// How soon keys are read again for a token that names a key not among them.
pub const REREAD_AFTER: Duration = Duration::from_secs(10);

/// What a secret is for, and the environment variable that names it (its ARN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPurpose {
    /// The web console's session cookies.
    ConsoleSession,
    /// The buyer portal's session cookies.
    PortalSession,
    /// The buyer portal's magic links and buyer account keys.
    BuyerLink,
    /// Pagination cursors.
    Cursor,
    /// Webhook endpoints' signing secrets (each derived from this one).
    WebhookSigning,
}

impl SecretPurpose {
    /// Every purpose.
    pub const ALL: [SecretPurpose; 5] =
        [Self::ConsoleSession, Self::PortalSession, Self::BuyerLink, Self::Cursor, Self::WebhookSigning];

    /// The environment variable with the secret's ARN.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::ConsoleSession => "CONSOLE_SESSION_SECRET_ARN",
            Self::PortalSession => "PORTAL_SESSION_SECRET_ARN",
            Self::BuyerLink => "BUYER_LINK_SECRET_ARN",
            Self::Cursor => "CURSOR_SECRET_ARN",
            Self::WebhookSigning => "WEBHOOK_SIGNING_SECRET_ARN",
        }
    }

    /// Its name in commands and in the secret's name (`console-session`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConsoleSession => "console-session",
            Self::PortalSession => "portal-session",
            Self::BuyerLink => "buyer-link",
            Self::Cursor => "cursor",
            Self::WebhookSigning => "webhook-signing",
        }
    }

    /// The purpose named `name` (as [`SecretPurpose::as_str`] says it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// The keys could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager did not answer (and nothing was read before).
    #[error("Secrets Manager: reading the {purpose} secret failed: {detail}")]
    Unavailable {
        /// Which secret.
        purpose: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The secret's value is not a key ring.
    #[error("the {purpose} secret is unusable: {detail}")]
    Invalid {
        /// Which secret.
        purpose: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

#[derive(Debug)]
enum Source {
    Manager { client: aws_sdk_secretsmanager::Client, secret_id: String },
    Fixed,
}

#[derive(Debug, Clone)]
struct Cached {
    ring: Arc<KeyRing>,
    read_at: Instant,
}

#[derive(Debug)]
struct Inner {
    purpose: SecretPurpose,
    source: Source,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

/// The signing keys of one purpose, read from Secrets Manager and kept (cheap to clone: one shared cache).
#[derive(Debug, Clone)]
pub struct SecretKeys {
    inner: Arc<Inner>,
}

impl SecretKeys {
    /// The keys in secret `secret_id` (its ARN or name), read through `client` when first needed.
    pub fn from_secrets_manager(
        client: aws_sdk_secretsmanager::Client,
        secret_id: &str,
        purpose: SecretPurpose,
    ) -> Self {
        let source = Source::Manager { client, secret_id: secret_id.to_owned() };
        Self { inner: Arc::new(Inner { purpose, source, cache: tokio::sync::Mutex::new(None) }) }
    }

    /// The keys of `purpose` whose ARN the variable [`SecretPurpose::env_var`] of `var` names.
    pub fn from_vars(
        var: &impl Fn(&'static str) -> Option<String>,
        purpose: SecretPurpose,
        client: &aws_sdk_secretsmanager::Client,
    ) -> Result<Self, crate::ConfigError> {
        let arn = crate::required_var(var, purpose.env_var())?;
        Ok(Self::from_secrets_manager(client.clone(), &arn, purpose))
    }

    /// Keys given directly (unit tests).
    pub fn fixed(ring: KeyRing, purpose: SecretPurpose) -> Self {
        let cached = Cached { ring: Arc::new(ring), read_at: Instant::now() };
        Self { inner: Arc::new(Inner { purpose, source: Source::Fixed, cache: tokio::sync::Mutex::new(Some(cached)) }) }
    }

    /// What these keys are for.
    pub fn purpose(&self) -> SecretPurpose {
        self.inner.purpose
    }

    /// The keys to sign with (and open most tokens with).
    pub async fn ring(&self) -> Result<Arc<KeyRing>, SecretError> {
        self.ring_for(None).await
    }

    /// The keys to open a token sealed with key `kid` with: read again first when this container does not know
    /// that key and its keys are older than [`REREAD_AFTER`].
    pub async fn ring_for(&self, kid: Option<&str>) -> Result<Arc<KeyRing>, SecretError> {
        let mut cache = self.inner.cache.lock().await;
        let fresh = |cached: &Cached| {
            let age = cached.read_at.elapsed();
            let unknown = kid.is_some_and(|kid| cached.ring.key(kid).is_none());
            age < REFRESH_AFTER && !(unknown && age >= REREAD_AFTER)
        };
        match (&*cache, &self.inner.source) {
            (Some(cached), _) if fresh(cached) => return Ok(cached.ring.clone()),
            (Some(cached), Source::Fixed) => return Ok(cached.ring.clone()),
            _ => {}
        }
        match self.read().await {
            Ok(ring) => {
                let ring = Arc::new(ring);
                *cache = Some(Cached { ring: ring.clone(), read_at: Instant::now() });
                Ok(ring)
            }
            // Keep what was read before, and try again no sooner than REREAD_AFTER.
            Err(error) => match cache.as_mut() {
                Some(cached) => {
                    tracing::warn!(%error, "signing keys not refreshed; the ones read before stay in use");
                    cached.read_at =
                        Instant::now().checked_sub(REFRESH_AFTER - REREAD_AFTER).unwrap_or_else(Instant::now);
                    Ok(cached.ring.clone())
                }
                None => Err(error),
            },
        }
    }

    async fn read(&self) -> Result<KeyRing, SecretError> {
        let purpose = self.inner.purpose.as_str();
        let Source::Manager { client, secret_id } = &self.inner.source else {
            return Err(SecretError::Invalid { purpose, detail: "no source".into() });
        };
        let output =
            client.get_secret_value().secret_id(secret_id).send().await.map_err(|e| SecretError::Unavailable {
                purpose,
                detail: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
            })?;
        let value = output
            .secret_string()
            .ok_or_else(|| SecretError::Invalid { purpose, detail: "it holds no text".into() })?;
        KeyRing::parse(value).map_err(|detail| SecretError::Invalid { purpose, detail })
    }
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The key that signed until now (still accepted until the next rotation).
    pub previous_kid: String,
    /// The key that signs from now on.
    pub current_kid: String,
}

/// The key id after `kid`: `k7` → `k8`; anything else → `k1` (or `k2` when that is taken).
fn next_kid(kid: &str) -> String {
    let next = kid.strip_prefix('k').and_then(|n| n.parse::<u32>().ok()).map_or(1, |n| n.saturating_add(1));
    let candidate = format!("k{next}");
    if candidate == kid {
        "k2".to_owned()
    } else {
        candidate
    }
}

/// Rotates the signing secret `secret_id`: a new key (64 random characters from Secrets Manager's
/// `GetRandomPassword`) signs from now on, the current one is kept as the previous (so tokens it sealed stay
/// valid until the next rotation), the one before it is dropped. Functions pick the new key up within
/// [`REFRESH_AFTER`], at once for a token that names it.
pub async fn rotate(client: &aws_sdk_secretsmanager::Client, secret_id: &str) -> Result<Rotation, SecretError> {
    let purpose = "rotated";
    let unavailable = |detail: String| SecretError::Unavailable { purpose, detail };
    let value = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| unavailable(aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string()))?;
    let ring = KeyRing::parse(value.secret_string().unwrap_or_default())
        .map_err(|detail| SecretError::Invalid { purpose, detail })?;
    let random = client
        .get_random_password()
        .password_length(64)
        .exclude_punctuation(true)
        .send()
        .await
        .map_err(|e| unavailable(aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string()))?;
    let kid = next_kid(ring.current().kid());
    let key = orders_domain::signing::SigningKey::new(&kid, random.random_password().unwrap_or_default())
        .map_err(|detail| SecretError::Invalid { purpose, detail })?;
    let rotated = ring.rotated(key).map_err(|detail| SecretError::Invalid { purpose, detail })?;
    client
        .put_secret_value()
        .secret_id(secret_id)
        .secret_string(rotated.to_secret_value())
        .send()
        .await
        .map_err(|e| unavailable(aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string()))?;
    Ok(Rotation { previous_kid: ring.current().kid().to_owned(), current_kid: kid })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_has_its_own_variable_and_name() {
        let vars: std::collections::BTreeSet<_> = SecretPurpose::ALL.iter().map(|p| p.env_var()).collect();
        assert_eq!(vars.len(), SecretPurpose::ALL.len());
        for purpose in SecretPurpose::ALL {
            assert_eq!(SecretPurpose::parse(purpose.as_str()), Some(purpose));
        }
    }

    #[test]
    fn key_ids_count_up() {
        assert_eq!(next_kid("k1"), "k2");
        assert_eq!(next_kid("k41"), "k42");
        assert_eq!(next_kid("initial"), "k1");
    }

    #[tokio::test]
    async fn fixed_keys_are_what_they_are() {
        let ring = KeyRing::single("k1", "a-test-secret-of-at-least-32-characters").expect("ring");
        let keys = SecretKeys::fixed(ring.clone(), SecretPurpose::Cursor);
        assert_eq!(*keys.ring_for(Some("k9")).await.expect("ring"), ring);
    }
}
