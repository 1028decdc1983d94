//! A webhook receiver for end-to-end tests: a small HTTP server on a random loopback port that records every
//! delivery, checks its signature independently of the code under test, and can be told to fail or to answer
//! slowly, so retries, backoff and secret rotation can be observed from the outside.
//!
//! Signatures are checked as the Standard Webhooks specification has them (<https://www.standardwebhooks.com/>,
//! spec/standard-webhooks.md of github.com/standard-webhooks/standard-webhooks): the headers `webhook-id`,
//! `webhook-timestamp` (unix seconds) and `webhook-signature`, a space-separated list of `v1,<base64 signature>`
//! entries, each an HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the secret `whsec_<base64>` (prefix removed,
//! base64-decoded). A delivery is valid when any `v1` entry matches one of the receiver's secrets (compared in
//! constant time) and its timestamp is within [`TIMESTAMP_TOLERANCE_SECS`] of now.
//!
//! Nothing here shares code with the pipeline's own signer, on purpose: a bug there must not be mirrored here.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Sha256;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The prefix of a symmetric (HMAC-SHA256) secret as the specification serializes it.
pub const SECRET_PREFIX: &str = "whsec_";

/// How far (seconds, either way) a delivery's `webhook-timestamp` may be from now and still count as valid.
pub const TIMESTAMP_TOLERANCE_SECS: u64 = 5 * 60;

/// How often [`WebhookReceiver::wait_for`] looks at what arrived.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

type HmacSha256 = Hmac<Sha256>;

/// The HMAC key of `secret`: `whsec_<base64>` with the prefix removed (optional, as in the reference
/// implementations) and base64-decoded; `None` if it is not base64.
fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)).ok()
}

/// The HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with `key`, not yet finalized.
fn signed_content_mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|e| panic!("an HMAC key: {e}"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether the `webhook-signature` header value `header` holds a `v1` signature of `{id}.{timestamp}.{body}` made
/// with `secret` (`whsec_<base64>`; a bare base64 key is accepted too, as the reference implementations do).
///
/// Entries other than `v1,…` (e.g. `v1a,…`, asymmetric) and entries that are not base64 are ignored; any one
/// matching entry suffices, as during secret rotation. Comparison is constant-time. The timestamp's freshness is
/// not checked here (see [`timestamp_fresh`]); a secret that is not base64 verifies nothing.
pub fn verify_signature(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(key) = secret_key(secret) else {
        return false;
    };
    let mac = signed_content_mac(&key, id, timestamp, body);
    header
        .split_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .filter_map(|(_, signature)| STANDARD.decode(signature).ok())
        .any(|signature| mac.clone().verify_slice(&signature).is_ok())
}

/// The `v1,<base64>` signature of `{id}.{timestamp}.{body}` made with `secret` (`whsec_<base64>`), as a sender puts
/// it in `webhook-signature`; for tests that need to forge or replay deliveries. Panics if `secret` is not base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = secret_key(secret).unwrap_or_else(|| panic!("the webhook secret {secret:?} is not whsec_<base64>"));
    format!("v1,{}", STANDARD.encode(signed_content_mac(&key, id, timestamp, body).finalize().into_bytes()))
}

/// Whether `timestamp` (unix seconds) is within [`TIMESTAMP_TOLERANCE_SECS`] of `now` (unix seconds).
pub fn timestamp_fresh(timestamp: i64, now: i64) -> bool {
    timestamp.abs_diff(now) <= TIMESTAMP_TOLERANCE_SECS
}

/// The current time in unix seconds.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// One request the receiver got, whatever it answered.
#[derive(Debug, Clone)]
pub struct ReceivedWebhook {
    /// The `webhook-id` header (empty if missing): the same on every retry of one message.
    pub id: String,
    /// The `webhook-timestamp` header, unix seconds (0 if missing or not an integer): fresh on every attempt.
    pub timestamp: i64,
    /// The `webhook-signature` header as sent (empty if missing).
    pub signature_header: String,
    /// Whether the delivery is valid by the specification: [`Self::signature_matches`] and
    /// [`Self::timestamp_fresh`]. Always false while the receiver has no secret.
    pub signature_valid: bool,
    /// Whether a `v1` signature of the header matches one of the secrets set when the request arrived.
    pub signature_matches: bool,
    /// Whether the timestamp was within [`TIMESTAMP_TOLERANCE_SECS`] of the receiver's clock on arrival.
    pub timestamp_fresh: bool,
    /// The secret whose signature matched (the first of [`WebhookReceiver::set_secrets`]' order), if any.
    pub matched_secret: Option<String>,
    /// The body parsed as JSON ([`Value::Null`] if it is not JSON; see `raw_body`).
    pub body: Value,
    /// The body exactly as received (what the signature covers).
    pub raw_body: Vec<u8>,
    /// `body["type"]`, the event type, if it is a string.
    pub event_type: Option<String>,
    /// The request's method, e.g. `POST`.
    pub method: String,
    /// The request's path, e.g. `/hooks/orders`.
    pub path: String,
    /// Every header, names lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    /// When it arrived (before any delay of [`WebhookReceiver::answer_slowly`]).
    pub received_at: Instant,
    /// The status the receiver answered (or, while an answer is delayed, will answer).
    pub answered_status: u16,
}

impl ReceivedWebhook {
    /// The value of header `name` (case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the receiver answered with a 2xx status, i.e. the delivery succeeded from the sender's view.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.answered_status)
    }

    /// One line for failure messages.
    fn summary(&self) -> String {
        format!(
            "{} {} -> {} id={:?} type={:?} timestamp={} valid={} (signature {}, fresh {}) body={}",
            self.method,
            self.path,
            self.answered_status,
            self.id,
            self.event_type,
            self.timestamp,
            self.signature_valid,
            self.signature_matches,
            self.timestamp_fresh,
            String::from_utf8_lossy(&self.raw_body),
        )
    }
}

/// How the receiver answers.
#[derive(Debug, Default)]
struct Behaviour {
    /// Answers this many more requests with `fail_status`.
    fail_next: usize,
    fail_status: u16,
    /// Answers every request with this status.
    fail_always: Option<u16>,
    /// Waits this long before answering.
    delay: Duration,
}

#[derive(Debug, Default)]
struct State {
    secrets: Vec<String>,
    behaviour: Behaviour,
    received: Vec<ReceivedWebhook>,
}

/// A webhook endpoint for one test: `http://127.0.0.1:<random port>/hooks/<name>`, answering 204 unless told
/// otherwise. The server stops when the receiver is dropped.
pub struct WebhookReceiver {
    url: String,
    state: Arc<Mutex<State>>,
    server: JoinHandle<()>,
}

impl WebhookReceiver {
    /// Listens on 127.0.0.1 on a random port; [`Self::url`] is `http://127.0.0.1:<port>/hooks/<name>`. `name`
    /// may hold ASCII letters, digits, `-`, `_` and `.`. Must be called inside a Tokio runtime.
    pub async fn start(name: &str) -> Self {
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
            "a webhook receiver's name must be URL-safe: {name:?}"
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("the webhook receiver cannot listen on 127.0.0.1: {e}"));
        let port = listener.local_addr().unwrap_or_else(|e| panic!("the webhook receiver's address: {e}")).port();
        let path = format!("/hooks/{name}");
        let state = Arc::new(Mutex::new(State::default()));
        let server = tokio::spawn(serve(listener, Arc::from(path.as_str()), state.clone()));
        Self { url: format!("http://127.0.0.1:{port}{path}"), state, server }
    }

    /// `http://127.0.0.1:<port>/hooks/<name>`: the URL to subscribe.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Sets the secrets signatures are checked with from now on (the `whsec_…` string the API answered; several
    /// during a rotation). Requests already received keep their verdict. Panics on a secret that is not
    /// `whsec_<base64>`: the API must answer secrets in the specification's format.
    pub fn set_secrets(&self, secrets: &[String]) {
        for secret in secrets {
            let well_formed = secret.strip_prefix(SECRET_PREFIX).is_some_and(|key| STANDARD.decode(key).is_ok());
            assert!(well_formed, "not a Standard Webhooks secret (whsec_<base64>): {secret:?}");
        }
        self.lock().secrets = secrets.to_vec();
    }

    /// Answers the next `n` requests with `status` (e.g. 500), then 204 again.
    pub fn fail_next(&self, n: usize, status: u16) {
        let status = checked_status(status);
        let mut state = self.lock();
        state.behaviour.fail_next = n;
        state.behaviour.fail_status = status;
    }

    /// Answers every request with `status` until [`Self::heal`].
    pub fn fail_always(&self, status: u16) {
        self.lock().behaviour.fail_always = Some(checked_status(status));
    }

    /// Waits `delay` before answering each request (e.g. longer than the sender's timeout), until [`Self::heal`].
    pub fn answer_slowly(&self, delay: Duration) {
        self.lock().behaviour.delay = delay;
    }

    /// Answers 204 at once again: clears [`Self::fail_next`], [`Self::fail_always`] and [`Self::answer_slowly`].
    pub fn heal(&self) {
        self.lock().behaviour = Behaviour::default();
    }

    /// Every request received so far (failed answers included), in arrival order.
    pub fn received(&self) -> Vec<ReceivedWebhook> {
        self.lock().received.clone()
    }

    /// Waits (polling, up to `timeout`) until `pred` holds for the received list; returns the list, or panics
    /// listing what arrived.
    pub async fn wait_for(&self, timeout: Duration, pred: impl Fn(&[ReceivedWebhook]) -> bool) -> Vec<ReceivedWebhook> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if pred(&received) {
                return received;
            }
            if Instant::now() >= deadline {
                let lines: Vec<String> =
                    received.iter().enumerate().map(|(i, hook)| format!("  #{i} {}", hook.summary())).collect();
                panic!(
                    "{} did not receive what was expected within {timeout:?}; {} request(s) arrived:\n{}",
                    self.url,
                    received.len(),
                    lines.join("\n")
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every open connection too.
        self.server.abort();
    }
}

/// `status` if it is a valid HTTP status code; panics otherwise.
fn checked_status(status: u16) -> u16 {
    StatusCode::from_u16(status).unwrap_or_else(|e| panic!("{status} is not an HTTP status: {e}")).as_u16()
}

/// Accepts connections on `listener` until aborted; the connections live in a JoinSet so they end with it.
async fn serve(listener: TcpListener, path: Arc<str>, state: Arc<Mutex<State>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let (path, state) = (path.clone(), state.clone());
                connections.spawn(async move {
                    let service = service_fn(move |request| {
                        let (path, state) = (path.clone(), state.clone());
                        async move { Ok::<_, Infallible>(answer(request, &path, &state).await) }
                    });
                    // A sender hanging up early (e.g. its timeout against answer_slowly) is no error here.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Records `request` and answers it as the receiver's behaviour says.
async fn answer(request: Request<Incoming>, expected_path: &str, state: &Mutex<State>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let raw_body = body.collect().await.map(|collected| collected.to_bytes().to_vec()).unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let id = header("webhook-id");
    let timestamp_header = header("webhook-timestamp");
    let signature_header = header("webhook-signature");
    let timestamp = timestamp_header.trim().parse::<i64>().ok();
    let body: Value = serde_json::from_slice(&raw_body).unwrap_or(Value::Null);
    let event_type = body.get("type").and_then(Value::as_str).map(str::to_owned);
    let path = parts.uri.path().to_owned();
    let received_at = Instant::now();

    let (status, delay) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let matched_secret = timestamp.and_then(|timestamp| {
            state.secrets.iter().find(|s| verify_signature(s, &id, timestamp, &raw_body, &signature_header)).cloned()
        });
        let fresh = timestamp.is_some_and(|timestamp| timestamp_fresh(timestamp, unix_now()));
        let behaviour = &mut state.behaviour;
        let status = if path != expected_path {
            404
        } else if parts.method != hyper::Method::POST {
            405
        } else if let Some(status) = behaviour.fail_always {
            status
        } else if behaviour.fail_next > 0 {
            behaviour.fail_next -= 1;
            behaviour.fail_status
        } else {
            204
        };
        let delay = behaviour.delay;
        state.received.push(ReceivedWebhook {
            id,
            timestamp: timestamp.unwrap_or(0),
            signature_header,
            signature_valid: matched_secret.is_some() && fresh,
            signature_matches: matched_secret.is_some(),
            timestamp_fresh: fresh,
            matched_secret,
            body,
            raw_body,
            event_type,
            method: parts.method.as_str().to_owned(),
            path,
            headers,
            received_at,
            answered_status: status,
        });
        (status, delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks reference libraries' test vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const OTHER_SECRET: &str = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkgISE=";

    #[test]
    fn webhooks_the_published_test_vector_verifies_and_reproduces() {
        assert!(verify_signature(SECRET, ID, TIMESTAMP, BODY, SIGNATURE));
        assert_eq!(sign(SECRET, ID, TIMESTAMP, BODY), SIGNATURE);
        // The reference implementations accept the bare base64 key too.
        assert!(verify_signature(SECRET.trim_start_matches(SECRET_PREFIX), ID, TIMESTAMP, BODY, SIGNATURE));
    }

    #[test]
    fn webhooks_a_changed_body_id_or_timestamp_fails() {
        assert!(!verify_signature(SECRET, ID, TIMESTAMP, br#"{"test":2432232314}"#, SIGNATURE));
        assert!(!verify_signature(SECRET, "msg_other", TIMESTAMP, BODY, SIGNATURE));
        assert!(!verify_signature(SECRET, ID, TIMESTAMP + 1, BODY, SIGNATURE));
    }

    #[test]
    fn webhooks_a_wrong_or_malformed_secret_fails() {
        assert!(!verify_signature(OTHER_SECRET, ID, TIMESTAMP, BODY, SIGNATURE));
        assert!(!verify_signature("whsec_not base64!", ID, TIMESTAMP, BODY, SIGNATURE));
    }

    #[test]
    fn webhooks_any_listed_signature_suffices() {
        let other = sign(OTHER_SECRET, ID, TIMESTAMP, BODY);
        assert!(verify_signature(SECRET, ID, TIMESTAMP, BODY, &format!("{other} {SIGNATURE}")));
        assert!(verify_signature(SECRET, ID, TIMESTAMP, BODY, &format!("v1,bm9wZQ== {SIGNATURE}")));
        assert!(!verify_signature(SECRET, ID, TIMESTAMP, BODY, &other));
        assert!(!verify_signature(SECRET, ID, TIMESTAMP, BODY, ""));
    }

    #[test]
    fn webhooks_entries_other_than_v1_are_ignored() {
        let (_, bare) = SIGNATURE.split_once(',').unwrap_or_default();
        // The right bytes under another version, or without one, verify nothing.
        for header in [format!("v1a,{bare}"), format!("v2,{bare}"), bare.to_owned(), format!("V1,{bare}")] {
            assert!(!verify_signature(SECRET, ID, TIMESTAMP, BODY, &header), "{header}");
        }
        assert!(verify_signature(SECRET, ID, TIMESTAMP, BODY, &format!("v1a,{bare} garbage v1,!!! {SIGNATURE}")));
    }

    #[test]
    fn webhooks_timestamps_are_fresh_within_five_minutes() {
        assert!(timestamp_fresh(1_000_000, 1_000_000));
        assert!(timestamp_fresh(1_000_000 - 300, 1_000_000));
        assert!(timestamp_fresh(1_000_000 + 300, 1_000_000));
        assert!(!timestamp_fresh(1_000_000 - 301, 1_000_000));
        assert!(!timestamp_fresh(1_000_000 + 301, 1_000_000));
    }

    /// Posts `body` to `url` as a Standard Webhooks sender would, signed with `secrets`; the answer's status.
    async fn deliver(url: &str, secrets: &[&str], id: &str, timestamp: i64, body: &str) -> u16 {
        let signatures: Vec<String> = secrets.iter().map(|s| sign(s, id, timestamp, body.as_bytes())).collect();
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(body.to_owned())
            .send()
            .await
            .unwrap_or_else(|e| panic!("posting to {url}: {e}"))
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn webhooks_round_trip_records_and_verifies_deliveries() {
        let receiver = WebhookReceiver::start("orders").await;
        assert!(receiver.url().starts_with("http://127.0.0.1:"));
        assert!(receiver.url().ends_with("/hooks/orders"));
        receiver.set_secrets(&[SECRET.to_owned()]);
        let body = r#"{"type":"order.created","data":{"id":"o-1"}}"#;

        assert_eq!(deliver(&receiver.url(), &[SECRET], "msg_1", unix_now(), body).await, 204);
        // A wrong secret, and a stale timestamp, are recorded (and answered) but not valid.
        assert_eq!(deliver(&receiver.url(), &[OTHER_SECRET], "msg_2", unix_now(), body).await, 204);
        assert_eq!(deliver(&receiver.url(), &[SECRET], "msg_3", unix_now() - 600, body).await, 204);

        let received = receiver.wait_for(Duration::from_secs(5), |hooks| hooks.len() == 3).await;
        let first = &received[0];
        assert_eq!((first.id.as_str(), first.answered_status), ("msg_1", 204));
        assert!(first.signature_valid && first.signature_matches && first.timestamp_fresh);
        assert_eq!(first.matched_secret.as_deref(), Some(SECRET));
        assert_eq!(first.event_type.as_deref(), Some("order.created"));
        assert_eq!(first.body["data"]["id"], "o-1");
        assert_eq!(first.raw_body, body.as_bytes());
        assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/hooks/orders"));
        assert_eq!(first.header("Content-Type"), Some("application/json"));
        assert!(first.succeeded());

        assert!(!received[1].signature_valid && !received[1].signature_matches && received[1].timestamp_fresh);
        assert!(!received[2].signature_valid && received[2].signature_matches && !received[2].timestamp_fresh);
    }

    #[tokio::test]
    async fn webhooks_failures_rotation_and_slowness_are_scriptable() {
        let receiver = WebhookReceiver::start("scripted").await;
        let url = receiver.url();
        // No secret yet: recorded, never valid.
        assert_eq!(deliver(&url, &[SECRET], "msg_0", unix_now(), "{}").await, 204);
        assert!(!receiver.received()[0].signature_valid);

        receiver.set_secrets(&[OTHER_SECRET.to_owned(), SECRET.to_owned()]);
        receiver.fail_next(2, 500);
        let statuses = [
            deliver(&url, &[SECRET], "msg_1", unix_now(), "{}").await,
            deliver(&url, &[SECRET], "msg_1", unix_now(), "{}").await,
            deliver(&url, &[SECRET], "msg_1", unix_now(), "{}").await,
        ];
        assert_eq!(statuses, [500, 500, 204]);

        receiver.fail_always(503);
        assert_eq!(deliver(&url, &[SECRET], "msg_2", unix_now(), "{}").await, 503);
        assert_eq!(deliver(&url, &[SECRET], "msg_2", unix_now(), "{}").await, 503);
        receiver.heal();
        assert_eq!(deliver(&url, &[SECRET], "msg_2", unix_now(), "{}").await, 204);

        // During a rotation either secret verifies; the record says which one.
        assert_eq!(deliver(&url, &[OTHER_SECRET], "msg_3", unix_now(), "{}").await, 204);

        receiver.answer_slowly(Duration::from_millis(300));
        let started = Instant::now();
        assert_eq!(deliver(&url, &[SECRET], "msg_4", unix_now(), "{}").await, 204);
        assert!(started.elapsed() >= Duration::from_millis(300));
        receiver.heal();

        let received = receiver.received();
        let statuses: Vec<u16> = received.iter().map(|hook| hook.answered_status).collect();
        assert_eq!(statuses, [204, 500, 500, 204, 503, 503, 204, 204, 204]);
        assert!(received[1..].iter().all(|hook| hook.signature_valid));
        assert_eq!(received[7].matched_secret.as_deref(), Some(OTHER_SECRET));
        assert_eq!(received[8].matched_secret.as_deref(), Some(SECRET));

        // Other paths and methods are recorded, answered 404/405, and consume no scripted failure.
        receiver.fail_next(1, 500);
        let base = url.trim_end_matches("/hooks/scripted");
        let wrong_path = reqwest::Client::new().post(format!("{base}/hooks/other")).send().await;
        assert_eq!(wrong_path.map(|r| r.status().as_u16()).ok(), Some(404));
        let wrong_method = reqwest::Client::new().get(&url).send().await;
        assert_eq!(wrong_method.map(|r| r.status().as_u16()).ok(), Some(405));
        assert_eq!(deliver(&url, &[SECRET], "msg_5", unix_now(), "{}").await, 500);
    }

    #[tokio::test]
    #[should_panic(expected = "did not receive what was expected")]
    async fn webhooks_wait_for_panics_with_what_arrived() {
        let receiver = WebhookReceiver::start("waiting").await;
        receiver.wait_for(Duration::from_millis(100), |hooks| !hooks.is_empty()).await;
    }

    #[tokio::test]
    async fn webhooks_dropping_the_receiver_stops_the_server() {
        let receiver = WebhookReceiver::start("dropped").await;
        let url = receiver.url();
        assert_eq!(deliver(&url, &[SECRET], "msg_1", unix_now(), "{}").await, 204);
        drop(receiver);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(reqwest::Client::new().post(&url).body("{}").send().await.is_err(), "{url} still answers");
    }

    #[tokio::test]
    #[should_panic(expected = "not a Standard Webhooks secret")]
    async fn webhooks_set_secrets_rejects_malformed_secrets() {
        let receiver = WebhookReceiver::start("strict").await;
        receiver.set_secrets(&["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()]);
    }
}
