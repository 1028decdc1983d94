//! The console's sessions against the emulator: logging in turns an operator or warehouse key into a signed,
//! HttpOnly, SameSite=Strict cookie that every API function accepts; writes by cookie need the CSRF token; a
//! session sees only its own tenant; the page, its assets and its texts are served by us.

use orders_domain::ids::Role;
use orders_domain::tenant::ResponsePolicy;
use orders_http::session::{Session, SessionSigner, SESSION_COOKIE};
use orders_testkit::{order_body, Answer, TestStack};
use reqwest::Method;
use serde_json::json;

/// Posts an order and lets confirmation answer it (by the tenant's policy).
async fn confirmed_order(stack: &TestStack, number: &str) -> String {
    let answer = stack.post_json("/v1/orders", &order_body(number)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    stack.deliver_all().await;
    answer.body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_staff_key_logs_in_and_the_cookie_works_on_every_api_function() {
    let stack = TestStack::start().await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let id = confirmed_order(&stack, "CON-1").await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;

    let login = Answer::from(
        reqwest::Client::new()
            .post(format!("{}/console/session", stack.api_url))
            .header("x-forwarded-proto", "https")
            .json(&json!({ "key": operator }))
            .send()
            .await,
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.body);
    let set_cookie = login.header("set-cookie").expect("cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=28800"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing in {set_cookie}");
    }
    assert_eq!(login.body["session"]["role"], "operator");
    assert_eq!(login.body["session"]["tenant"], stack.tenant.id.as_str());

    let session = stack.console_session(&operator).await;
    let plain_http = stack.console_session(&operator).await;
    assert_ne!(session.csrf, plain_http.csrf, "every session has its own token");
    // backoffice, billing and reports all accept the cookie
    for path in [format!("/v1/orders/{id}"), "/v1/orders".into(), "/v1/invoices".into(), "/v1/order-counts".into()] {
        let answer = Answer::from(stack.cookie_request(Method::GET, &path, &session.cookie).send().await).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    let counts =
        Answer::from(stack.cookie_request(Method::GET, "/v1/order-counts", &session.cookie).send().await).await;
    assert_eq!(counts.body["counts"]["pending_response"], 1, "{}", counts.body);
    assert_eq!(counts.body["counts"]["accepted"], 0);

    let state = Answer::from(stack.cookie_request(Method::GET, "/console/session", &session.cookie).send().await).await;
    assert_eq!(state.body["signed_in"], true);
    assert_eq!(state.body["session"]["csrf_token"], session.csrf.as_str());

    // the manual response through the cookie, with the token
    let answer = Answer::from(
        stack
            .cookie_request(Method::POST, &format!("/v1/orders/{id}/response"), &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .json(&json!({"decision": "accept", "charges": [{"reason": "Freight", "amount": "9.90", "vat_category": "S", "vat_rate": "25"}]}))
            .send()
            .await,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(stack.order(&id).await["totals"]["charges"], "9.90");
    let history = stack.order(&id).await["history"].clone();
    let last = history.as_array().and_then(|h| h.last()).expect("history");
    assert!(last["actor"].as_str().is_some_and(|a| a.starts_with("operator:")), "{last}");
}

#[tokio::test]
async fn writes_by_cookie_without_the_csrf_token_change_nothing() {
    let stack = TestStack::start().await;
    stack.set_response_policy(ResponsePolicy::Manual).await;
    let id = confirmed_order(&stack, "CON-2").await;
    let operator = stack.key_with_role(&stack.tenant.id, Role::Operator).await;
    let session = stack.console_session(&operator).await;

    // Every state-changing route of the template, with its parameters filled in (the order's id where one is
    // asked for): the cookie alone, a wrong token or an empty one is refused before anything is read or written.
    // Logging in is the one write a session cannot make (it has none yet): it checks the Origin instead.
    let writes: Vec<(Method, String)> = orders_testkit::template_routes()
        .into_iter()
        .filter(|route| route.method != "GET" && !(route.method == "POST" && route.path == "/console/session"))
        // The buyer portal's routes take the buyer's portal cookie, not a console session (tests/tests/quotes.rs).
        .filter(|route| route.function != "PortalFunction")
        .map(|route| {
            let path = route.path.replace("{id}", &id).replace("{sku}", "SKU-1").replace("{warehouse}", "malmo");
            let path = path.replace("{number}", "INV-X").replace("{proxy+}", "x");
            (Method::from_bytes(route.method.as_bytes()).expect("method"), path)
        })
        .collect();
    assert!(writes.len() >= 20, "every write route of the template: {writes:?}");
    for (method, path) in &writes {
        for token in [None, Some("wrong"), Some("")] {
            let mut request =
                stack.cookie_request(method.clone(), path, &session.cookie).json(&json!({"decision": "accept"}));
            if let Some(token) = token {
                request = request.header("x-csrf-token", token);
            }
            let answer = Answer::from(request.send().await).await;
            assert_eq!(answer.status, 403, "{method} {path} with {token:?}: {}", answer.body);
            assert_eq!(answer.body["type"], "https://errors.orders.example/csrf-token-missing");
        }
    }
    let order = stack.order(&id).await;
    assert_eq!(order["status"], "pending_response");
    assert_eq!(stack.stock(&stack.tenant.id, "SKU-1", "malmo").await.0, rust_decimal::Decimal::from(12));
    // the same note with the token goes through
    let answer = Answer::from(
        stack
            .cookie_request(Method::POST, &format!("/v1/orders/{id}/notes"), &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .json(&json!({"text": "<img src=x onerror=alert(1)>", "visibility": "internal"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    // a bearer key needs no token (it is not ambient)
    let answer = Answer::from(
        stack
            .request(Method::POST, &format!("/v1/orders/{id}/notes"), &operator)
            .json(&json!({"text": "by key", "visibility": "internal"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn only_live_untampered_staff_sessions_of_the_callers_tenant_count() {
    let stack = TestStack::start().await;
    let id = confirmed_order(&stack, "CON-3").await;
    let post_login = |body: serde_json::Value| {
        let request = reqwest::Client::new().post(format!("{}/console/session", stack.api_url)).json(&body);
        async move { Answer::from(request.send().await).await }
    };
    // webshop keys are not for the console; unknown keys and bad bodies are problems
    let webshop = post_login(json!({ "key": stack.tenant.key })).await;
    assert_eq!(webshop.status, 403, "{}", webshop.body);
    assert_eq!(post_login(json!({ "key": "nope" })).await.status, 401);
    assert_eq!(post_login(json!({ "key": "" })).await.status, 422);
    assert_eq!(post_login(json!({ "key": 5 })).await.status, 400);
    assert_eq!(post_login(json!({ "token": "x" })).await.status, 400);
    let cross_site = Answer::from(
        reqwest::Client::new()
            .post(format!("{}/console/session", stack.api_url))
            .header("origin", "https://evil.example")
            .json(&json!({ "key": stack.tenant.key }))
            .send()
            .await,
    )
    .await;
    assert_eq!(cross_site.status, 403, "{}", cross_site.body);

    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let session = stack.console_session(&warehouse).await;
    let get = |cookie: String, path: String| {
        let request = stack.cookie_request(Method::GET, &path, &cookie);
        async move { Answer::from(request.send().await).await.status }
    };
    assert_eq!(get(session.cookie.clone(), format!("/v1/orders/{id}")).await, 200);
    // a warehouse session may not answer orders, even with the token
    let forged = Answer::from(
        stack
            .cookie_request(Method::POST, &format!("/v1/orders/{id}/response"), &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .json(&json!({"decision": "reject", "reason": "x"}))
            .send()
            .await,
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(forged.body["type"], "https://errors.orders.example/forbidden");

    // altered, expired and foreign-secret cookies are unknown
    let value = session.cookie.trim_start_matches(&format!("{SESSION_COOKIE}="));
    let (head, signature) = value.rsplit_once('.').expect("kid.payload.signature");
    let tampered = format!("{SESSION_COOKIE}={head}x.{signature}");
    assert_eq!(get(tampered, "/v1/orders".into()).await, 401);
    let keys = |ring| orders_aws::SecretKeys::fixed(ring, orders_aws::SecretPurpose::ConsoleSession);
    let local = stack.stack.signing_keys(orders_aws::SecretPurpose::ConsoleSession).await.expect("the session keys");
    let signer = SessionSigner::new(keys(local.clone()));
    let hash = orders_domain::fingerprint::api_key_hash(&warehouse);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A session with its record, as the console opens one (but sealed by `signer`).
    let recorded = |tenant: &str, started: i64| {
        let session = Session::new(tenant, &hash, started);
        let (stack, tenant) = (&stack, tenant.to_owned());
        async move {
            stack.record_console_session(&tenant, &session.key_hash, &session.session_id, session.expires_at).await;
            session
        }
    };
    let tenant = stack.tenant.id.to_string();
    let expired = signer.seal(&recorded(&tenant, now - 9 * 3600).await).await.expect("sealed");
    assert_eq!(get(format!("{SESSION_COOKIE}={expired}"), "/v1/orders".into()).await, 401);
    let live = signer.seal(&recorded(&tenant, now).await).await.expect("sealed");
    assert_eq!(get(format!("{SESSION_COOKIE}={live}"), "/v1/orders".into()).await, 200, "the control");
    let unrecorded = signer.seal(&Session::new(&tenant, &hash, now)).await.expect("sealed");
    assert_eq!(get(format!("{SESSION_COOKIE}={unrecorded}"), "/v1/orders".into()).await, 401, "no record, no session");
    // A key of another secret, even under the local key's id, and the portal's session keys open nothing.
    let other =
        orders_domain::signing::KeyRing::single(local.current().kid(), "another-secret-that-is-at-least-32-chars");
    let foreign = SessionSigner::new(keys(other.expect("ring")));
    let forged = foreign.seal(&recorded(&tenant, now).await).await.expect("sealed");
    assert_eq!(get(format!("{SESSION_COOKIE}={forged}"), "/v1/orders".into()).await, 401);
    let portal = stack.stack.signing_keys(orders_aws::SecretPurpose::PortalSession).await.expect("portal keys");
    let crossed = SessionSigner::new(keys(portal)).seal(&recorded(&tenant, now).await).await;
    assert_eq!(get(format!("{SESSION_COOKIE}={}", crossed.expect("sealed")), "/v1/orders".into()).await, 401);
    // a session naming another tenant than its key's is refused
    let mixed = signer.seal(&recorded("someone-else", now).await).await.expect("sealed");
    assert_eq!(get(format!("{SESSION_COOKIE}={mixed}"), "/v1/orders".into()).await, 401);

    // tenant B's session sees nothing of tenant A
    let other = stack.new_tenant().await;
    let other_operator = stack.key_with_role(&other.id, Role::Operator).await;
    let other_session = stack.console_session(&other_operator).await;
    assert_eq!(get(other_session.cookie.clone(), format!("/v1/orders/{id}")).await, 404);
    let list = Answer::from(stack.cookie_request(Method::GET, "/v1/orders", &other_session.cookie).send().await).await;
    assert_eq!(list.body["items"], json!([]));

    // logging out clears the cookie in the browser and ends the session on the server: a copy of the cookie
    // (another tab, a stolen one) opens nothing any more
    assert_eq!(get(session.cookie.clone(), "/v1/orders".into()).await, 200);
    let out = Answer::from(
        stack
            .cookie_request(Method::DELETE, "/console/session", &session.cookie)
            .header("x-csrf-token", &session.csrf)
            .send()
            .await,
    )
    .await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert!(out.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(get(session.cookie.clone(), "/v1/orders".into()).await, 401, "the session ended server-side");
}

#[tokio::test]
async fn the_page_assets_and_texts_are_ours_and_in_the_browsers_language() {
    let stack = TestStack::start().await;
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/console/orders/ord_x", stack.api_url))
        .header("accept-language", "sv-SE,sv;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    let html = page.text().await.expect("html");
    assert!(html.contains("<html lang=\"sv\">") && html.contains("Orderkonsol"), "{html}");
    for src in html.split("src=\"").skip(1).chain(html.split("href=\"").skip(1)) {
        assert!(src.starts_with("/console/"), "only our own assets: {src}");
    }
    for (asset, kind) in [("console.js", "javascript"), ("console.css", "css"), ("favicon.svg", "svg")] {
        let answer = http.get(format!("{}/console/assets/{asset}", stack.api_url)).send().await.expect("asset");
        assert_eq!(answer.status(), 200, "{asset}");
        assert!(answer.headers()["content-type"].to_str().expect("type").contains(kind));
    }
    assert_eq!(http.get(format!("{}/console/assets/x.js", stack.api_url)).send().await.expect("x").status(), 404);

    let state = Answer::from(
        http.get(format!("{}/console/session", stack.api_url))
            .header("accept-language", "de-DE,de;q=0.9")
            .header("cookie", "console_lang=pl")
            .send()
            .await,
    )
    .await;
    assert_eq!(state.body["signed_in"], false);
    assert_eq!(state.body["language"], "pl", "this browser's choice wins over its Accept-Language");
    assert_eq!(state.body["messages"]["nav.orders"], "Zamówienia");
    assert_eq!(state.body["languages"].as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn a_persons_language_goes_with_their_key_to_any_browser() {
    let stack = TestStack::start().await;
    let warehouse = stack.key_with_role(&stack.tenant.id, Role::Warehouse).await;
    let first = stack.console_session(&warehouse).await;
    let choose = |language: serde_json::Value| {
        let request = stack
            .cookie_request(Method::PUT, "/console/session", &first.cookie)
            .header("x-csrf-token", &first.csrf)
            .json(&json!({ "language": language }));
        async move { Answer::from(request.send().await).await }
    };
    assert_eq!(choose(json!("xx")).await.status, 422);
    assert_eq!(choose(json!(7)).await.status, 400);
    let chosen = choose(json!("lt-LT")).await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    assert_eq!(chosen.body["language"], "lt");
    assert_eq!(chosen.body["messages"]["nav.orders"], "Užsakymai");

    // another browser (another session, English Accept-Language, a Swedish cookie): still Lithuanian
    let second = stack.console_session(&warehouse).await;
    let state = Answer::from(
        stack
            .cookie_request(Method::GET, "/console/session", &format!("{}; console_lang=sv", second.cookie))
            .header("accept-language", "en")
            .send()
            .await,
    )
    .await;
    assert_eq!(state.body["language"], "lt", "{}", state.body);
    // nobody signed in: the browser decides
    let anonymous =
        Answer::from(reqwest::Client::new().get(format!("{}/console/session", stack.api_url)).send().await).await;
    assert_eq!(anonymous.body["language"], "en");
}
