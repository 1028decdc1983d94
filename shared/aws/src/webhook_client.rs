//! The outgoing HTTP client of webhook deliveries (feature `webhook-client`, the webhooks function only;
//! docs/decisions/0018-webhook-deliveries-trust-the-public-roots.md). It sends one prepared `POST` (the Standard
//! Webhooks signature is made by the caller) to a customer's endpoint and reports the status and an excerpt of the
//! answer.
//!
//! - **Trust**: Mozilla's root set of the `webpki-roots` crate, compiled in; rustls with the `ring` provider. No
//!   certificate file is read, not even at init.
//! - **SSRF guards**: only `https://` URLs; an IP literal in the URL and every address a host name resolves to must be
//!   publicly routable ([`is_public_address`]): loopback, private, link-local (the instance metadata service
//!   169.254.169.254, `fd00:ec2::254`), CGNAT, multicast, documentation and the other special ranges are dropped. The
//!   connection goes to the vetted addresses only, so a second DNS answer cannot point it elsewhere (no rebinding).
//!   [`WebhookClientSettings::allow_loopback`] lets local development and tests reach receivers on `127.0.0.1` over
//!   plain `http://`. In Lambda it must stay off: the Runtime API listens on loopback.
//! - **No redirects**: a 3xx is a non-2xx answer like any other.
//! - **Bounded**: a connect timeout and a timeout of the whole exchange; at most [`EXCERPT_BYTES`] of the answer's body
//!   are read, then the connection is dropped. Each delivery opens its own HTTP/1 connection (hyper's
//!   `client::conn`, no pool: nothing stale after a frozen container, no request sent twice) and drives it itself.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::Either;
use http::header::{
    HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, TRANSFER_ENCODING, UPGRADE,
};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use tower_service::Service;

pub use orders_domain::webhooks::is_public_address;

/// How much of an answer's body is read, at most; the rest is never received.
pub const EXCERPT_BYTES: usize = 1024;
/// How many characters of the body [`WebhookResponse::excerpt`] keeps.
pub const EXCERPT_CHARS: usize = 256;
/// The `user-agent` of deliveries, unless the caller passes its own.
pub const USER_AGENT: &str = concat!("orders-pipeline-webhooks/", env!("CARGO_PKG_VERSION"));

/// How deliveries connect.
#[derive(Debug, Clone)]
pub struct WebhookClientSettings {
    /// Allow loopback addresses (`127.0.0.0/8`, `::1`) and plain `http://` URLs: local development and tests only,
    /// where receivers listen on `127.0.0.1`. Every other address that is not publicly routable stays refused.
    pub allow_loopback: bool,
    /// Time to resolve the host, connect and finish the TLS handshake.
    pub connect_timeout: Duration,
    /// Time for the whole delivery: connecting, sending, the answer's head and the excerpt of its body.
    pub request_timeout: Duration,
}

impl Default for WebhookClientSettings {
    /// Deployed settings: public addresses over HTTPS only, 5 s to connect, 10 s in all.
    fn default() -> Self {
        Self {
            allow_loopback: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// What an endpoint answered. Any status is an answer; whether it counts as delivered (2xx) is the caller's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// The HTTP status code (a 3xx is not followed).
    pub status: u16,
    /// The start of the body: at most [`EXCERPT_BYTES`] read, decoded as lossy UTF-8, cut to [`EXCERPT_CHARS`]
    /// characters and trimmed of surrounding white space.
    pub excerpt: String,
    /// Milliseconds from the start of the delivery until the excerpt was read.
    pub elapsed_ms: u64,
}

/// Why a delivery got no answer. The messages are short and safe to show to the endpoint's owner (they go to the
/// delivery log): they name the URL's host at most, never an address a host name resolved to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The URL is not an absolute `https://` URL with a host (or `http://` with `allow_loopback`).
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The URL's IP literal, or every address its host resolves to, is not publicly routable.
    #[error("refused address: {0}")]
    RefusedAddress(String),
    /// A header the caller passed is not a valid header or is one the client sets itself.
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    /// No complete answer within [`WebhookClientSettings::request_timeout`].
    #[error("timed out")]
    Timeout,
    /// The host could not be resolved or connected to (refused, unreachable, connect timeout).
    #[error("could not connect: {0}")]
    Connect(String),
    /// The TLS handshake failed (for instance a certificate no public root vouches for).
    #[error("TLS error: {0}")]
    Tls(String),
    /// The connection broke or the answer was not valid HTTP/1.
    #[error("HTTP error: {0}")]
    Http(String),
}

impl DeliveryError {
    /// A stable name of the kind, for metrics and the delivery log (`refused_address`, `timeout`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidUrl(_) => "invalid_url",
            Self::RefusedAddress(_) => "refused_address",
            Self::InvalidHeader(_) => "invalid_header",
            Self::Timeout => "timeout",
            Self::Connect(_) => "connect",
            Self::Tls(_) => "tls",
            Self::Http(_) => "http",
        }
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;
type Connector = ConnectTimeout<HttpsConnector<HttpConnector<PublicResolver>>>;

/// The client of webhook deliveries: built once per container, cheap to clone (the clones share it).
#[derive(Clone)]
pub struct WebhookClient {
    connector: Connector,
    settings: Arc<WebhookClientSettings>,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl WebhookClient {
    /// A client with `settings`. Reads no file: the roots are compiled in.
    pub fn new(settings: WebhookClientSettings) -> Self {
        let mut http = HttpConnector::new_with_resolver(PublicResolver { allow_loopback: settings.allow_loopback });
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(settings.connect_timeout));
        let builder = HttpsConnectorBuilder::new().with_tls_config(tls_config());
        let builder = if settings.allow_loopback { builder.https_or_http() } else { builder.https_only() };
        let connector =
            ConnectTimeout { inner: builder.enable_http1().wrap_connector(http), timeout: settings.connect_timeout };
        Self { connector, settings: Arc::new(settings) }
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &WebhookClientSettings {
        &self.settings
    }

    /// Checks `url` as [`WebhookClient::post`] does before connecting: scheme, host, no credentials, and a public
    /// address if the host is an IP literal (for registering an endpoint). A host name is vetted when a delivery
    /// resolves it.
    pub fn check_url(&self, url: &str) -> Result<(), DeliveryError> {
        check_url(url, self.settings.allow_loopback).map(|_| ())
    }

    /// Sends `body` to `url` as a `POST` with `content-type: application/json`, `user-agent: `[`USER_AGENT`] and
    /// `headers` (which replace those two if they name them; `host`, `content-length`, `transfer-encoding`,
    /// `connection` and `upgrade` are refused), `host` from the URL. Any HTTP status is an `Ok` answer; redirects
    /// are not followed.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<WebhookResponse, DeliveryError> {
        let uri = check_url(url, self.settings.allow_loopback)?;
        let request = build_request(&uri, headers, body)?;
        let started = Instant::now();
        let (status, excerpt) = tokio::time::timeout(self.settings.request_timeout, self.exchange(uri, request))
            .await
            .map_err(|_| DeliveryError::Timeout)??;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(WebhookResponse { status, excerpt, elapsed_ms })
    }

    /// One connection for one request: connect, send, read the status and the excerpt, drop the connection. The
    /// connection is driven here, not by a spawned task, so a timeout drops all of it.
    async fn exchange(&self, uri: Uri, request: Request<Full<Bytes>>) -> Result<(u16, String), DeliveryError> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx)).await.map_err(|e| connect_error(&*e))?;
        let stream = connector.call(uri).await.map_err(|e| connect_error(&*e))?;
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            // Bounds the answer's head (hyper's default is about 400 KB).
            .max_buf_size(64 * 1024)
            .handshake(stream)
            .await
            .map_err(|e| http_error(&e))?;
        let answer = async move {
            let response = sender.send_request(request).await.map_err(|e| http_error(&e))?;
            let status = response.status().as_u16();
            Ok((status, read_excerpt(response.into_body()).await))
        };
        match futures::future::select(pin!(answer), pin!(connection)).await {
            Either::Left((answer, _connection)) => answer,
            // The connection ended (closed or broken): the answer is complete or fails now.
            Either::Right((_, answer)) => answer.await,
        }
    }
}

/// Public, or loopback when loopback is allowed.
fn permitted(ip: IpAddr, allow_loopback: bool) -> bool {
    is_public_address(ip) || (allow_loopback && ip.to_canonical().is_loopback())
}

fn check_url(url: &str, allow_loopback: bool) -> Result<Uri, DeliveryError> {
    let invalid = |reason: &str| DeliveryError::InvalidUrl(reason.to_owned());
    let uri: Uri = url.parse().map_err(|_| invalid("not an absolute URL"))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_loopback => {}
        Some("http") => return Err(invalid("only https:// URLs are allowed")),
        _ => return Err(invalid("the URL must start with https://")),
    }
    let Some(authority) = uri.authority() else { return Err(invalid("the URL has no host")) };
    if authority.as_str().contains('@') {
        return Err(invalid("the URL must not contain a user name or password"));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(invalid("the URL has no host"));
    }
    // The connector connects to an IP literal without asking the resolver, so it is vetted here, the same way.
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        if !permitted(ip, allow_loopback) {
            return Err(DeliveryError::RefusedAddress(format!("{ip} is not a public address")));
        }
    }
    Ok(uri)
}

/// Headers the HTTP client sets itself.
const RESERVED_HEADERS: [HeaderName; 5] = [HOST, CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION, UPGRADE];

/// The request to `uri` in origin form, with its `host`.
fn build_request(uri: &Uri, headers: &[(&str, String)], body: Vec<u8>) -> Result<Request<Full<Bytes>>, DeliveryError> {
    let invalid = || DeliveryError::InvalidUrl("not an absolute URL".to_owned());
    let host = uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()).ok_or_else(invalid)?;
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = target.parse().map_err(|_| invalid())?;
    let map = request.headers_mut();
    map.insert(HOST, host);
    map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    map.insert(http::header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| DeliveryError::InvalidHeader("a header name is not valid".to_owned()))?;
        if RESERVED_HEADERS.contains(&name) {
            return Err(DeliveryError::InvalidHeader(format!("{name} is set by the client")));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| DeliveryError::InvalidHeader(format!("the value of {name} is not valid")))?;
        map.insert(name, value);
    }
    Ok(request)
}

/// Reads at most [`EXCERPT_BYTES`] of `body`, then drops it (and with it the connection).
async fn read_excerpt(mut body: Incoming) -> String {
    let mut read = Vec::with_capacity(EXCERPT_BYTES);
    while read.len() < EXCERPT_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let take = data.len().min(EXCERPT_BYTES - read.len());
                    read.extend_from_slice(&data[..take]);
                }
            }
            // The status is the answer; a body that breaks off leaves what was read.
            Some(Err(_)) | None => break,
        }
    }
    excerpt_text(&read)
}

/// Lossy UTF-8, at most [`EXCERPT_CHARS`] characters, trimmed. A character cut at the byte limit never shows:
/// `EXCERPT_BYTES` bytes hold at least `EXCERPT_CHARS` whole characters before it.
fn excerpt_text(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(bytes).chars().take(EXCERPT_CHARS).collect();
    text.trim().to_owned()
}

fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A safe, short description of a failed connection set-up (DNS, TCP, TLS).
fn connect_error(error: &(dyn StdError + 'static)) -> DeliveryError {
    if let Some(resolve) = find_cause::<ResolveError>(error) {
        return match resolve {
            ResolveError::Refused(host) => {
                DeliveryError::RefusedAddress(format!("{host} resolves to no public address"))
            }
            ResolveError::Lookup(host) => DeliveryError::Connect(format!("could not resolve {host}")),
        };
    }
    if find_cause::<ConnectTimedOut>(error).is_some() {
        return DeliveryError::Connect("connect timed out".to_owned());
    }
    if let Some(tls) = find_cause::<rustls::Error>(error) {
        return DeliveryError::Tls(short(&tls.to_string()));
    }
    let reason = io_errors(error)
        .into_iter()
        .find_map(|e| match e.kind() {
            io::ErrorKind::ConnectionRefused => Some("connection refused"),
            io::ErrorKind::ConnectionReset => Some("connection reset"),
            io::ErrorKind::ConnectionAborted => Some("connection aborted"),
            io::ErrorKind::TimedOut => Some("connect timed out"),
            io::ErrorKind::NetworkUnreachable => Some("network unreachable"),
            io::ErrorKind::HostUnreachable => Some("host unreachable"),
            io::ErrorKind::UnexpectedEof => Some("connection closed during the TLS handshake"),
            _ => None,
        })
        .unwrap_or("connection failed");
    DeliveryError::Connect(reason.to_owned())
}

/// A safe, short description of a failed exchange on an open connection.
fn http_error(error: &hyper::Error) -> DeliveryError {
    DeliveryError::Http(short(&error.to_string()))
}

fn short(message: &str) -> String {
    message.chars().take(200).collect()
}

/// The first error of type `T` in `error`'s chain, looking into the errors an `io::Error` wraps too (its `source()`
/// skips them).
fn find_cause<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = current.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            if let Some(found) = find_cause::<T>(inner) {
                return Some(found);
            }
        }
        next = current.source();
    }
    None
}

/// Every `io::Error` in `error`'s chain, outermost first.
fn io_errors<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a io::Error> {
    let mut found = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(io) = current.downcast_ref::<io::Error>() {
            found.push(io);
            if let Some(inner) = io.get_ref() {
                found.extend(io_errors(inner));
            }
        }
        next = current.source();
    }
    found
}

/// Why the resolver gave no address.
#[derive(Debug, thiserror::Error)]
enum ResolveError {
    /// Every address the host resolves to is refused.
    #[error("{0} resolves to no public address")]
    Refused(String),
    /// The lookup failed.
    #[error("could not resolve {0}")]
    Lookup(String),
}

/// hyper-util's `HttpConnector` resolver: `getaddrinfo` through `tokio::net::lookup_host`, keeping only the addresses
/// [`permitted`] allows. The connector connects to exactly these.
#[derive(Clone)]
struct PublicResolver {
    allow_loopback: bool,
}

impl Service<Name> for PublicResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = ResolveError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ResolveError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ResolveError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str();
            // The port is set by the connector.
            let resolved =
                tokio::net::lookup_host((host, 0)).await.map_err(|_| ResolveError::Lookup(host.to_owned()))?;
            let vetted: Vec<SocketAddr> = resolved.filter(|addr| permitted(addr.ip(), allow_loopback)).collect();
            if vetted.is_empty() {
                return Err(ResolveError::Refused(host.to_owned()));
            }
            Ok(vetted.into_iter())
        })
    }
}

/// Resolving, connecting and the TLS handshake took longer than the connect timeout.
#[derive(Debug, thiserror::Error)]
#[error("connect timed out")]
struct ConnectTimedOut;

/// Bounds the whole connection set-up (DNS, TCP, TLS); the `HttpConnector`'s own timeout covers TCP only.
#[derive(Clone)]
struct ConnectTimeout<C> {
    inner: C,
    timeout: Duration,
}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri>,
    C::Response: Send + 'static,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let connecting = self.inner.call(destination);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(Box::new(ConnectTimedOut) as BoxError),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use http::{Response, StatusCode};
    use http_body_util::combinators::BoxBody;
    use http_body_util::StreamBody;
    use hyper::body::Frame;
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    use super::*;

    type TestBody = BoxBody<Bytes, Infallible>;

    fn client(allow_loopback: bool) -> WebhookClient {
        WebhookClient::new(WebhookClientSettings {
            allow_loopback,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an IP address")
    }

    /// An HTTP/1 server on 127.0.0.1 answering every request with `handler`.
    async fn serve<H, F>(handler: H) -> SocketAddr
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Response<TestBody>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("the local address");
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let answer = handler(request);
                        async move { Ok::<_, Infallible>(answer.await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        address
    }

    fn full(text: &'static str) -> TestBody {
        Full::new(Bytes::from_static(text.as_bytes())).boxed()
    }

    #[test]
    fn public_addresses_are_told_from_the_others() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.167.255.255",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        let refused = [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "169.254.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "::10.0.0.1",
            "::169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "64:ff9b::c0a8:101",
            "64:ff9b:1::808:808",
            "2002:a9fe:a9fe::1",
            "2002:7f00:1::1",
            "2002:a00:1::1",
            "fe80::1",
            "febf:ffff::1",
            "fec0::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "3fff::1",
            "2001::1",
            "2001:2::1",
            "100::1",
            "1000::1",
            "4000::1",
        ];
        for address in public {
            assert!(is_public_address(ip(address)), "{address} is public");
        }
        for address in refused {
            assert!(!is_public_address(ip(address)), "{address} is not public");
        }
    }

    #[test]
    fn allow_loopback_lets_loopback_through_and_nothing_else() {
        for address in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(permitted(ip(address), true), "{address} with allow_loopback");
            assert!(!permitted(ip(address), false), "{address} without allow_loopback");
        }
        for address in ["10.0.0.1", "169.254.169.254", "0.0.0.0", "::", "fd00:ec2::254", "192.168.0.1"] {
            assert!(!permitted(ip(address), true), "{address} even with allow_loopback");
        }
        assert!(permitted(ip("8.8.8.8"), false));
    }

    #[tokio::test]
    async fn a_url_with_a_private_ip_literal_is_refused_before_connecting() {
        for url in [
            "https://10.0.0.1/hooks",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:169.254.169.254]/",
            "https://[fd00:ec2::254]/",
            "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "https://0.0.0.0/",
        ] {
            let error = client(false).post(url, &[], b"{}".to_vec()).await.expect_err(url);
            assert!(matches!(error, DeliveryError::RefusedAddress(_)), "{url}: {error}");
            assert_eq!(error.kind(), "refused_address");
        }
        // Loopback is allowed for local development; the private ranges stay refused.
        let error = client(true).post("http://192.168.1.1/", &[], Vec::new()).await.expect_err("refused");
        assert_eq!(error, DeliveryError::RefusedAddress("192.168.1.1 is not a public address".to_owned()));
    }

    #[tokio::test]
    async fn only_https_urls_are_allowed_without_allow_loopback() {
        let client = client(false);
        assert_eq!(
            client.post("http://example.com/hooks", &[], Vec::new()).await,
            Err(DeliveryError::InvalidUrl("only https:// URLs are allowed".to_owned()))
        );
        for url in ["ftp://example.com/", "/hooks", "example.com/hooks", "https://", "https://user:pw@example.com/"] {
            let error = client.check_url(url).expect_err(url);
            assert!(matches!(error, DeliveryError::InvalidUrl(_)), "{url}: {error}");
        }
        assert_eq!(client.check_url("https://example.com/hooks?x=1"), Ok(()));
        assert_eq!(
            client.check_url("https://[::1]/"),
            Err(DeliveryError::RefusedAddress("::1 is not a public address".to_owned()))
        );
    }

    #[tokio::test]
    async fn localhost_is_refused_without_allow_loopback() {
        let error = client(false).post("https://localhost:9001/", &[], Vec::new()).await.expect_err("refused");
        assert_eq!(error, DeliveryError::RefusedAddress("localhost resolves to no public address".to_owned()));
    }

    #[tokio::test]
    async fn a_delivery_arrives_and_only_an_excerpt_of_the_answer_is_read() {
        let (sender, mut received) = mpsc::unbounded_channel();
        let address = serve(move |request: Request<Incoming>| {
            let sender = sender.clone();
            async move {
                let (head, body) = request.into_parts();
                let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let _ = sender.send((head, body));
                // An answer that never ends: 2-byte characters, forever.
                let chunks = futures::stream::repeat_with(|| Ok(Frame::data(Bytes::from("é".repeat(100)))));
                Response::new(StreamBody::new(chunks).boxed())
            }
        })
        .await;
        let headers = [
            ("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W".to_owned()),
            ("Webhook-Timestamp", "1674087231".to_owned()),
            ("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=".to_owned()),
        ];
        let body = br#"{"type":"order.confirmed","data":{"id":"ord_1"}}"#.to_vec();
        let url = format!("http://{address}/hooks/1?tenant=a");
        let answer = tokio::time::timeout(Duration::from_secs(5), client(true).post(&url, &headers, body.clone()))
            .await
            .expect("the client stops reading after the excerpt")
            .expect("delivered");

        assert_eq!(answer.status, 200);
        assert_eq!(answer.excerpt, "é".repeat(EXCERPT_CHARS));
        assert!(answer.elapsed_ms < 5_000);
        let (head, received_body) = received.recv().await.expect("the request");
        assert_eq!(head.method, Method::POST);
        assert_eq!(head.uri, "/hooks/1?tenant=a");
        assert_eq!(received_body, body);
        let header = |name: &str| head.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(header("content-type"), "application/json");
        assert_eq!(header("user-agent"), USER_AGENT);
        assert_eq!(header("webhook-id"), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
        assert_eq!(header("webhook-timestamp"), "1674087231");
        assert_eq!(header("webhook-signature"), "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=");
        assert_eq!(header("content-length"), body.len().to_string());
        assert_eq!(header("host"), address.to_string());
    }

    #[tokio::test]
    async fn a_host_name_resolving_to_loopback_is_reached_with_allow_loopback() {
        let address = serve(|_| async { Response::new(full("  ok\n")) }).await;
        let url = format!("http://localhost:{}/", address.port());
        let answer = client(true).post(&url, &[], Vec::new()).await.expect("delivered");
        assert_eq!((answer.status, answer.excerpt.as_str()), (200, "ok"));
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed() {
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        let address = serve(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                let mut response = Response::new(full("moved"));
                *response.status_mut() = StatusCode::FOUND;
                response.headers_mut().insert(http::header::LOCATION, HeaderValue::from_static("/elsewhere"));
                response
            }
        })
        .await;
        let answer = client(true).post(&format!("http://{address}/hooks"), &[], Vec::new()).await.expect("an answer");
        assert_eq!((answer.status, answer.excerpt.as_str()), (302, "moved"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_receiver_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("the local address");
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let client = WebhookClient::new(WebhookClientSettings {
            allow_loopback: true,
            connect_timeout: Duration::from_millis(200),
            request_timeout: Duration::from_millis(300),
        });
        let started = Instant::now();
        let error = client.post(&format!("http://{address}/"), &[], b"{}".to_vec()).await.expect_err("no answer");
        assert_eq!(error, DeliveryError::Timeout);
        assert_eq!(error.to_string(), "timed out");
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn connection_and_tls_failures_say_what_happened() {
        let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("the local address");
        let error = client(true).post(&format!("http://{closed}/"), &[], Vec::new()).await.expect_err("refused");
        assert_eq!(error, DeliveryError::Connect("connection refused".to_owned()));

        // TLS to a plain HTTP server.
        let address = serve(|_| async { Response::new(full("plain")) }).await;
        let error = client(true).post(&format!("https://{address}/"), &[], Vec::new()).await.expect_err("not TLS");
        assert!(matches!(error, DeliveryError::Tls(_)), "{error}");
    }

    #[tokio::test]
    async fn headers_the_client_sets_itself_or_invalid_ones_are_refused() {
        let client = client(true);
        let url = "http://127.0.0.1:9/";
        for (name, value) in [("host", "example.com"), ("content-length", "1"), ("bad header", "x"), ("x-a", "a\nb")] {
            let error = client.post(url, &[(name, value.to_owned())], Vec::new()).await.expect_err(name);
            assert!(matches!(error, DeliveryError::InvalidHeader(_)), "{name}: {error}");
        }
    }

    /// Needs the internet: `cargo test -p orders-aws -F webhook-client -- --ignored public_https`.
    #[tokio::test]
    #[ignore = "needs the internet"]
    async fn a_public_https_server_is_trusted() {
        let answer = client(false).post("https://example.com/", &[], b"{}".to_vec()).await.expect("an answer");
        assert!(answer.status >= 200, "{answer:?}");
    }

    #[test]
    fn the_trust_store_is_mozillas_set() {
        assert!(webpki_roots::TLS_SERVER_ROOTS.len() > 100);
        // Building the client reads no file and needs no runtime.
        let client = WebhookClient::new(WebhookClientSettings::default());
        assert!(!client.settings().allow_loopback);
    }

    #[test]
    fn an_excerpt_is_lossy_cut_and_trimmed() {
        assert_eq!(excerpt_text(b"  {\"error\":\"nope\"}\n"), "{\"error\":\"nope\"}");
        assert_eq!(excerpt_text(b"ok \xff"), "ok \u{fffd}");
        assert_eq!(excerpt_text(&[b'a'; EXCERPT_BYTES]).len(), EXCERPT_CHARS);
        // 1 + 255 four-byte characters, then 3 bytes of a cut one: the cut one is beyond the 256 characters.
        let mut cut = b"a".to_vec();
        cut.extend("😀".repeat(256).as_bytes());
        cut.truncate(EXCERPT_BYTES);
        let excerpt = excerpt_text(&cut);
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS);
        assert!(!excerpt.contains('\u{fffd}'));
    }
}
