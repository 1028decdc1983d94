//! The per-test stack: provisioning, tenants and keys, and delivering queued messages and stream records.

use std::time::Duration;

use devstack::seed::{create_api_key, seed_demo};
use devstack::sqs_runner::{Delivery, QueueConsumer};
use devstack::LocalStack;
use orders_domain::ids::{Role, TenantId};
use serde_json::Value;

use crate::Answer;

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

/// What the Python `script` prints when run by `python` on `bytes`, written to a temporary `.{extension}` file
/// (`sys.argv[1]`); a script that fails fails the test, its error named after `what`.
pub(crate) fn python_on_file(
    python: impl AsRef<std::ffi::OsStr>,
    bytes: &[u8],
    extension: &str,
    script: &str,
    what: &str,
) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("{}.{extension}", unique(&format!("{extension}-"))));
    std::fs::write(&path, bytes).expect("write the file");
    let output = std::process::Command::new(python).arg("-c").arg(script).arg(&path).output().expect("run python");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
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
    pub(crate) http: reqwest::Client,
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
        let consumers = self.warm_consumers().await;
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

    /// Like [`TestStack::deliver_all`], with every queue's consumer running `per_queue` invocations at once (as
    /// Lambda scales out on a busy queue), round after round until a round finds every queue empty.
    pub async fn deliver_all_concurrently(&self, per_queue: usize) -> Delivery {
        let consumers = self.warm_consumers().await;
        let mut total = Delivery::default();
        let mut failed_polls = 0;
        for _ in 0..10_000 {
            let invocations = consumers.iter().flat_map(|c| (0..per_queue).map(move |_| c.deliver_once(0)));
            let mut received = 0;
            let mut polls_failed = false;
            for delivery in futures::future::join_all(invocations).await {
                match delivery {
                    Ok(delivery) => {
                        received += delivery.received;
                        total += delivery;
                    }
                    // A poll that failed (the emulator too busy to answer in time): Lambda's poller polls again.
                    Err(error) => {
                        polls_failed = true;
                        failed_polls += 1;
                        if failed_polls % 100 == 1 {
                            eprintln!("deliver: {failed_polls} polls failed so far; the last: {error}");
                        }
                    }
                }
            }
            if received == 0 && !polls_failed {
                break;
            }
        }
        total
    }

    /// The consumers [`TestStack::deliver_all`] uses (kept between calls, with the kills last asked for).
    async fn warm_consumers(&self) -> Vec<QueueConsumer> {
        let mut warm = self.warm.lock().await;
        if warm.is_none() {
            *warm = Some(self.consumers().await);
        }
        warm.clone().unwrap_or_default()
    }

    /// From now on, [`TestStack::deliver_all`] kills invocations as `kills` says (`None`: none), as Lambda timeouts
    /// or crashes would (see `devstack::sqs_runner::Kills`).
    pub async fn kill_invocations(&self, kills: Option<devstack::sqs_runner::Kills>) {
        let consumers = self.consumers().await.into_iter().map(|c| c.killing(kills)).collect();
        *self.warm.lock().await = Some(consumers);
    }

    /// Delivers the table stream's records to their functions (the archive, the facts) until none are left; each
    /// call goes on where the last one stopped.
    pub async fn deliver_streams(&self) -> Delivery {
        self.deliver_streams_to(None).await
    }

    /// The same for one function's consumer (its template logical id, `ArchiveFunction`); the others stay where
    /// they are.
    pub async fn deliver_stream(&self, function: &str) -> Delivery {
        self.deliver_streams_to(Some(function)).await
    }

    async fn deliver_streams_to(&self, function: Option<&str>) -> Delivery {
        let mut streams = self.streams.lock().await;
        if streams.is_none() {
            *streams = Some(devstack::stream_consumers(&self.stack).await.expect("stream consumers"));
        }
        let mut total = Delivery::default();
        for consumer in streams.iter_mut().flatten().filter(|c| function.is_none_or(|f| c.function() == f)) {
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
}
