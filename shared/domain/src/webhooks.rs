//! Signed webhooks as the Standard Webhooks specification has them (<https://www.standardwebhooks.com/>): the
//! events an endpoint can subscribe to and which order changes raise them, an endpoint as its operator registers it,
//! the signature of a delivery (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`), each endpoint's signing secret
//! (`whsec_…`, derived from the one secret the stack keeps for this purpose) and the retry schedule
//! (docs/decisions/0017-signed-webhooks.md).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::lifecycle::OrderStatus;
use crate::order::Order;
use crate::parsing::{malformed_at, RequestError};
use crate::signing::SigningKey;
use crate::validation::{text_problem, FieldError};

/// What happened, as an endpoint subscribes to it and a delivery's `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum WebhookEventType {
    /// An order was stored (any channel).
    OrderReceived,
    /// Confirmed as ordered.
    OrderAccepted,
    /// Confirmed with other quantities or dates.
    OrderAcceptedWithChanges,
    /// Refused.
    OrderRejected,
    /// Its lines, quantities, dates or delivery address changed after it was answered.
    OrderChanged,
    /// Cancelled.
    OrderCancelled,
    /// Goods left the warehouse (each despatch).
    OrderDespatched,
    /// Everything confirmed has shipped.
    OrderDelivered,
    /// An invoice was issued.
    InvoiceIssued,
    /// A credit note was issued.
    CreditNoteIssued,
}

impl WebhookEventType {
    /// Every event, in the order the API lists them.
    pub const ALL: [Self; 10] = [
        Self::OrderReceived,
        Self::OrderAccepted,
        Self::OrderAcceptedWithChanges,
        Self::OrderRejected,
        Self::OrderChanged,
        Self::OrderCancelled,
        Self::OrderDespatched,
        Self::OrderDelivered,
        Self::InvoiceIssued,
        Self::CreditNoteIssued,
    ];

    /// Its name (`order.accepted`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderReceived => "order.received",
            Self::OrderAccepted => "order.accepted",
            Self::OrderAcceptedWithChanges => "order.accepted_with_changes",
            Self::OrderRejected => "order.rejected",
            Self::OrderChanged => "order.changed",
            Self::OrderCancelled => "order.cancelled",
            Self::OrderDespatched => "order.despatched",
            Self::OrderDelivered => "order.delivered",
            Self::InvoiceIssued => "invoice.issued",
            Self::CreditNoteIssued => "credit_note.issued",
        }
    }

    /// The event named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl TryFrom<String> for WebhookEventType {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("not a webhook event: {value:?}"))
    }
}

impl From<WebhookEventType> for &'static str {
    fn from(value: WebhookEventType) -> Self {
        value.as_str()
    }
}

impl std::fmt::Display for WebhookEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The events an order's change raises: `before` is the order as it was (`None` when it was just stored).
/// A despatch raises `order.despatched` (and `order.delivered` when it ships the rest); an answer raises the
/// answer's event; `order.changed` is raised only by a change that raised nothing else and kept the status.
pub fn order_events(before: Option<&Order>, after: &Order) -> Vec<WebhookEventType> {
    let Some(before) = before else {
        return vec![WebhookEventType::OrderReceived];
    };
    let mut events = Vec::new();
    let shipped = |o: &Order| o.lines.iter().map(|l| l.shipped_quantity).sum::<rust_decimal::Decimal>();
    if shipped(after) > shipped(before) {
        events.push(WebhookEventType::OrderDespatched);
    }
    if before.status != after.status {
        let event = match after.status {
            OrderStatus::Accepted => Some(WebhookEventType::OrderAccepted),
            OrderStatus::AcceptedWithChanges => Some(WebhookEventType::OrderAcceptedWithChanges),
            OrderStatus::Rejected => Some(WebhookEventType::OrderRejected),
            OrderStatus::Cancelled => Some(WebhookEventType::OrderCancelled),
            OrderStatus::Delivered => Some(WebhookEventType::OrderDelivered),
            OrderStatus::Received
            | OrderStatus::PendingResponse
            | OrderStatus::PartiallyDelivered
            | OrderStatus::PartiallyInvoiced
            | OrderStatus::Invoiced
            | OrderStatus::Closed => None,
        };
        events.extend(event);
        return events;
    }
    if events.is_empty() && terms_changed(before, after) {
        events.push(WebhookEventType::OrderChanged);
    }
    events
}

/// The event an issued billing document raises: `invoice.issued`, `credit_note.issued`; a debit note none.
pub fn document_event(kind: crate::document_kind::DocumentKind) -> Option<WebhookEventType> {
    match kind {
        crate::document_kind::DocumentKind::Invoice => Some(WebhookEventType::InvoiceIssued),
        crate::document_kind::DocumentKind::CreditNote => Some(WebhookEventType::CreditNoteIssued),
        crate::document_kind::DocumentKind::DebitNote => None,
    }
}

/// Whether what the buyer was promised changed: a line's quantity, confirmed quantity or date, the lines
/// themselves, the delivery address or date.
fn terms_changed(before: &Order, after: &Order) -> bool {
    let line_terms = |o: &Order| {
        o.lines
            .iter()
            .map(|l| (l.line_no, l.quantity, l.confirmed_quantity, l.requested_delivery_date))
            .collect::<Vec<_>>()
    };
    line_terms(before) != line_terms(after)
        || before.delivery_address != after.delivery_address
        || before.requested_delivery_date != after.requested_delivery_date
}

/// A delivery's message id (`webhook-id`): the same for every endpoint and every attempt of one event. `source`
/// names what raised the event once and for all (the stream record's id), `at_ms` when (Unix milliseconds) and
/// `sequence` where in the stream (its sequence number): ids of later events sort after earlier ones, also within
/// one second, and of two events of one change the one earlier in the lifecycle first.
pub fn message_id(source: &str, event: WebhookEventType, at_ms: i64, sequence: &str) -> String {
    let digits: String = sequence.chars().filter(char::is_ascii_digit).collect();
    let tail = digits.get(digits.len().saturating_sub(12)..).unwrap_or_default();
    let rank = WebhookEventType::ALL.iter().position(|e| *e == event).unwrap_or_default();
    let digest = Sha256::digest(format!("{source}\u{1f}{}", event.as_str()).as_bytes());
    format!("msg_{:012x}{tail:0>12}{rank:x}{}", at_ms.max(0), &hex_lower(&digest)[..12])
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An endpoint's id (`whe_` and up to 40 letters or digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EndpointId(String);

impl EndpointId {
    /// The id `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("whe_")?;
        let ok = !rest.is_empty() && rest.len() <= 40 && rest.chars().all(|c| c.is_ascii_alphanumeric());
        ok.then(|| Self(text.to_owned()))
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EndpointId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| format!("not an endpoint id: {value:?}"))
    }
}

impl From<EndpointId> for String {
    fn from(value: EndpointId) -> Self {
        value.0
    }
}

impl std::fmt::Display for EndpointId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2048;

/// Where deliveries go: `https://host[:port]/path`; `http://` only to a loopback host (127.0.0.1, `localhost`,
/// `[::1]`) where the stack allows it (local development). No user info, no fragment. Whether the host's
/// addresses are public is checked when delivering (they may change).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// The URL `text`, or why not.
    pub fn parse(text: &str, allow_loopback: bool) -> Result<Self, String> {
        if text.chars().count() > MAX_URL_CHARS || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("a URL of at most {MAX_URL_CHARS} characters without spaces"));
        }
        let (scheme, rest) = text.split_once("://").ok_or("an absolute URL (https://…)")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if rest.contains('#') {
            return Err("a URL without a fragment (#…)".into());
        }
        if authority.contains('@') {
            return Err("a URL without user name or password".into());
        }
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default().to_ascii_lowercase(),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h).to_ascii_lowercase(),
        };
        if host.is_empty() {
            return Err("a URL with a host".into());
        }
        if let Some(port) = authority
            .strip_prefix('[')
            .map_or(authority, |a| a.rsplit(']').next().unwrap_or_default())
            .rsplit_once(':')
            .map(|(_, p)| p)
        {
            if port.parse::<u16>().map_or(true, |p| p == 0) {
                return Err("a port from 1 to 65535".into());
            }
        }
        let literal = host.parse::<IpAddr>().ok();
        let loopback = host == "localhost" || literal.is_some_and(|ip| ip.to_canonical().is_loopback());
        if literal.is_some_and(|ip| !(is_public_address(ip) || loopback && allow_loopback)) {
            return Err("a public address, not a private, loopback or link-local one".into());
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" if loopback && !allow_loopback => Err("a public host, not this machine".into()),
            "https" => Ok(Self(text.to_owned())),
            "http" if loopback && allow_loopback => Ok(Self(text.to_owned())),
            "http" if allow_loopback => Err("https://, or http:// to this machine (127.0.0.1) locally".into()),
            _ => Err("an https:// URL".into()),
        }
    }

    /// Its text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `ip` is publicly routable. Refused: IPv4 `0.0.0.0/8`, `10/8`, `100.64/10` (CGNAT), `127/8`,
/// `169.254/16` (link-local, the metadata service), `172.16/12`, `192.0.0/24`, `192.0.2/24`, `192.88.99/24` (6to4
/// relays), `192.168/16`, `198.18/15` (benchmarking), `198.51.100/24`, `203.0.113/24`, `224/4` (multicast),
/// `240/4` (reserved, broadcast); IPv6 outside the global unicast `2000::/3` (so `::`, `::1`, `fc00::/7`,
/// `fe80::/10`, `ff00::/8`, …), `2001::/23` (Teredo, benchmarking, …), `2001:db8::/32` and `3fff::/20`
/// (documentation). An IPv4 address inside IPv6 — mapped `::ffff:0:0/96`, compatible `::/96`, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16` — is judged as that IPv4 address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

/// IPv4 networks that are not publicly routable.
const V4_REFUSED: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", the unspecified address
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (CGNAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, the instance metadata service
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation (TEST-NET-1)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast (deprecated)
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation (TEST-NET-2)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation (TEST-NET-3)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, the limited broadcast address
];

/// IPv6 networks inside the global unicast `2000::/3` that are not publicly routable.
const V6_REFUSED: [(Ipv6Addr, u8); 3] = [
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments: Teredo, benchmarking, ORCHID
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    !V4_REFUSED.iter().any(|&(net, len)| (ip ^ u32::from(net)) >> (32 - u32::from(len)) == 0)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let bits = u128::from(ip);
    let global_unicast = bits >> 125 == 0b001;
    global_unicast && !V6_REFUSED.iter().any(|&(net, len)| (bits ^ u128::from(net)) >> (128 - u32::from(len)) == 0)
}

/// The IPv4 address an IPv4-mapped, IPv4-compatible, NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address stands
/// for. `::` and `::1` come out as `0.0.0.0` and `0.0.0.1`, both refused.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let [.., a, b, c, d] = ip.octets();
    let low = Ipv4Addr::new(a, b, c, d);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

/// The longest endpoint description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// An endpoint as its operator registers it (`POST /v1/webhook-endpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where deliveries go.
    pub url: WebhookUrl,
    /// What it is sent (at least one event, each once).
    pub events: Vec<WebhookEventType>,
    /// What it is for.
    pub description: String,
}

/// A change of an endpoint (`PATCH /v1/webhook-endpoints/{id}`): what is named changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChange {
    /// A new URL.
    pub url: Option<WebhookUrl>,
    /// Other events.
    pub events: Option<Vec<WebhookEventType>>,
    /// Another description.
    pub description: Option<String>,
    /// Disabled (`false`: nothing is sent) or enabled again (`true`: a failing endpoint is tried afresh).
    pub enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointBody {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// The body's fields; a field given as `null` is refused (leave it out instead).
fn read_body(json: &str) -> Result<EndpointBody, RequestError> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value: serde_json::Value = serde_path_to_error::deserialize(&mut deserializer).map_err(malformed_at)?;
    let nulls: Vec<FieldError> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.is_null())
        .map(|(name, _)| FieldError::new(format!("/{name}"), "leave the field out instead of null"))
        .collect();
    if !nulls.is_empty() {
        return Err(RequestError::Invalid(nulls));
    }
    serde_path_to_error::deserialize(value).map_err(malformed_at)
}

fn read_url(text: &str, allow_loopback: bool, errors: &mut Vec<FieldError>) -> Option<WebhookUrl> {
    WebhookUrl::parse(text.trim(), allow_loopback).map_err(|e| errors.push(FieldError::new("/url", e))).ok()
}

fn read_events(names: &[String], errors: &mut Vec<FieldError>) -> Option<Vec<WebhookEventType>> {
    if names.is_empty() {
        errors.push(FieldError::new("/events", "at least one event"));
        return None;
    }
    let mut events = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match WebhookEventType::parse(name) {
            Some(event) if events.contains(&event) => {
                errors.push(FieldError::new(format!("/events/{i}"), format!("{name} is named twice")))
            }
            Some(event) => events.push(event),
            None => {
                let known: Vec<&str> = WebhookEventType::ALL.iter().map(|e| e.as_str()).collect();
                errors.push(FieldError::new(format!("/events/{i}"), format!("one of {}", known.join(", "))));
            }
        }
    }
    (events.len() == names.len()).then_some(events)
}

fn read_description(text: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push(FieldError::new("/description", format!("at most {MAX_DESCRIPTION_CHARS} characters")));
        return None;
    }
    match text_problem(text, false) {
        Some(problem) => {
            errors.push(FieldError::new("/description", problem));
            None
        }
        None => Some(text.trim().to_owned()),
    }
}

/// Reads `{"url", "events": [...], "description"?}`; `allow_loopback` as for [`WebhookUrl::parse`].
pub fn parse_new_endpoint(json: &str, allow_loopback: bool) -> Result<NewEndpoint, RequestError> {
    let body = read_body(json)?;
    let mut errors = Vec::new();
    if body.enabled.is_some() {
        errors.push(FieldError::new("/enabled", "a new endpoint is enabled; disable it with PATCH"));
    }
    let url = match body.url.as_deref() {
        Some(text) => read_url(text, allow_loopback, &mut errors),
        None => {
            errors.push(FieldError::new("/url", "where to deliver: an https:// URL"));
            None
        }
    };
    let events = match body.events.as_deref() {
        Some(names) => read_events(names, &mut errors),
        None => {
            errors.push(FieldError::new("/events", "the events to send, e.g. [\"order.accepted\"]"));
            None
        }
    };
    let description = read_description(body.description.as_deref().unwrap_or_default(), &mut errors);
    match (url, events, description) {
        (Some(url), Some(events), Some(description)) if errors.is_empty() => {
            Ok(NewEndpoint { url, events, description })
        }
        _ => Err(RequestError::Invalid(errors)),
    }
}

/// Reads `{"url"?, "events"?, "description"?, "enabled"?}` (at least one of them).
pub fn parse_endpoint_change(json: &str, allow_loopback: bool) -> Result<EndpointChange, RequestError> {
    let body = read_body(json)?;
    let mut errors = Vec::new();
    if body.url.is_none() && body.events.is_none() && body.description.is_none() && body.enabled.is_none() {
        errors.push(FieldError::new("", "name what changes: url, events, description or enabled"));
    }
    let change = EndpointChange {
        url: body.url.as_deref().and_then(|t| read_url(t, allow_loopback, &mut errors)),
        events: body.events.as_deref().and_then(|n| read_events(n, &mut errors)),
        description: body.description.as_deref().and_then(|t| read_description(t, &mut errors)),
        enabled: body.enabled,
    };
    if errors.is_empty() {
        Ok(change)
    } else {
        Err(RequestError::Invalid(errors))
    }
}

/// One endpoint's signing secret: 32 bytes when we derive it (the specification allows 24 to 64), shown to its
/// operator as `whsec_` + base64.
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointSecret(Vec<u8>);

impl std::fmt::Debug for EndpointSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EndpointSecret(..)")
    }
}

impl EndpointSecret {
    /// The secret of generation `generation` of endpoint `endpoint` of `tenant`, derived from `key` (a key of the
    /// webhook-signing secret): the same every time, different for every endpoint and generation.
    pub fn derive(key: &SigningKey, tenant: &str, endpoint: &EndpointId, generation: u32) -> Self {
        Self(
            key.derive(format!("webhook-endpoint\u{1f}{tenant}\u{1f}{endpoint}\u{1f}{generation}").as_bytes()).to_vec(),
        )
    }

    /// The secret from its `whsec_…` text.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.strip_prefix("whsec_")?).ok()?;
        (24..=64).contains(&bytes.len()).then_some(Self(bytes))
    }

    /// As the operator is shown it: `whsec_` + base64.
    pub fn to_whsec(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    /// The `v1,` signature of a delivery: base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(format!("{message_id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one `v1,` signature per secret in use (two while a rotation overlaps),
/// separated by spaces.
pub fn signature_header(secrets: &[EndpointSecret], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| s.sign(message_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The gaps before each retry: the specification's schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight
/// attempts over about 27.6 hours), or another one for a test stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self([5, 300, 1800, 7200, 18_000, 36_000, 36_000].into_iter().map(Duration::from_secs).collect())
    }
}

impl RetrySchedule {
    /// A schedule from seconds separated by commas (`5,300,1800`).
    pub fn parse(text: &str) -> Option<Self> {
        let gaps = text
            .split(',')
            .map(|s| s.trim().parse::<u64>().ok().map(Duration::from_secs))
            .collect::<Option<Vec<_>>>()?;
        (!gaps.is_empty() && gaps.len() <= 20).then_some(Self(gaps))
    }

    /// The gap after attempt `attempts` (1 after the first) failed; `None` when that was the last.
    pub fn gap_after(&self, attempts: u32) -> Option<Duration> {
        self.0.get(usize::try_from(attempts).ok()?.checked_sub(1)?).copied()
    }

    /// How many attempts a delivery gets in all.
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX).saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn signatures_match_the_specifications_test_vector() {
        let secret = EndpointSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("the vector's secret");
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(secret.to_whsec(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let other = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_331, br#"{"test": 2432232314}"#);
        assert_ne!(other, signature, "the timestamp is signed");
    }

    #[test]
    fn endpoint_secrets_differ_per_endpoint_and_generation_and_header_lists_each() {
        let key = SigningKey::new("k1", "a-test-secret-of-at-least-32-characters").expect("key");
        let a = EndpointId::parse("whe_a").expect("id");
        let b = EndpointId::parse("whe_b").expect("id");
        let a1 = EndpointSecret::derive(&key, "t1", &a, 1);
        assert_eq!(a1, EndpointSecret::derive(&key, "t1", &a, 1), "derived the same every time");
        assert_ne!(a1, EndpointSecret::derive(&key, "t1", &a, 2));
        assert_ne!(a1, EndpointSecret::derive(&key, "t1", &b, 1));
        assert_ne!(a1, EndpointSecret::derive(&key, "t2", &a, 1));
        assert_eq!(EndpointSecret::parse(&a1.to_whsec()), Some(a1.clone()));
        let a2 = EndpointSecret::derive(&key, "t1", &a, 2);
        let header = signature_header(&[a2.clone(), a1.clone()], "msg_1", 10, b"{}");
        assert_eq!(header, format!("{} {}", a2.sign("msg_1", 10, b"{}"), a1.sign("msg_1", 10, b"{}")));
    }

    #[test]
    fn urls_are_https_or_loopback_http_where_allowed() {
        assert!(WebhookUrl::parse("https://hooks.example.com/orders?x=1", false).is_ok());
        assert!(WebhookUrl::parse("https://hooks.example.com:8443/orders", false).is_ok());
        assert!(WebhookUrl::parse("http://hooks.example.com/orders", false).is_err());
        assert!(WebhookUrl::parse("http://hooks.example.com/orders", true).is_err(), "http only to loopback");
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/hooks", true).is_ok());
        assert!(WebhookUrl::parse("http://[::1]:8080/hooks", true).is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:8080/hooks", false).is_err());
        assert!(WebhookUrl::parse("https://localhost/hooks", false).is_err());
        assert!(WebhookUrl::parse("https://user:pw@hooks.example.com/", false).is_err());
        assert!(WebhookUrl::parse("https://hooks.example.com/#frag", false).is_err());
        assert!(WebhookUrl::parse("https:///path", false).is_err());
        assert!(WebhookUrl::parse("https://hooks.example.com:0/", false).is_err());
        assert!(WebhookUrl::parse("https://hooks.example.com:99999/", false).is_err());
        assert!(WebhookUrl::parse("ftp://hooks.example.com/", false).is_err());
        for private in [
            "https://169.254.169.254/latest",
            "https://10.0.0.1/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:192.168.1.1]/",
        ] {
            assert!(WebhookUrl::parse(private, false).is_err(), "{private}");
            assert!(WebhookUrl::parse(private, true).is_err(), "{private}, also locally");
        }
        assert!(WebhookUrl::parse("https://203.0.114.7/hooks", false).is_ok(), "a public address");
        assert!(WebhookUrl::parse("hooks.example.com", false).is_err());
    }

    #[test]
    fn a_new_endpoint_names_a_url_and_known_events_once() {
        let ok = parse_new_endpoint(
            r#"{"url": "https://h.example/x", "events": ["order.accepted", "invoice.issued"], "description": "ERP"}"#,
            false,
        )
        .expect("valid");
        assert_eq!(ok.events, vec![WebhookEventType::OrderAccepted, WebhookEventType::InvoiceIssued]);
        assert_eq!(ok.description, "ERP");
        let Err(RequestError::Invalid(errors)) = parse_new_endpoint(
            r#"{"url": "http://h.example/x", "events": ["order.accepted", "order.shipped", "order.accepted"]}"#,
            false,
        ) else {
            panic!("refused")
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/url", "/events/1", "/events/2"]);
        assert!(matches!(parse_new_endpoint(r#"{"url": 1}"#, false), Err(RequestError::Malformed { .. })));
        assert!(
            matches!(parse_new_endpoint(r#"{"events": []}"#, false), Err(RequestError::Invalid(e)) if e.len() == 2)
        );
        assert!(parse_endpoint_change("{}", false).is_err());
        assert!(matches!(parse_endpoint_change(r#"{"enabled": null, "description": "x"}"#, false),
            Err(RequestError::Invalid(e)) if e[0].pointer == "/enabled"));
        let change = parse_endpoint_change(r#"{"enabled": false}"#, false).expect("valid");
        assert_eq!(change.enabled, Some(false));
    }

    #[test]
    fn order_changes_raise_the_events_subscribers_expect() {
        let received = fixtures::order(crate::order::OrderType::Purchase, &[("SKU-1", rust_decimal::Decimal::TEN)]);
        assert_eq!(order_events(None, &received), [WebhookEventType::OrderReceived]);
        let mut accepted = received.clone();
        accepted.status = OrderStatus::Accepted;
        for line in &mut accepted.lines {
            line.confirmed_quantity = line.quantity;
        }
        assert_eq!(order_events(Some(&received), &accepted), [WebhookEventType::OrderAccepted]);
        assert_eq!(order_events(Some(&accepted), &accepted), [], "a change that changes nothing raises nothing");
        let mut shipped_part = accepted.clone();
        shipped_part.lines[0].shipped_quantity = rust_decimal::Decimal::ONE;
        assert_eq!(order_events(Some(&accepted), &shipped_part), [WebhookEventType::OrderDespatched]);
        let mut delivered = shipped_part.clone();
        delivered.status = OrderStatus::Delivered;
        assert_eq!(order_events(Some(&shipped_part), &delivered), [WebhookEventType::OrderDelivered]);
        let mut changed = accepted.clone();
        changed.lines[0].quantity += rust_decimal::Decimal::ONE;
        assert_eq!(order_events(Some(&accepted), &changed), [WebhookEventType::OrderChanged]);
        let mut cancelled = accepted.clone();
        cancelled.status = OrderStatus::Cancelled;
        assert_eq!(order_events(Some(&accepted), &cancelled), [WebhookEventType::OrderCancelled]);
    }

    #[test]
    fn message_ids_are_stable_per_event_and_sort_by_time_then_stream_order() {
        let id = |record: &str, event, at_ms, sequence: &str| message_id(record, event, at_ms, sequence);
        let a = id("rec-1", WebhookEventType::OrderAccepted, 1_700_000_000_000, "4421584500000000017450439091");
        assert_eq!(a, id("rec-1", WebhookEventType::OrderAccepted, 1_700_000_000_000, "4421584500000000017450439091"));
        assert_ne!(a, id("rec-2", WebhookEventType::OrderAccepted, 1_700_000_000_000, "4421584500000000017450439091"));
        assert!(a < id("rec-0", WebhookEventType::OrderReceived, 1_700_000_000_001, "1"), "later time first");
        assert!(a < id("rec-0", WebhookEventType::OrderReceived, 1_700_000_000_000, "4421584500000000017450439092"));
        let despatched = id("rec-3", WebhookEventType::OrderDespatched, 1_700_000_000_000, "9");
        assert!(despatched < id("rec-3", WebhookEventType::OrderDelivered, 1_700_000_000_000, "9"));
        assert!(
            a.starts_with("msg_") && a.len() == 41 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{a}"
        );
    }

    #[test]
    fn the_default_schedule_is_the_specifications() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.attempts(), 8);
        assert_eq!(schedule.gap_after(1), Some(Duration::from_secs(5)));
        assert_eq!(schedule.gap_after(7), Some(Duration::from_secs(36_000)));
        assert_eq!(schedule.gap_after(8), None);
        assert_eq!(schedule.gap_after(0), None);
        let total: u64 = (1..8).filter_map(|n| schedule.gap_after(n)).map(|d| d.as_secs()).sum();
        assert_eq!(total, 99_305, "about 27.6 hours");
        assert_eq!(RetrySchedule::parse("1, 2,4").map(|s| s.attempts()), Some(4));
        assert_eq!(RetrySchedule::parse("1,x"), None);
    }
}
