//! Portal requests: opening a magic link, and the buyer's quotes.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use orders_aws::store::CreateOutcome;
use orders_domain::ids::QuoteId;
use orders_domain::order::HistoryEntry;
use orders_domain::quote::{Quote, QuoteStatus};
use orders_domain::FieldError;
use orders_http::portal::{set_portal_cookie, Buyer, LinkScope, PortalSession};
use orders_http::routes::{dispatch_open, Handler, Route, NO_KEY};
use orders_http::session::is_https;
use orders_http::views::{order_json, quote_versions_json};
use orders_http::web::{asset, html, with_security_headers};
use orders_http::{json_body, json_response, limit_param, parse_json, query_param, ApiError};

use crate::strings::{self, Lang};
use crate::Portal;
use crate::{requests, shop};

const SCRIPT: &str = include_str!("../assets/portal.js");
/// The console's stylesheet: one look for both of our web pages.
const STYLES: &str = include_str!("../../console/assets/console.css");
const PORTAL_STYLES: &str = include_str!("../assets/portal.css");

/// The cookie the page script sets to the buyer's stored language.
const LANG_COOKIE: &str = "orders_portal_lang";

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Portal, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(with_security_headers(orders_http::answer(&request, dispatch_open(app, ROUTES, &request).await)))
}

/// The one HTML page, in the browser's language, with its texts as a JSON data block (not a script).
fn page(request: &Request) -> Response<Body> {
    // The buyer's language (the script stores the seller's record of it in a cookie), else the browser's.
    let chosen = orders_http::session::cookie_value(request.headers(), LANG_COOKIE).and_then(Lang::parse);
    let accept = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let lang = chosen.unwrap_or_else(|| Lang::negotiate(accept));
    // `<` escaped so no text can end the data block.
    let texts = strings::catalogue(lang).to_string().replace('<', "\\u003c");
    let page = format!(
        "<!doctype html>\n<html lang=\"{tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <link rel=\"stylesheet\" href=\"/portal/assets/portal.css\">\n\
         <script type=\"application/json\" id=\"texts\">{texts}</script>\n\
         <script type=\"application/json\" id=\"statuses\">{statuses}</script>\n\
         <script src=\"/portal/assets/portal.js\" defer></script>\n</head>\n<body>\n\
         <div id=\"app\"><p>{loading}</p><noscript>{noscript}</noscript></div>\n</body>\n</html>\n",
        tag = lang.tag(),
        title = strings::text(lang, "app.title"),
        loading = strings::text(lang, "app.loading"),
        noscript = strings::text(lang, "app.noscript"),
        statuses = orders_http::web::status_table_json(),
    );
    html(page)
}

/// The portal's routes: its assets, every `/portal/…` path a view of the one page (the script routes by the path),
/// and the buyer API. A buyer is admitted by the portal session (opened from a link or a buyer key), never by an
/// API key; the shop and the cart need an account key's session.
const ROUTES: &[Route<Portal>] = &[
    Route {
        method: Method::GET,
        path: "/portal/assets/portal.js",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|_, _, _| Box::pin(async { Ok(asset("text/javascript; charset=utf-8", SCRIPT)) })),
    },
    Route {
        method: Method::GET,
        path: "/portal/assets/portal.css",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|_, _, _| {
            Box::pin(async { Ok(asset("text/css; charset=utf-8", format!("{STYLES}\n{PORTAL_STYLES}"))) })
        }),
    },
    Route {
        method: Method::GET,
        path: "/portal/assets/{*rest}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|_, request, _| {
            let path = request.uri().path().to_owned();
            Box::pin(async move { Err(ApiError::NotFound(format!("asset {}", path.trim_end_matches('/')))) })
        }),
    },
    Route {
        method: Method::GET,
        path: "/portal/{*rest}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|_, request, _| Box::pin(async move { Ok(page(request)) })),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/session",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| Box::pin(open_link(app, request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/session",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| Box::pin(session_state(app, request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/orders",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                list_orders(app, &buyer, request).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/orders",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::order_cart(app, &buyer, request).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/orders/{id}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                show_order(app, &buyer, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/orders/{id}/reorder",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::reorder(app, &buyer, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/orders/{id}/requests",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                requests::request_change(app, &buyer, request, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/orders/{id}/messages",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                requests::add_message(app, &buyer, request, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/orders/{id}/order-response.xml",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                requests::order_response(app, &buyer, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/orders/{id}/despatches/{number}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                requests::despatch_advice(app, &buyer, param(params, 0), param(params, 1)).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/catalogue",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::catalogue(app, &buyer, request).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/cart",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, _| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::show_cart(app, &buyer).await
            })
        }),
    },
    Route {
        method: Method::PUT,
        path: "/v1/portal/cart/lines/{sku}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::set_cart_line(app, &buyer, request, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::DELETE,
        path: "/v1/portal/cart/lines/{sku}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                buyer.require_account()?;
                shop::remove_cart_line(app, &buyer, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/portal/quotes/{id}",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                show_quote(app, &buyer, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/quotes/{id}/acceptance",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                accept_quote(app, &buyer, request, param(params, 0)).await
            })
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/portal/quotes/{id}/decline",
        roles: NO_KEY,
        action: "use the portal",
        handler: Handler::Open(|app, request, params| {
            Box::pin(async move {
                let buyer = app.buyers.buyer(request).await?;
                decline_quote(app, &buyer, request, param(params, 0)).await
            })
        }),
    },
];

/// The `index`th `{…}` segment of a matched path.
fn param<'a>(params: &[&'a str], index: usize) -> &'a str {
    params.get(index).copied().unwrap_or_default()
}

/// `GET /v1/portal/session`: the buyer's session, language and what their link opens.
async fn session_state(app: &Portal, request: &Request) -> Result<Response<Body>, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    let language = buyer_language(app, &buyer.tenant, &buyer.customer).await?;
    let extra = json!({ "language": language, "scope": scope_json(&buyer.scope) });
    Ok(json_response(StatusCode::OK, &session_json(&buyer.session, Some(extra)), &[]))
}

/// What the buyer's link opens, for the page: `{"kind": "order" | "quote" | "account", "order_id" | "quote_id"}`.
fn scope_json(scope: &LinkScope) -> Value {
    match scope {
        LinkScope::Order(order) => json!({ "kind": scope.kind(), "order_id": order }),
        LinkScope::Quote(quote) => json!({ "kind": scope.kind(), "quote_id": quote }),
        LinkScope::Account => json!({ "kind": scope.kind() }),
    }
}

fn session_json(session: &PortalSession, extra: Option<Value>) -> Value {
    let mut body = json!({
        "signed_in": true,
        "customer_id": session.link.customer,
        "expires_at": session.session_expires_at,
        "csrf_token": session.csrf,
    });
    if let Some(Value::Object(extra)) = extra {
        if let Some(object) = body.as_object_mut() {
            object.extend(extra);
        }
    }
    body
}

/// The portal language of the buyer's stored language (`sv` for `sv-SE`), if the portal speaks it.
async fn buyer_language(
    app: &Portal,
    tenant: &orders_domain::ids::TenantId,
    customer: &orders_domain::ids::CustomerId,
) -> Result<Option<&'static str>, ApiError> {
    let customer = app.store.get_customer(tenant, customer).await?;
    Ok(customer.and_then(|c| c.language).and_then(|l| Lang::parse(l.as_str())).map(Lang::tag))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenLink {
    link: String,
}

/// `POST /v1/portal/session` with `{"link": "…"}`: a valid, live, unrevoked magic link becomes a portal session.
async fn open_link(app: &Portal, request: &Request) -> Result<Response<Body>, ApiError> {
    let OpenLink { link } = parse_json(json_body(request)?)?;
    if link.is_empty() || link.len() > 2048 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/link",
            "give the link's token (1 to 2048 characters)",
        )]));
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let (session, record, scope) = app.buyers.open_session(&link, now).await?;
    let cookie = set_portal_cookie(
        &app.buyers.seal_session(&session).await?,
        session.session_expires_at - now,
        is_https(request.headers()),
    );
    tracing::info!(tenant = %record.tenant, customer = %record.customer_id, link_id = %record.link_id, "portal link opened");
    let language = buyer_language(app, &record.tenant, &record.customer_id).await?;
    let body = session_json(
        &session,
        Some(json!({
            "purpose": record.purpose,
            "reference": record.reference,
            "language": language,
            "scope": scope_json(&scope),
        })),
    );
    Ok(json_response(StatusCode::OK, &body, &[("set-cookie", cookie)]))
}

/// The buyer's versions of quote `id` (drafts are the seller's own), and the number of the latest version,
/// drafts included: 404 for anyone else's quote.
async fn buyer_versions(app: &Portal, buyer: &Buyer, id: &str) -> Result<(QuoteId, Vec<Quote>, u32), ApiError> {
    let not_found = || ApiError::NotFound(format!("quote {id}"));
    let quote_id = QuoteId::parse_public(id).map_err(|_| not_found())?;
    if !buyer.reaches_quote(&quote_id) {
        return Err(not_found());
    }
    let all = app.store.quote_versions(&buyer.tenant, &quote_id).await?;
    let latest = all.iter().map(|q| q.version).max().unwrap_or_default();
    let versions: Vec<Quote> =
        all.into_iter().filter(|q| q.buyer.customer_id == buyer.customer && q.status != QuoteStatus::Draft).collect();
    if versions.is_empty() {
        return Err(not_found());
    }
    Ok((quote_id, versions, latest))
}

/// `GET /v1/portal/quotes/{id}`: the latest version the buyer was sent, and the earlier ones.
async fn show_quote(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let (_, versions, _) = buyer_versions(app, buyer, id).await?;
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, OffsetDateTime::now_utc().date()), &[]))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    version: u32,
    #[serde(default)]
    reason: Option<String>,
}

/// The version a decision names, if it is the latest (an earlier version is read-only, also while the seller
/// writes the next one); an accepted version is named again to find its order.
fn decided_version<'a>(versions: &'a [Quote], latest: u32, id: &str, version: u32) -> Result<&'a Quote, ApiError> {
    let quote = versions.iter().find(|q| q.version == version).ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new("/version", format!("quote {id} has no version {version} for you"))])
    })?;
    if version != latest && quote.status != QuoteStatus::Accepted {
        return Err(ApiError::Conflict(format!(
            "version {version} of quote {id} is being replaced by version {latest}; wait for the seller's new version"
        )));
    }
    Ok(quote)
}

/// `POST /v1/portal/quotes/{id}/acceptance` with `{"version": n}`: places the quote's order — its lines, prices,
/// allowances and charges as quoted — through the intake path (stored with its history and the "publish pending"
/// mark, then sent to confirmation), in the transaction that marks the version accepted. Accepting again answers
/// the same order.
async fn accept_quote(app: &Portal, buyer: &Buyer, request: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let decision: Decision = parse_json(json_body(request)?)?;
    let (quote_id, versions, latest) = buyer_versions(app, buyer, id).await?;
    let quote = decided_version(&versions, latest, id, decision.version)?;
    if let (QuoteStatus::Accepted, Some(order_id)) = (quote.status, &quote.order_id) {
        return crate::shop::existing_order(app, buyer, order_id).await;
    }
    let now = crate::shop::now_micros();
    let order = quote.to_order(now);
    let accepted = quote.accept(&order.id, now)?;
    let detail = format!(
        "Order placed by accepting quote {quote_id} version {} ({} line(s), {} {} gross) through portal link {}",
        quote.version,
        order.lines.len(),
        order.totals.gross,
        order.currency,
        buyer.link.link_id
    );
    let placement = orders_app::placing::Placement {
        order: &order,
        actor: &format!("buyer:{}", buyer.customer),
        detail: &detail,
        fingerprint: &order.order_number,
        idempotency_key: None,
        inline_customer: None,
        quote: Some(&accepted),
        // An accepted quote is the seller's own offer: not counted against the order limit.
        orders_per_minute: None,
    };
    match orders_app::placing::place_order(&app.store, &app.publisher, placement).await? {
        CreateOutcome::Created => {
            tracing::info!(tenant = %order.tenant, order_id = %order.id, quote_id = %quote_id, version = quote.version, "quote accepted");
            Ok(json_response(
                StatusCode::CREATED,
                &order_json(&order, None),
                &[("location", format!("/v1/portal/orders/{}", order.id))],
            ))
        }
        CreateOutcome::Duplicate { order_id, .. } => crate::shop::existing_order(app, buyer, &order_id).await,
        // Not counted (above), so never refused for it.
        CreateOutcome::RateLimited { .. } => Err(ApiError::Unavailable("unexpected store outcome".into())),
        CreateOutcome::QuoteNotOpen => {
            let now_versions = app.store.quote_versions(&buyer.tenant, &quote_id).await?;
            match now_versions.iter().find(|q| q.version == decision.version) {
                Some(Quote { status: QuoteStatus::Accepted, order_id: Some(order_id), .. }) => {
                    crate::shop::existing_order(app, buyer, order_id).await
                }
                Some(current) => Err(ApiError::Conflict(format!(
                    "quote {quote_id} version {} is {} now",
                    current.version,
                    current.status.as_str()
                ))),
                None => Err(ApiError::NotFound(format!("quote {id}"))),
            }
        }
    }
}

/// `POST /v1/portal/quotes/{id}/decline` with `{"version": n, "reason": "…"}`: the buyer says no; the seller may
/// reopen it as a new version.
async fn decline_quote(app: &Portal, buyer: &Buyer, request: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let decision: Decision = parse_json(json_body(request)?)?;
    let reason = match decision.reason.as_deref().map(str::trim) {
        Some(text) if text.chars().count() > 500 || orders_domain::validation::text_problem(text, true).is_some() => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/reason",
                "at most 500 characters, no control or invisible formatting characters but line breaks",
            )]))
        }
        Some("") | None => None,
        Some(text) => Some(text.to_owned()),
    };
    let (_, versions, latest) = buyer_versions(app, buyer, id).await?;
    let quote = decided_version(&versions, latest, id, decision.version)?;
    let now = OffsetDateTime::now_utc();
    quote.check_open(now.date())?;
    let declined =
        Quote { status: QuoteStatus::Declined, decided_at: Some(now), decline_reason: reason, ..quote.clone() };
    if !app.store.update_quote_version(&declined, QuoteStatus::Sent).await? {
        return Err(ApiError::Conflict(format!("quote {id} changed meanwhile; reload it")));
    }
    tracing::info!(tenant = %buyer.tenant, quote_id = %declined.id, version = declined.version, "quote declined");
    let versions: Vec<Quote> =
        versions.into_iter().map(|q| if q.version == declined.version { declined.clone() } else { q }).collect();
    Ok(json_response(StatusCode::OK, &quote_versions_json(&versions, now.date()), &[]))
}

/// `GET /v1/portal/orders`: the buyer's orders at this seller, newest first (`?limit=`, `?cursor=`), optionally
/// only those in `?status=` (comma-separated) or whose number or a SKU or product name contains `?q=`. Filtered
/// pages read on (at most 10 pages of 100) until `limit` orders match, so a page may hold fewer or more.
async fn list_orders(app: &Portal, buyer: &Buyer, request: &Request) -> Result<Response<Body>, ApiError> {
    let limit = limit_param(request)?;
    let search = shop::search_param(request)?;
    // An empty `?status=` filters nothing here (the page's "all" choice).
    let statuses = match query_param(request, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(orders_http::statuses_param(Some(raw))?),
    };
    let listing = format!("portal-orders:{}", buyer.customer);
    let mut start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(buyer.tenant.as_str(), &listing, &cursor).await?),
    };
    let keep = |order: &orders_domain::order::Order| {
        statuses.as_ref().is_none_or(|s| s.contains(&order.status))
            && search.as_ref().is_none_or(|q| {
                order.order_number.to_lowercase().contains(q.as_str())
                    || order.lines.iter().any(|l| {
                        l.sku.as_str().to_lowercase().contains(q.as_str())
                            || l.description.to_lowercase().contains(q.as_str())
                    })
            })
    };
    if !buyer.scope.opens_account() {
        // An order or quote link lists the one order it reaches (if any).
        let mut items = Vec::new();
        for order_id in buyer.scope_orders(&app.store).await? {
            if let Some(record) = app.store.get_order_record(&buyer.tenant, &order_id).await? {
                if record.order.buyer.customer_id == buyer.customer && keep(&record.order) {
                    items.push(orders_http::views::order_row_json(&record.order));
                }
            }
        }
        return Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": null }), &[]));
    }
    let filtered = search.is_some() || statuses.is_some();
    let wanted = usize::try_from(limit).unwrap_or(25);
    let mut matching = Vec::new();
    let mut next;
    let mut pages = 0;
    loop {
        let page = if filtered { 100 } else { limit };
        let (orders, after) = app.store.customer_orders(&buyer.tenant, &buyer.customer, page, start.take()).await?;
        next = after;
        pages += 1;
        matching.extend(orders.into_iter().filter(|order| keep(order)));
        if !filtered || matching.len() >= wanted || next.is_none() || pages >= 10 {
            break;
        }
        start = next.clone();
    }
    let items: Vec<Value> = matching.iter().map(orders_http::views::order_row_json).collect();
    let next_cursor = app.cursors.next(buyer.tenant.as_str(), &listing, next).await?;
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}

/// History entries a buyer sees: what happened to the order, not the seller's internal bookkeeping.
fn buyer_visible(entry: &HistoryEntry) -> bool {
    entry.action != "note_added"
}

/// `GET /v1/portal/orders/{id}`: one of the buyer's orders — lines with their ordered / confirmed / shipped /
/// invoiced / open quantities, buyer-visible history and seller notes, the buyer's own messages, despatches with
/// tracking, billing documents, the buyer's requests and where to download the documents. The access is logged
/// in the order's access log.
async fn show_order(app: &Portal, buyer: &Buyer, id: &str) -> Result<Response<Body>, ApiError> {
    let detail = shop::own_order(app, buyer, id).await?;
    buyer.log_access(&app.store, &detail.order.id, false, "Viewed").await?;
    let history: Vec<HistoryEntry> = detail.history.into_iter().filter(buyer_visible).collect();
    let order = &detail.order;
    let mut body = order_json(order, Some(&history));
    let notes: Vec<_> =
        detail.notes.into_iter().filter(|n| n.visibility == orders_domain::order::NoteVisibility::Buyer).collect();
    body["seller_notes"] = serde_json::to_value(notes).unwrap_or_else(|_| json!([]));
    // Only this buyer's own messages (an order has one buyer; the filter keeps it so if that ever changes).
    let messages: Vec<_> = detail.buyer_messages.into_iter().filter(|m| m.customer_id == buyer.customer).collect();
    body["buyer_messages"] = serde_json::to_value(messages).unwrap_or_else(|_| json!([]));
    body["tracking"] = serde_json::to_value(orders_domain::despatch::tracking(order, &detail.despatches))
        .unwrap_or_else(|_| json!([]));
    let mut documents = vec![json!({
        "kind": "order_response", "format": "ubl",
        "href": format!("/v1/portal/orders/{}/order-response.xml", order.id),
    })];
    let mut despatches = Vec::new();
    for despatch in &detail.despatches {
        let mut view = serde_json::to_value(despatch).unwrap_or_default();
        for line in view["lines"].as_array_mut().into_iter().flatten() {
            // Which warehouse and lot a line was picked from is the seller's business.
            if let Some(line) = line.as_object_mut() {
                line.remove("picks");
            }
        }
        despatches.push(view);
        documents.push(json!({
            "kind": "despatch_advice", "format": "ubl", "number": despatch.despatch_number,
            "href": format!("/v1/portal/orders/{}/despatches/{}.xml", order.id, despatch.despatch_number),
        }));
    }
    body["despatches"] = json!(despatches);
    for link in &detail.invoices {
        let (collection, stem) = (link.kind.collection(), link.kind.file_stem());
        for (format, extension) in [("pdf", "pdf"), ("ubl", "xml")] {
            documents.push(json!({
                "kind": link.kind.as_str(), "format": format, "number": link.number,
                "href": format!("/v1/portal/{collection}/{}/{stem}.{extension}", link.number),
            }));
        }
    }
    body["invoices"] = serde_json::to_value(&detail.invoices).unwrap_or_else(|_| json!([]));
    body["requests"] = serde_json::to_value(&detail.requests).unwrap_or_else(|_| json!([]));
    body["documents"] = json!(documents);
    Ok(json_response(StatusCode::OK, &body, &[]))
}
