//! The HTTP client side: requests as a key, a console session or a buyer portal session, and whole responses.

use serde_json::Value;

use crate::{Tenant, TestStack};

impl TestStack {
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
