//! Test helpers: a per-test stack provisioned from infra/template.yaml in the shared emulator, served over HTTP
//! on a random port, with a fresh tenant, its API key and helpers to read the table and the queues.
//!
//! One moto server serves the whole run (`make test` starts it and sets `ORDERS_TEST_ENDPOINT`); each test gets
//! its own stack name, so tables and queues never mix between tests.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use devstack::mail::SentEmail;
use devstack::seed::{create_api_key, seed_demo};
use devstack::sqs_runner::{Delivery, QueueConsumer};
use devstack::LocalStack;
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{Role, TenantId};
use orders_domain::ids::{Sku, WarehouseId};
use rust_decimal::Decimal;
use serde_json::Value;

/// The emulator endpoint of this test run.
pub fn emulator_endpoint() -> String {
    std::env::var("ORDERS_TEST_ENDPOINT")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "no emulator: run the end-to-end tests with `make test` (or `make e2e`), which starts moto and sets \
                 ORDERS_TEST_ENDPOINT"
            )
        })
}

/// A short unique suffix.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// A tenant with the demo catalogue and a webshop key.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Webshop API key (secret).
    pub key: String,
}

/// A provisioned stack served on a random port.
#[derive(Debug)]
pub struct TestStack {
    /// The stack (clients, resolved template).
    pub stack: LocalStack,
    /// `http://127.0.0.1:PORT`.
    pub api_url: String,
    /// The first tenant.
    pub tenant: Tenant,
    server: tokio::task::JoinHandle<()>,
    http: reqwest::Client,
    streams: tokio::sync::Mutex<Option<Vec<devstack::stream_runner::StreamConsumer>>>,
    /// The queue consumers `deliver_all` uses: one warm container per function, kept like Lambda keeps one.
    warm: tokio::sync::Mutex<Option<Vec<QueueConsumer>>>,
}

impl Drop for TestStack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestStack {
    /// Provisions a fresh stack from infra/template.yaml, seeds a tenant and starts the HTTP API.
    pub async fn start() -> Self {
        Self::start_with(|stack| stack).await
    }

    /// Like [`TestStack::start`], with the provisioned stack adjusted first (e.g. function environment overrides).
    pub async fn start_with(adjust: impl FnOnce(LocalStack) -> LocalStack) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn,intake=info,orders_http=info"))
            .with_test_writer()
            .try_init();
        let template = devstack::stack::template_path();
        let stack = LocalStack::provision(&emulator_endpoint(), &unique("t-"), &template)
            .await
            .unwrap_or_else(|e| panic!("provision {}: {e}", template.display()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let api_url = format!("http://{}", listener.local_addr().expect("local address"));
        let mut stack = adjust(stack);
        stack.api_origin = api_url.clone();
        let gateway = devstack::gateway(&stack).unwrap_or_else(|e| panic!("gateway: {e}"));
        let server = tokio::spawn(gateway.serve(listener));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("HTTP client");
        let mut test = Self {
            stack,
            api_url,
            tenant: Tenant { id: TenantId::parse("x").expect("id"), key: String::new() },
            server,
            http,
            streams: tokio::sync::Mutex::new(None),
            warm: tokio::sync::Mutex::new(None),
        };
        test.tenant = test.new_tenant().await;
        test
    }

    /// Another tenant with the demo catalogue and its own webshop key.
    pub async fn new_tenant(&self) -> Tenant {
        let id = TenantId::parse(unique("tenant-")).expect("tenant id");
        let store = self.stack.store();
        seed_demo(&store, &id).await.expect("seed demo data");
        let key = create_api_key(&store, &id, Role::Webshop, "webshop").await.expect("create key");
        Tenant { id, key: key.secret }
    }

    /// A key of another role for `tenant`.
    pub async fn key_with_role(&self, tenant: &TenantId, role: Role) -> String {
        create_api_key(&self.stack.store(), tenant, role, "webshop").await.expect("create key").secret
    }

    /// A request builder to `path` with `key` as bearer token.
    pub fn request(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.api_url)).bearer_auth(key)
    }

    /// POSTs JSON as the first tenant's webshop.
    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        Answer::from(self.request(reqwest::Method::POST, path, &self.tenant.key).json(body).send().await).await
    }

    /// GETs as `key`.
    pub async fn get(&self, path: &str, key: &str) -> Answer {
        Answer::from(self.request(reqwest::Method::GET, path, key).send().await).await
    }

    /// Takes every message off the confirmation queue (and deletes them), as envelopes.
    pub async fn drain_confirmation_queue(&self) -> Vec<EventEnvelope> {
        self.drain_queue("ConfirmationQueue")
            .await
            .into_iter()
            .map(|body| serde_json::from_str(&body).expect("envelope"))
            .collect()
    }

    /// Takes every message body off a queue of the template.
    pub async fn drain_queue(&self, logical_id: &str) -> Vec<String> {
        let url = self.stack.reference(logical_id).expect("queue provisioned").to_owned();
        let sqs = &self.stack.aws.sqs;
        let mut bodies = Vec::new();
        let mut empty_rounds = 0;
        while empty_rounds < 2 {
            let received = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .expect("receive");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                empty_rounds += 1;
                continue;
            }
            for message in messages {
                bodies.push(message.body.clone().unwrap_or_default());
                sqs.delete_message()
                    .queue_url(&url)
                    .receipt_handle(message.receipt_handle.unwrap_or_default())
                    .send()
                    .await
                    .expect("delete");
            }
        }
        bodies
    }

    /// Every order item of `tenant` (through GSI1, the status index).
    pub async fn stored_orders(&self, tenant: &TenantId) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        for status in ["received", "pending_response", "accepted", "accepted_with_changes", "rejected"] {
            let mut start = None;
            loop {
                let output = self
                    .stack
                    .aws
                    .dynamodb
                    .query()
                    .table_name(self.stack.table_name())
                    .index_name("GSI1")
                    .key_condition_expression("GSI1PK = :pk")
                    .expression_attribute_values(":pk", AttributeValue::S(format!("T#{tenant}#S#{status}")))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .expect("query GSI1");
                items.extend(output.items.unwrap_or_default());
                start = output.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        items
    }

    /// One raw item by key.
    pub async fn item(&self, pk: &str, sk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.stack
            .aws
            .dynamodb
            .get_item()
            .table_name(self.stack.table_name())
            .key("PK", AttributeValue::S(pk.into()))
            .key("SK", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    /// Does what DynamoDB's TTL sweeper does by `at` (Unix time): deletes every item whose TTL attribute
    /// `expires_at` (infra/template.yaml) is at or before it. moto never deletes expired items; AWS does within
    /// days. The number of items deleted.
    pub async fn sweep_expired_items(&self, at: i64) -> usize {
        let dynamodb = &self.stack.aws.dynamodb;
        let mut start = None;
        let mut deleted = 0;
        loop {
            let page = dynamodb
                .scan()
                .table_name(self.stack.table_name())
                .filter_expression("expires_at <= :at")
                .expression_attribute_values(":at", AttributeValue::N(at.to_string()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .expect("scan for expired items");
            for item in page.items.unwrap_or_default() {
                dynamodb
                    .delete_item()
                    .table_name(self.stack.table_name())
                    .key("PK", item["PK"].clone())
                    .key("SK", item["SK"].clone())
                    .send()
                    .await
                    .expect("delete an expired item");
                deleted += 1;
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return deleted,
            }
        }
    }

    /// Every item of one partition.
    pub async fn partition(&self, pk: &str) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        self.stack
            .aws
            .dynamodb
            .query()
            .table_name(self.stack.table_name())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("query partition")
            .items
            .unwrap_or_default()
    }
}

impl TestStack {
    /// The consumers of the template's queues, as `devstack up` runs them (failed messages retried at once): new
    /// handler states each time, as new function containers would be.
    pub async fn consumers(&self) -> Vec<QueueConsumer> {
        devstack::consumers(&self.stack).await.expect("consumers").into_iter().map(|c| c.retry_after(0)).collect()
    }

    /// Delivers queued messages to their functions until every queue is empty (at most `rounds` batches per queue).
    pub async fn deliver_all(&self) -> Delivery {
        self.deliver_all_but(&[]).await
    }

    /// Like [`TestStack::deliver_all`], leaving the queues of `skipped` (logical ids such as `InvoicingQueue`) as
    /// they are: a test of one stage stops the pipeline after it.
    pub async fn deliver_all_but(&self, skipped: &[&str]) -> Delivery {
        let skipped: Vec<&str> = skipped.iter().filter_map(|logical| self.stack.reference(logical)).collect();
        let consumers = {
            let mut warm = self.warm.lock().await;
            if warm.is_none() {
                *warm = Some(self.consumers().await);
            }
            warm.clone().unwrap_or_default()
        };
        let mut total = Delivery::default();
        for consumer in consumers.into_iter().filter(|c| !skipped.contains(&c.queue_url())) {
            for _ in 0..100 {
                let delivery = consumer.deliver_once(0).await.expect("deliver");
                let done = delivery.received == 0;
                total += delivery;
                if done {
                    break;
                }
            }
        }
        total
    }

    /// Delivers the table stream's records to their functions (the archive) until none are left; each call goes on
    /// where the last one stopped.
    pub async fn deliver_streams(&self) -> Delivery {
        let mut streams = self.streams.lock().await;
        if streams.is_none() {
            *streams = Some(devstack::stream_consumers(&self.stack).await.expect("stream consumers"));
        }
        let mut total = Delivery::default();
        for consumer in streams.iter_mut().flatten() {
            for _ in 0..1000 {
                let delivery = consumer.deliver_once().await.expect("deliver stream records");
                let done = delivery.received == 0;
                total += delivery;
                if done {
                    break;
                }
            }
        }
        total
    }

    /// An object of the documents bucket (`None` if there is none under `key`).
    pub async fn archived_document(&self, key: &str) -> Option<String> {
        let bucket = self.stack.reference("DocumentsBucket").expect("documents bucket");
        let object = self.stack.aws.s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        let bytes = object.body.collect().await.expect("read archived object").into_bytes();
        Some(String::from_utf8(bytes.to_vec()).expect("UTF-8 document"))
    }

    /// The bytes of an object of the documents bucket (`None` if there is none under `key`).
    pub async fn archived_bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.object("DocumentsBucket", key).await
    }

    /// Every key of the documents bucket under `prefix`.
    pub async fn archived_keys(&self, prefix: &str) -> Vec<String> {
        self.keys("DocumentsBucket", prefix).await
    }

    /// The bytes of an object of the exports bucket (`None` if there is none under `key`).
    pub async fn exported_bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.object("ExportsBucket", key).await
    }

    /// Every key of the exports bucket under `prefix`.
    pub async fn exported_keys(&self, prefix: &str) -> Vec<String> {
        self.keys("ExportsBucket", prefix).await
    }

    /// The bytes of an object of the bucket `bucket` (logical id) of the template.
    async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let bucket = self.stack.reference(bucket).expect("bucket");
        let object = self.stack.aws.s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(object.body.collect().await.expect("read object").into_bytes().to_vec())
    }

    /// Every key under `prefix` of the bucket `bucket` (logical id), all pages.
    async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let bucket = self.stack.reference(bucket).expect("bucket");
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let listed = self
                .stack
                .aws
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .expect("list objects");
            keys.extend(listed.contents().iter().filter_map(|o| o.key.clone()));
            match listed.next_continuation_token() {
                Some(next) if listed.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => return keys,
            }
        }
    }

    /// Records a despatch of order `id` through the API with a warehouse key of the stack's tenant; panics unless
    /// it is created.
    pub async fn despatch(&self, id: &str, body: &Value) {
        let warehouse = self.key_with_role(&self.tenant.id, Role::Warehouse).await;
        let answer = Answer::from(
            self.request(reqwest::Method::POST, &format!("/v1/orders/{id}/despatches"), &warehouse)
                .json(body)
                .send()
                .await,
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }

    /// Emails SES accepted for `order_id` (our Message-IDs start with the order id).
    pub async fn emails_for(&self, order_id: &str) -> Vec<SentEmail> {
        devstack::mail::sent_emails(&self.stack.aws.endpoint, 0)
            .await
            .expect("sent emails")
            .into_iter()
            .filter(|e| e.header("Message-ID").is_some_and(|id| id.trim_start_matches('<').starts_with(order_id)))
            .collect()
    }

    /// (on hand, reserved, available) of a SKU in a warehouse of `tenant`.
    pub async fn stock(&self, tenant: &TenantId, sku: &str, warehouse: &str) -> (Decimal, Decimal, Decimal) {
        self.stack
            .store()
            .stock_level(
                tenant,
                &Sku::parse(sku).expect("sku"),
                &WarehouseId::parse(warehouse).expect("warehouse"),
                None,
            )
            .await
            .expect("stock")
            .expect("stock item")
    }

    /// (on hand, reserved, available) of one lot of a SKU in a warehouse of `tenant`.
    pub async fn lot_stock(
        &self,
        tenant: &TenantId,
        sku: &str,
        warehouse: &str,
        lot: &str,
    ) -> (Decimal, Decimal, Decimal) {
        self.stack
            .store()
            .stock_level(
                tenant,
                &Sku::parse(sku).expect("sku"),
                &WarehouseId::parse(warehouse).expect("warehouse"),
                Some(lot),
            )
            .await
            .expect("stock")
            .expect("lot stock item")
    }

    /// Makes the first tenant answer orders by hand (`pending_response`) or automatically.
    pub async fn set_response_policy(&self, policy: orders_domain::tenant::ResponsePolicy) {
        let store = self.stack.store();
        let mut settings = store.get_tenant(&self.tenant.id).await.expect("read tenant").expect("tenant");
        settings.response_policy = policy;
        store.put_tenant(&settings).await.expect("write tenant");
    }

    /// Posts an order as `tenant`'s webshop.
    pub async fn post_order_as(&self, tenant: &Tenant, body: &Value) -> Answer {
        Answer::from(self.request(reqwest::Method::POST, "/v1/orders", &tenant.key).json(body).send().await).await
    }

    /// Logs in to the console with `key`: the session cookie (`name=value`) and its CSRF token.
    pub async fn console_session(&self, key: &str) -> ConsoleSession {
        let answer = Answer::from(
            self.http
                .post(format!("{}/console/session", self.api_url))
                .json(&serde_json::json!({ "key": key }))
                .send()
                .await,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let set_cookie = answer.header("set-cookie").expect("a session cookie");
        let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
        let csrf = answer.body["session"]["csrf_token"].as_str().expect("csrf token").to_owned();
        ConsoleSession { cookie, csrf }
    }

    /// A request builder to `path` authenticated by a console session's cookie only (no CSRF token).
    pub fn cookie_request(&self, method: reqwest::Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.api_url)).header("cookie", cookie)
    }

    /// A request to `path` with `key` as bearer and `body` as JSON.
    pub async fn call(&self, method: reqwest::Method, path: &str, key: &str, body: Option<&Value>) -> Answer {
        let mut request = self.request(method, path, key);
        if let Some(body) = body {
            request = request.json(body);
        }
        Answer::from(request.send().await).await
    }

    /// Opens a buyer portal link (`POST /v1/portal/session`) with `token`, as the browser does.
    pub async fn open_portal_link(&self, token: &str) -> Answer {
        Answer::from(
            self.http
                .post(format!("{}/v1/portal/session", self.api_url))
                .json(&serde_json::json!({ "link": token }))
                .send()
                .await,
        )
        .await
    }

    /// A portal session of the buyer of link `token`; panics unless the link opens.
    pub async fn portal_session(&self, token: &str) -> PortalSession {
        let answer = self.open_portal_link(token).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let cookie = answer.header("set-cookie").expect("portal cookie").split(';').next().expect("pair").to_owned();
        assert!(cookie.starts_with("orders_portal="), "{cookie}");
        PortalSession { cookie, csrf: answer.body["csrf_token"].as_str().expect("csrf").to_owned() }
    }

    /// A request of the buyer portal: `session`'s cookie and CSRF token, and `body` as JSON.
    pub async fn portal(
        &self,
        session: &PortalSession,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut request = self.cookie_request(method, path, &session.cookie).header("x-csrf-token", &session.csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        Answer::from(request.send().await).await
    }

    /// The sealer of the local stack's buyer links (its current keys), to mint tokens an attacker with the secret
    /// could.
    pub async fn link_sealer(&self) -> orders_domain::buyer_link::LinkSealer {
        let ring = self.stack.signing_keys(orders_aws::SecretPurpose::BuyerLink).await.expect("the buyer-link keys");
        orders_domain::buyer_link::LinkSealer::new(std::sync::Arc::new(ring))
    }

    /// Stores the record of a console session (as the console's log-in does) of the key `key_hash` at `tenant`,
    /// so a cookie a test seals itself is a session the API functions accept.
    pub async fn record_console_session(&self, tenant: &str, key_hash: &str, session_id: &str, expires_at: i64) {
        let record = orders_aws::store::ConsoleSessionRecord {
            session_id: session_id.to_owned(),
            tenant: TenantId::parse(tenant.to_owned()).expect("tenant"),
            key_id: "key_test".into(),
            key_hash: key_hash.to_owned(),
            created_at: String::new(),
            expires_at,
        };
        self.stack.store().create_console_session(&record).await.expect("session record");
    }

    /// Posts an order of `customer` as the first tenant's webshop and lets the pipeline answer it; its id.
    pub async fn answered_order(&self, number: &str, customer: &str) -> String {
        let mut body = order_body(number);
        body["buyer"] = serde_json::json!({ "customer_id": customer });
        let created = self.post_json("/v1/orders", &body).await;
        assert_eq!(created.status, 201, "{}", created.body);
        self.deliver_all().await;
        created.body["id"].as_str().expect("id").to_owned()
    }

    /// The portal link tokens of the buyer emails about `reference` (an order or quote id), oldest first.
    pub async fn portal_link_tokens(&self, reference: &str) -> Vec<String> {
        self.emails_for(reference)
            .await
            .into_iter()
            .map(|e| mime_parts(&e.raw_data).0)
            .filter(|text| text.contains("#link="))
            .map(|text| portal_link_token(&text))
            .collect()
    }

    /// Reads an order as the first tenant.
    pub async fn order(&self, id: &str) -> Value {
        let answer = self.get(&format!("/v1/orders/{id}"), &self.tenant.key).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }
}

/// A buyer portal session: the cookie (`name=value`) and its CSRF token.
#[derive(Debug, Clone)]
pub struct PortalSession {
    /// `orders_portal=…`.
    pub cookie: String,
    /// What writes repeat in `X-CSRF-Token`.
    pub csrf: String,
}

/// The portal link token in an email's text (what follows `#link=`); panics without one.
pub fn portal_link_token(text: &str) -> String {
    text.split("#link=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no portal link in {text}"))
        .to_owned()
}

/// The decoded text and HTML parts of a MIME message (quoted-printable or base64), for assertions.
pub fn mime_parts(raw: &str) -> (String, String) {
    let mut text = String::new();
    let mut html = String::new();
    let boundary = raw.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).unwrap_or_default().to_owned();
    for part in raw.split(&format!("--{boundary}")).skip(1) {
        let (head, body) = part.split_once("\r\n\r\n").unwrap_or(("", ""));
        let decoded = if head.contains("quoted-printable") { decode_quoted_printable(body) } else { body.to_owned() };
        if head.contains("text/plain") {
            text = decoded;
        } else if head.contains("text/html") {
            html = decoded;
        }
    }
    (text, html)
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A console session as a browser holds it.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// `orders_session=<value>`, for a `Cookie` header.
    pub cookie: String,
    /// The token writes must repeat in `X-CSRF-Token`.
    pub csrf: String,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers (lower-case names).
    pub headers: reqwest::header::HeaderMap,
    /// JSON body (`Null` if none or not JSON).
    pub body: Value,
}

impl Answer {
    /// Reads a response.
    pub async fn from(result: reqwest::Result<reqwest::Response>) -> Self {
        let response = result.expect("HTTP request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, headers, body }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// JSON Pointers of a problem's `errors`.
    pub fn pointers(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| errors.iter().filter_map(|e| e["pointer"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// Validates UBL documents with the Peppol kit (`$PEPPOL_KIT_DIR`, else `../shared/peppol` next to the project) in
/// one call: one JSON result per file, or `None` (said on stderr) when the kit is not there.
pub fn validate_peppol(documents: &[(String, String)]) -> Option<Vec<Value>> {
    let kit = std::env::var_os("PEPPOL_KIT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| devstack::stack::project_root().join("../shared/peppol"));
    if !kit.join("validate.py").is_file() {
        eprintln!("SKIPPED Peppol validation: no kit at $PEPPOL_KIT_DIR or {}", kit.display());
        return None;
    }
    let dir = std::env::temp_dir().join(unique("peppol-"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let paths: Vec<std::path::PathBuf> = documents
        .iter()
        .map(|(name, xml)| {
            let path = dir.join(format!("{name}.xml"));
            std::fs::write(&path, xml).expect("write document");
            path
        })
        .collect();
    let output = std::process::Command::new("python3")
        .arg(kit.join("validate.py"))
        .arg("--json")
        .args(&paths)
        .output()
        .expect("python3 runs the validator");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let results: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("validator output ({e}): {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    let _ = std::fs::remove_dir_all(&dir);
    Some(results)
}

/// The HTTP routes infra/template.yaml declares.
pub fn template_routes() -> Vec<devstack::template::Route> {
    devstack::template::Template::load(
        &devstack::stack::template_path(),
        "s",
        "eu-north-1",
        &devstack::stack::local_parameters(),
    )
    .expect("template")
    .http_routes()
}

/// A valid order body for the demo catalogue.
pub fn order_body(order_number: &str) -> Value {
    serde_json::json!({
        "order_number": order_number,
        "type": "purchase",
        "currency": "EUR",
        "buyer": {"customer_id": "C-1"},
        "requested_delivery_date": tomorrow(),
        "delivery_address": {"name": "Anna Svensson", "street": "Gatan 1", "city": "Malmö", "postal_code": "211 22", "country": "SE"},
        "lines": [
            {"sku": "SKU-1", "quantity": "2"},
            {"sku": "SKU-3", "quantity": "1.5", "unit_price": "18.95", "discount": {"percent": "10"}}
        ],
        "notes": "Leave at the reception"
    })
}

/// Tomorrow (UTC) as `YYYY-MM-DD`.
pub fn tomorrow() -> String {
    let date = time::OffsetDateTime::now_utc().date().next_day().expect("a tomorrow");
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A string attribute of an item.
pub fn s<'a>(item: &'a std::collections::HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or_default()
}

/// One leaf part of a MIME message, decoded.
#[derive(Debug, Clone)]
pub struct MimeLeaf {
    /// `text/plain`, `application/pdf`, … (lower case, without parameters).
    pub content_type: String,
    /// The attachment's file name, if it has one.
    pub filename: Option<String>,
    /// The decoded body.
    pub bytes: Vec<u8>,
}

fn header_param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Every leaf part of a MIME message (multiparts opened recursively), decoded from base64 or quoted-printable.
pub fn mime_leaves(raw: &[u8]) -> Vec<MimeLeaf> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let mut leaves = Vec::new();
    collect_leaves(&text, &mut leaves);
    leaves
}

fn collect_leaves(part: &str, leaves: &mut Vec<MimeLeaf>) {
    let (head, body) = part.split_once("\n\n").unwrap_or((part, ""));
    // unfold continuation lines, then index the headers by lower-case name
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    let content_type = header("Content-Type").unwrap_or_else(|| "text/plain".into());
    let kind = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if kind.starts_with("multipart/") {
        let Some(boundary) = header_param(&content_type, "boundary") else { return };
        let delimiter = format!("--{boundary}");
        for child in body.split(&delimiter).skip(1) {
            if child.starts_with("--") {
                break;
            }
            collect_leaves(child.trim_start_matches('\n'), leaves);
        }
        return;
    }
    let encoding = header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => {
            use base64::Engine as _;
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(compact).expect("valid base64 part")
        }
        "quoted-printable" => decode_quoted_printable(&body.replace('\n', "\r\n")).into_bytes(),
        _ => body.as_bytes().to_vec(),
    };
    let filename = header("Content-Disposition")
        .and_then(|d| header_param(&d, "filename"))
        .or_else(|| header_param(&content_type, "name"));
    leaves.push(MimeLeaf { content_type: kind, filename, bytes });
}

/// The text of a PDF as pypdf extracts it (from the emulator's venv, `.local/venv`), or `None` (said on stderr)
/// when pypdf is not installed there.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let python = devstack::stack::project_root().join(".local/venv/bin/python");
    if !python.is_file() {
        eprintln!("SKIPPED PDF text extraction: no {}", python.display());
        return None;
    }
    let path = std::env::temp_dir().join(format!("{}.pdf", unique("pdf-")));
    std::fs::write(&path, pdf).expect("write PDF");
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg("import sys, pypdf; print('\\n'.join(p.extract_text() for p in pypdf.PdfReader(sys.argv[1]).pages))")
        .arg(&path)
        .output()
        .expect("run python");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "pypdf failed: {}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

// ---- openapi.yaml conformance (used by the spec test and the tests of each API)

/// openapi.yaml as JSON.
pub fn openapi_spec() -> Value {
    let text = std::fs::read_to_string(devstack::stack::project_root().join("openapi.yaml")).expect("openapi.yaml");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("yaml");
    serde_json::to_value(yaml).expect("json")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec, spec.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}")))
        }
        None => schema,
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    };
    match expected {
        Value::String(t) => one(t),
        Value::Array(types) => types.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

/// Every way `value` departs from `schema`: wrong types, missing required or undocumented fields, values outside enums.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged_props = serde_json::Map::new();
        for part in all {
            let part = resolve(spec, part);
            check(
                spec,
                &serde_json::json!({ "required": part.get("required").cloned().unwrap_or(serde_json::json!([])) }),
                value,
                at,
                problems,
            );
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                merged_props.extend(props.clone());
            }
        }
        check(spec, &serde_json::json!({ "type": "object", "properties": merged_props }), value, at, problems);
        return;
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|o| {
            let mut p = Vec::new();
            check(spec, o, value, at, &mut p);
            p.is_empty()
        });
        if !fits {
            problems.push(format!("{at}: fits none of oneOf"));
        }
        return;
    }
    if let Some(expected) = schema.get("type") {
        if !type_matches(expected, value) {
            problems.push(format!("{at}: {value} is not of type {expected}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                problems.push(format!("{at}: required {required} missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, item) in object {
                match properties.get(key) {
                    Some(property) => check(spec, property, item, &format!("{at}/{key}"), problems),
                    None => problems.push(format!("{at}/{key}: not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, item) in values.iter().enumerate() {
            check(spec, items, item, &format!("{at}/{i}"), problems);
        }
    }
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let response = resolve(spec, &spec["paths"][path][method]["responses"][status.to_string()]);
    let content = &response["content"];
    let media = content.get("application/json").or_else(|| content.get("application/problem+json")).expect("content");
    &media["schema"]
}

/// Asserts that `body` is what the spec documents for `method path` answering `status`.
pub fn assert_conforms(spec: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let mut problems = Vec::new();
    check(spec, response_schema(spec, path, method, status), body, "", &mut problems);
    assert!(problems.is_empty(), "{method} {path} {status}: {problems:#?}");
}
