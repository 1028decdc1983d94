//! The portal's routes, as a table (`orders_http::routes::dispatch_open`), its assets and the one page every
//! `/portal/…` path shows.

use lambda_http::http::{header, Method};
use lambda_http::{Body, Request, Response};

use orders_http::routes::{dispatch_open, Handler, Route, NO_KEY};
use orders_http::web::{asset, html, with_security_headers};
use orders_http::ApiError;

use crate::strings::{self, Lang};
use crate::{requests, shop};

use crate::orders::{list_orders, show_order};
use crate::quotes::{accept_quote, decline_quote, show_quote};
use crate::session::{open_link, session_state, LANG_COOKIE};
use crate::Portal;

pub(crate) const SCRIPT: &str = include_str!("../assets/portal.js");

/// The console's stylesheet: one look for both of our web pages.
pub(crate) const STYLES: &str = include_str!("../../console/assets/console.css");

pub(crate) const PORTAL_STYLES: &str = include_str!("../assets/portal.css");

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Portal, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(with_security_headers(orders_http::answer(&request, dispatch_open(app, ROUTES, &request).await)))
}

/// The one HTML page, in the browser's language, with its texts as a JSON data block (not a script).
pub(crate) fn page(request: &Request) -> Response<Body> {
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

/// A route of the buyer API: the portal session admits the buyer (`Account`: only an account key's session, for
/// the shop and the cart; `Any`: a link's session too), then `$call` answers, given the portal, the buyer, the
/// request and the path's `{…}` segments.
macro_rules! buyer_route {
    ($method:ident, $path:literal, $access:ident, |$app:ident, $buyer:ident, $request:ident, $params:ident| $call:expr) => {
        Route {
            method: Method::$method,
            path: $path,
            roles: NO_KEY,
            action: "use the portal",
            handler: Handler::Open(|$app, $request, $params| {
                Box::pin(async move {
                    let $buyer = admit($app, $request, Access::$access).await?;
                    let _ = $params;
                    $call.await
                })
            }),
        }
    };
}

/// Which portal sessions a buyer route takes.
#[derive(Clone, Copy)]
enum Access {
    /// Any: a link's or an account key's.
    Any,
    /// An account key's only (the shop and the cart).
    Account,
}

/// The buyer of the request's portal session, if it is one `access` takes.
async fn admit(app: &Portal, request: &Request, access: Access) -> Result<orders_http::portal::Buyer, ApiError> {
    let buyer = app.buyers.buyer(request).await?;
    if matches!(access, Access::Account) {
        buyer.require_account()?;
    }
    Ok(buyer)
}

/// The portal's routes: its assets, every `/portal/…` path a view of the one page (the script routes by the path),
/// and the buyer API. A buyer is admitted by the portal session (opened from a link or a buyer key), never by an
/// API key; the shop and the cart need an account key's session.
pub(crate) const ROUTES: &[Route<Portal>] = &[
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
    buyer_route! { GET, "/v1/portal/orders", Any, |app, buyer, request, params| list_orders(app, &buyer, request) },
    buyer_route! { POST, "/v1/portal/orders", Account, |app, buyer, request, params| shop::order_cart(app, &buyer, request) },
    buyer_route! { GET, "/v1/portal/orders/{id}", Any, |app, buyer, request, params| show_order(app, &buyer, param(params, 0)) },
    buyer_route! { POST, "/v1/portal/orders/{id}/reorder", Account, |app, buyer, request, params| shop::reorder(app, &buyer, param(params, 0)) },
    buyer_route! { POST, "/v1/portal/orders/{id}/requests", Any, |app, buyer, request, params| requests::request_change(app, &buyer, request, param(params, 0)) },
    buyer_route! { POST, "/v1/portal/orders/{id}/messages", Any, |app, buyer, request, params| requests::add_message(app, &buyer, request, param(params, 0)) },
    buyer_route! { GET, "/v1/portal/orders/{id}/order-response.xml", Any, |app, buyer, request, params| requests::order_response(app, &buyer, param(params, 0)) },
    buyer_route! { GET, "/v1/portal/orders/{id}/despatches/{number}", Any, |app, buyer, request, params| requests::despatch_advice(app, &buyer, param(params, 0), param(params, 1)) },
    buyer_route! { GET, "/v1/portal/catalogue", Account, |app, buyer, request, params| shop::catalogue(app, &buyer, request) },
    buyer_route! { GET, "/v1/portal/cart", Account, |app, buyer, request, params| shop::show_cart(app, &buyer) },
    buyer_route! { PUT, "/v1/portal/cart/lines/{sku}", Account, |app, buyer, request, params| shop::set_cart_line(app, &buyer, request, param(params, 0)) },
    buyer_route! { DELETE, "/v1/portal/cart/lines/{sku}", Account, |app, buyer, request, params| shop::remove_cart_line(app, &buyer, param(params, 0)) },
    buyer_route! { GET, "/v1/portal/quotes/{id}", Any, |app, buyer, request, params| show_quote(app, &buyer, param(params, 0)) },
    buyer_route! { POST, "/v1/portal/quotes/{id}/acceptance", Any, |app, buyer, request, params| accept_quote(app, &buyer, request, param(params, 0)) },
    buyer_route! { POST, "/v1/portal/quotes/{id}/decline", Any, |app, buyer, request, params| decline_quote(app, &buyer, request, param(params, 0)) },
];

/// The `index`th `{…}` segment of a matched path.
pub(crate) fn param<'a>(params: &[&'a str], index: usize) -> &'a str {
    params.get(index).copied().unwrap_or_default()
}
