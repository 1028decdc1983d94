//! Console requests: the page and its assets, the texts, logging in and out, and the person's language.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use orders_domain::fingerprint::api_key_hash;
use orders_domain::ids::Role;
use orders_http::routes::{dispatch_open, Handler, Route, NO_KEY};
use orders_http::session::{clear_session_cookie, is_https, set_session_cookie, Session, SESSION_SECONDS};
use orders_http::web::{asset, html, with_security_headers};
use orders_http::{json_body, ApiError};

use crate::strings::{self, Lang};
use crate::Console;

/// The console script: one closure, kept in parts of a few hundred lines each and served as one file.
pub(crate) const SCRIPT: &str = concat!(
    include_str!("../assets/console/1-frame.js"),
    include_str!("../assets/console/2-orders.js"),
    include_str!("../assets/console/3-catalogue-keys-quotes.js"),
);
const STYLES: &str = include_str!("../assets/console.css");
const ICON: &str = include_str!("../assets/favicon.svg");

/// Roles the console is for.
const STAFF: &[Role] = &[Role::Operator, Role::Warehouse];

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Console, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(with_security_headers(orders_http::answer(&request, dispatch_open(app, ROUTES, &request).await)))
}

/// The console's routes: its assets, the session (log in, log out, language), and every other path a view of the
/// one page (the script routes by the path). The session itself admits the person; no route takes an API key.
const ROUTES: &[Route<Console>] = &[
    Route {
        method: Method::GET,
        path: "/console/assets/console.js",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|_, _, _| Box::pin(async { Ok(asset("text/javascript; charset=utf-8", SCRIPT)) })),
    },
    Route {
        method: Method::GET,
        path: "/console/assets/console.css",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|_, _, _| Box::pin(async { Ok(asset("text/css; charset=utf-8", STYLES)) })),
    },
    Route {
        method: Method::GET,
        path: "/console/assets/favicon.svg",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|_, _, _| Box::pin(async { Ok(asset("image/svg+xml", ICON)) })),
    },
    Route {
        method: Method::GET,
        path: "/console/assets/{*rest}",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|_, request, _| {
            let path = request.uri().path().to_owned();
            Box::pin(async move { Err(ApiError::NotFound(format!("asset {}", path.trim_end_matches('/')))) })
        }),
    },
    Route {
        method: Method::GET,
        path: "/console/session",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|app, request, _| Box::pin(session_state(app, request))),
    },
    Route {
        method: Method::POST,
        path: "/console/session",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|app, request, _| Box::pin(log_in(app, request))),
    },
    Route {
        method: Method::DELETE,
        path: "/console/session",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|app, request, _| Box::pin(log_out(app, request))),
    },
    Route {
        method: Method::PUT,
        path: "/console/session",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|app, request, _| Box::pin(choose_language(app, request))),
    },
    Route {
        method: Method::GET,
        path: "/console/{*rest}",
        roles: NO_KEY,
        action: "use the console",
        handler: Handler::Open(|_, request, _| Box::pin(async move { Ok(page(language_of(request, None))) })),
    },
];

/// The one HTML page: a shell the script fills in, in the language the browser asks for.
fn page(lang: Lang) -> Response<Body> {
    let page = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <link rel=\"icon\" href=\"/console/assets/favicon.svg\">\n\
         <link rel=\"stylesheet\" href=\"/console/assets/console.css\">\n\
         <script type=\"application/json\" id=\"statuses\">{statuses}</script>\n\
         <script src=\"/console/assets/console.js\" defer></script>\n</head>\n<body>\n\
         <div id=\"app\"><noscript>{noscript}</noscript></div>\n</body>\n</html>\n",
        lang = lang.tag(),
        title = strings::text(lang, "app.title"),
        noscript = strings::text(lang, "app.noscript"),
        statuses = orders_http::web::status_table_json(),
    );
    html(page)
}

/// The language the signed-in person chose, else the one of the `console_lang` cookie (chosen in this browser
/// before logging in), else the best of `Accept-Language`.
fn language_of(request: &Request, key: Option<&orders_aws::store::ApiKeyRecord>) -> Lang {
    if let Some(lang) = key.and_then(|k| k.language.as_deref()).and_then(Lang::parse) {
        return lang;
    }
    let headers = request.headers();
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == "console_lang")
        .and_then(|(_, value)| Lang::parse(value));
    chosen.unwrap_or_else(|| {
        strings::negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default())
    })
}

/// `GET /console/session`: who is logged in (or nobody), the CSRF token, and the texts in the person's language.
async fn session_state(app: &Console, request: &Request) -> Result<Response<Body>, ApiError> {
    let mut signed_in = match app.gate.session(request).await {
        Ok(signed_in) => Some(signed_in),
        Err(ApiError::Unauthorized) => None,
        Err(other) => return Err(other),
    };
    if let Some((_, key)) = signed_in.as_mut() {
        // The language the person chose (kept with the tenant), else one stored with the key before.
        if let Some(language) = app.store.key_language(&key.tenant, &key.key_id).await? {
            key.language = Some(language);
        }
    }
    let lang = language_of(request, signed_in.as_ref().map(|(_, key)| key));
    let body = state_json(lang, signed_in.as_ref().map(|(session, key)| (session, key)));
    Ok(json_answer(StatusCode::OK, &body, None))
}

/// Who is signed in (if anyone), the language, the languages to choose from and the texts.
fn state_json(lang: Lang, signed_in: Option<(&Session, &orders_aws::store::ApiKeyRecord)>) -> Value {
    let mut body = json!({
        "signed_in": signed_in.is_some(),
        "language": lang.tag(),
        "languages": Lang::ALL.iter().map(|l| json!({ "tag": l.tag(), "name": l.name() })).collect::<Vec<_>>(),
        "messages": strings::catalogue(lang),
    });
    if let Some((session, key)) = signed_in {
        body["session"] = session_json(session, key);
    }
    body
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageChoice {
    language: String,
}

/// `PUT /console/session` with `{"language": "sv"}` (and the CSRF token): remembers the person's language with
/// their key, so it follows them to any browser; answers the session state in that language.
async fn choose_language(app: &Console, request: &Request) -> Result<Response<Body>, ApiError> {
    let (session, mut key) = app.gate.session(request).await?;
    let choice: LanguageChoice = serde_json::from_str(json_body(request)?)
        .map_err(|e| ApiError::Malformed { pointer: "/language".into(), detail: e.to_string() })?;
    let lang = Lang::parse(&choice.language).ok_or_else(|| {
        ApiError::Validation(vec![orders_domain::FieldError::new(
            "/language",
            format!("{:?} is not one of en, sv, de, pl, lt, zh", choice.language),
        )])
    })?;
    app.store.set_key_language(&key.tenant, &key.key_id, lang.tag()).await?;
    key.language = Some(lang.tag().to_owned());
    Ok(json_answer(StatusCode::OK, &state_json(lang, Some((&session, &key))), None))
}

fn session_json(session: &Session, key: &orders_aws::store::ApiKeyRecord) -> Value {
    json!({
        "tenant": session.tenant,
        "role": key.role.as_str(),
        "key_id": key.key_id,
        "csrf_token": session.csrf,
        "expires_at": OffsetDateTime::from_unix_timestamp(session.expires_at).ok().and_then(|t| t.format(&Rfc3339).ok()),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogIn {
    key: String,
}

/// `POST /console/session` with `{"key": "…"}`: an operator or warehouse key becomes a session cookie.
async fn log_in(app: &Console, request: &Request) -> Result<Response<Body>, ApiError> {
    same_origin(request)?;
    let body = json_body(request)?;
    let login: LogIn = serde_json::from_str(body)
        .map_err(|e| ApiError::Malformed { pointer: "/key".into(), detail: e.to_string() })?;
    let key_text = login.key.trim();
    if key_text.is_empty() || key_text.len() > 256 {
        return Err(ApiError::Validation(vec![orders_domain::FieldError::new(
            "/key",
            "give the API key (1 to 256 characters)",
        )]));
    }
    let hash = api_key_hash(key_text);
    let now = OffsetDateTime::now_utc();
    let key = app
        .store
        .find_api_key(&hash)
        .await?
        .filter(|key| key.usable_at(now.unix_timestamp()))
        .ok_or(ApiError::Unauthorized)?;
    if !STAFF.contains(&key.role) {
        return Err(ApiError::Forbidden { role: key.role.as_str(), action: "use the console" });
    }
    let session = Session::new(key.tenant.as_str(), &hash, now.unix_timestamp());
    let record = orders_aws::store::ConsoleSessionRecord {
        session_id: session.session_id.clone(),
        tenant: key.tenant.clone(),
        key_id: key.key_id.clone(),
        key_hash: hash.clone(),
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        expires_at: session.expires_at,
    };
    app.store.create_console_session(&record).await?;
    let sealed = app.gate.sessions().seal(&session).await?;
    let cookie = set_session_cookie(&sealed, SESSION_SECONDS, is_https(request.headers()));
    tracing::info!(tenant = %key.tenant, key_id = %key.key_id, "console log-in");
    let body = json!({ "signed_in": true, "session": session_json(&session, &key) });
    Ok(json_answer(StatusCode::OK, &body, Some(cookie)))
}

/// `DELETE /console/session` (with the CSRF token): ends the session — its record is deleted, so the cookie opens
/// nothing any more, wherever a copy of it is — and clears it in the browser.
async fn log_out(app: &Console, request: &Request) -> Result<Response<Body>, ApiError> {
    same_origin(request)?;
    let (session, key) = app.gate.session(request).await?;
    app.store.end_console_session(&key.tenant, &session.session_id).await?;
    tracing::info!(tenant = %key.tenant, key_id = %key.key_id, "console log-out");
    let cookie = clear_session_cookie(is_https(request.headers()));
    Ok(json_answer(StatusCode::OK, &json!({ "signed_in": false }), Some(cookie)))
}

/// Refuses a log-in or log-out posted from another site (a browser names the page's origin in `Origin`).
fn same_origin(request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
    if origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(ApiError::Forbidden { role: "cross-site", action: "log in or out of the console" })
    }
}

fn json_answer(status: StatusCode, body: &Value, cookie: Option<String>) -> Response<Body> {
    let mut builder = Response::builder().status(status).header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        builder = builder.header(header::SET_COOKIE, cookie);
    }
    builder.body(Body::Text(body.to_string())).unwrap_or_else(|_| Response::new(Body::Empty))
}
