//! Signing secrets in the emulator's Secrets Manager, as a deployed stack keeps them: rotating one lets tokens of
//! the key before keep working until the next rotation, and never lets one purpose's key open another's tokens.

use orders_aws::{SecretKeys, SecretPurpose};
use orders_domain::ids::Role;
use orders_domain::signing::KeyRing;
use orders_http::session::{Session, SessionSigner, SESSION_COOKIE};
use orders_testkit::{Answer, TestStack};
use reqwest::Method;

/// Waits out the time a function keeps its keys before reading them again for a token naming a key it does not
/// know ([`orders_aws::secrets::REREAD_AFTER`]).
async fn after_reread_interval() {
    tokio::time::sleep(orders_aws::secrets::REREAD_AFTER + std::time::Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_rotated_secret_accepts_the_previous_key_until_the_next_rotation() {
    let stack = TestStack::start().await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let hash = orders_domain::fingerprint::api_key_hash(&operator);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A session as the console opens one (its record, and its cookie sealed with `ring`).
    let seal = |ring: KeyRing| {
        let session = Session::new(stack.tenant.id.as_str(), &hash, now);
        let stack = &stack;
        async move {
            stack
                .record_console_session(&session.tenant, &session.key_hash, &session.session_id, session.expires_at)
                .await;
            SessionSigner::new(SecretKeys::fixed(ring, SecretPurpose::ConsoleSession))
                .seal(&session)
                .await
                .expect("sealed")
        }
    };
    let status = |cookie: String| {
        let stack = &stack;
        async move {
            let request = stack.cookie_request(Method::GET, "/v1/orders", &format!("{SESSION_COOKIE}={cookie}"));
            Answer::from(request.send().await).await.status
        }
    };
    let first = stack.stack.signing_keys(SecretPurpose::ConsoleSession).await.expect("keys");
    assert_eq!(first.current().kid(), "k1");
    let old = seal(first).await;
    assert_eq!(status(old.clone()).await, 200, "a session of the first key");

    // A rotation: the new key signs, the old one still opens.
    let arn = stack.stack.secret_arn(SecretPurpose::ConsoleSession).expect("arn").to_owned();
    let rotation = orders_aws::rotate_secret(&stack.stack.aws.secrets, &arn).await.expect("rotated");
    assert_eq!((rotation.previous_kid.as_str(), rotation.current_kid.as_str()), ("k1", "k2"));
    let second = stack.stack.signing_keys(SecretPurpose::ConsoleSession).await.expect("keys");
    after_reread_interval().await;
    assert_eq!(status(seal(second).await).await, 200, "a session of the new key (read on first sight)");
    assert_eq!(status(old.clone()).await, 200, "the previous key is still accepted");
    // The console's own log-in signs with the new key.
    let login = stack.console_session(&operator).await;
    let value = login.cookie.trim_start_matches(&format!("{SESSION_COOKIE}="));
    assert_eq!(orders_domain::signing::token_kid(value), Some("k2"), "{value}");

    // The next rotation drops k1: its sessions end once the functions read the keys again.
    orders_aws::rotate_secret(&stack.stack.aws.secrets, &arn).await.expect("rotated again");
    let third = stack.stack.signing_keys(SecretPurpose::ConsoleSession).await.expect("keys");
    after_reread_interval().await;
    assert_eq!(status(seal(third).await).await, 200, "a session of the newest key");
    assert_eq!(status(old).await, 401, "the key before the previous one opens nothing");
    assert_eq!(status(value.to_owned()).await, 200, "the previous key's session still works");

    // Another purpose's keys never open a console session.
    let portal = stack.stack.signing_keys(SecretPurpose::PortalSession).await.expect("keys");
    assert_eq!(status(seal(portal).await).await, 401);
}
