//! Routing as data: an API function declares its routes as a table of (method, path pattern, roles, action,
//! handler); [`dispatch`] finds the route, authenticates the caller for it and runs its handler. A request no row
//! takes is answered as the API as a whole answers it ([`unrouted`], from [`API_ROUTES`]): 405 with `Allow` on a
//! path the API has under other methods, 404 elsewhere. So adding a route is one row (and one in [`API_ROUTES`]),
//! and the 405s follow from the tables.

use std::future::Future;
use std::pin::Pin;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use orders_aws::store::{ApiKeyRecord, CallerKey};
use orders_domain::ids::Role;

use crate::{ApiError, Gatekeeper};

/// What a handler answers, boxed so that handlers of different shapes fit one table.
pub type Reply<'a> = Pin<Box<dyn Future<Output = Result<Response<Body>, ApiError>> + Send + 'a>>;

/// A route's handler: given the function's state and the call, its answer.
pub enum Handler<S: 'static> {
    /// For callers with an API key (or a console session naming one) of one of the route's roles.
    Key(for<'a> fn(&'a S, &'a Call<'a>) -> Reply<'a>),
    /// Like [`Handler::Key`], for a handler whose use case reads the caller's key item with its own first read:
    /// a key this container authenticated before comes presumed ([`CallerKey::Presumed`]), and the use case
    /// confirms it before it writes or answers anything (see [`Gatekeeper::caller`]).
    KeyRead(for<'a> fn(&'a S, &'a Call<'a, CallerKey>) -> Reply<'a>),
    /// For callers the handler admits itself (a buyer's portal session, a public asset): given the request and
    /// the path's `{…}` segments; the route's roles are not consulted.
    Open(for<'a> fn(&'a S, &'a Request, &'a [&'a str]) -> Reply<'a>),
}

/// Every role a key can have.
pub const ANY_ROLE: &[Role] = &[Role::Webshop, Role::Operator, Role::Warehouse];
/// The seller's staff: operators and the warehouse.
pub const STAFF: &[Role] = &[Role::Operator, Role::Warehouse];
/// Operators only.
pub const OPERATOR: &[Role] = &[Role::Operator];
/// No key role: the handler admits its caller ([`Handler::Open`]).
pub const NO_KEY: &[Role] = &[];

/// One row of a routing table.
pub struct Route<S: 'static> {
    /// The method it answers.
    pub method: Method,
    /// The path, `/`-separated; a `{name}` segment matches any one segment and is passed to the handler.
    pub path: &'static str,
    /// The roles that may call it (for a [`Handler::Key`]; none for a [`Handler::Open`]).
    pub roles: &'static [Role],
    /// What a refused caller was refused (403's detail: "may not {action}").
    pub action: &'static str,
    /// The handler.
    pub handler: Handler<S>,
}

impl<S> std::fmt::Debug for Route<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Every route of the HTTP API, as infra/template.yaml's `HttpApi` events declare them (`{name+}` matches one or
/// more segments). `tests/tests/openapi.rs` holds this list, the template and openapi.yaml to the same routes.
/// API Gateway sends a request no route takes to its `$default` route (the console function's), whose answer
/// [`unrouted`] reads from here.
pub const API_ROUTES: &[(Method, &str)] = &[
    (Method::GET, "/console"),
    (Method::DELETE, "/console/session"),
    (Method::POST, "/console/session"),
    (Method::PUT, "/console/session"),
    (Method::GET, "/console/{proxy+}"),
    (Method::GET, "/portal"),
    (Method::GET, "/portal/{proxy+}"),
    (Method::GET, "/v1/settings"),
    (Method::PUT, "/v1/settings"),
    (Method::GET, "/v1/settings/history"),
    (Method::GET, "/v1/api-keys"),
    (Method::POST, "/v1/api-keys"),
    (Method::DELETE, "/v1/api-keys/{id}"),
    (Method::GET, "/v1/webhook-endpoints"),
    (Method::POST, "/v1/webhook-endpoints"),
    (Method::GET, "/v1/webhook-endpoints/{id}"),
    (Method::PATCH, "/v1/webhook-endpoints/{id}"),
    (Method::DELETE, "/v1/webhook-endpoints/{id}"),
    (Method::POST, "/v1/webhook-endpoints/{id}/secret-rotation"),
    (Method::GET, "/v1/webhook-endpoints/{id}/deliveries"),
    (Method::POST, "/v1/webhook-endpoints/{id}/deliveries/{message_id}/resending"),
    (Method::POST, "/v1/buyer-links/{id}/revocation"),
    (Method::GET, "/v1/buyer-requests"),
    (Method::GET, "/v1/credit-notes"),
    (Method::GET, "/v1/credit-notes/{number}"),
    (Method::GET, "/v1/credit-notes/{number}/credit-note.pdf"),
    (Method::GET, "/v1/credit-notes/{number}/credit-note.xml"),
    (Method::GET, "/v1/customers"),
    (Method::GET, "/v1/customers/{id}"),
    (Method::PUT, "/v1/customers/{id}"),
    (Method::POST, "/v1/customers/{id}/buyer-keys"),
    (Method::POST, "/v1/customers/{id}/link-revocation"),
    (Method::GET, "/v1/customers/{id}/orders"),
    (Method::PUT, "/v1/customers/{id}/portal-access"),
    (Method::PUT, "/v1/customers/{id}/prices/{sku}"),
    (Method::GET, "/v1/invoices"),
    (Method::GET, "/v1/invoices/{number}"),
    (Method::POST, "/v1/invoices/{number}/credit-notes"),
    (Method::POST, "/v1/invoices/{number}/debit-notes"),
    (Method::GET, "/v1/invoices/{number}/invoice.pdf"),
    (Method::GET, "/v1/invoices/{number}/invoice.xml"),
    (Method::GET, "/v1/order-counts"),
    (Method::GET, "/v1/orders"),
    (Method::POST, "/v1/orders"),
    (Method::POST, "/v1/orders/batch"),
    (Method::POST, "/v1/orders/merge"),
    (Method::GET, "/v1/orders/{id}"),
    (Method::PATCH, "/v1/orders/{id}"),
    (Method::POST, "/v1/orders/{id}/buyer-requests/{request_id}/resolution"),
    (Method::POST, "/v1/orders/{id}/cancellation"),
    (Method::POST, "/v1/orders/{id}/closure"),
    (Method::POST, "/v1/orders/{id}/despatches"),
    (Method::GET, "/v1/orders/{id}/despatches/{number}"),
    (Method::GET, "/v1/orders/{id}/despatches/{number}/delivery-note.pdf"),
    (Method::POST, "/v1/orders/{id}/invoices"),
    (Method::POST, "/v1/customers/{id}/invoices"),
    (Method::POST, "/v1/orders/{id}/notes"),
    (Method::GET, "/v1/orders/{id}/order-response.xml"),
    (Method::GET, "/v1/orders/{id}/peppol-order.xml"),
    (Method::GET, "/v1/orders/{id}/proforma.pdf"),
    (Method::POST, "/v1/orders/{id}/response"),
    (Method::POST, "/v1/orders/{id}/split"),
    (Method::GET, "/v1/portal/cart"),
    (Method::DELETE, "/v1/portal/cart/lines/{sku}"),
    (Method::PUT, "/v1/portal/cart/lines/{sku}"),
    (Method::GET, "/v1/portal/catalogue"),
    (Method::GET, "/v1/portal/credit-notes/{number}/{file}"),
    (Method::GET, "/v1/portal/invoices/{number}/{file}"),
    (Method::GET, "/v1/portal/orders"),
    (Method::POST, "/v1/portal/orders"),
    (Method::GET, "/v1/portal/orders/{id}"),
    (Method::GET, "/v1/portal/orders/{id}/despatches/{number}"),
    (Method::GET, "/v1/portal/orders/{id}/despatches/{number}/delivery-note.pdf"),
    (Method::POST, "/v1/portal/orders/{id}/messages"),
    (Method::GET, "/v1/portal/orders/{id}/order-response.xml"),
    (Method::POST, "/v1/portal/orders/{id}/reorder"),
    (Method::POST, "/v1/portal/orders/{id}/requests"),
    (Method::GET, "/v1/portal/quotes/{id}"),
    (Method::POST, "/v1/portal/quotes/{id}/acceptance"),
    (Method::POST, "/v1/portal/quotes/{id}/decline"),
    (Method::GET, "/v1/portal/session"),
    (Method::POST, "/v1/portal/session"),
    (Method::GET, "/v1/products"),
    (Method::PUT, "/v1/products/{sku}"),
    (Method::GET, "/v1/quotes"),
    (Method::POST, "/v1/quotes"),
    (Method::GET, "/v1/quotes/{id}"),
    (Method::POST, "/v1/quotes/{id}/sending"),
    (Method::POST, "/v1/quotes/{id}/versions"),
    (Method::GET, "/v1/reorder-suggestions"),
    (Method::POST, "/v1/reports"),
    (Method::GET, "/v1/reports/{id}"),
    (Method::PUT, "/v1/stock/{sku}/{warehouse}"),
];

/// What the API answers a request no route takes: 405 with the methods of the most specific route path that
/// matches `path` (a literal segment before a `{name}`, a `{name}` before a `{name+}`, as API Gateway ranks them),
/// 404 when none does.
pub fn unrouted(method: &Method, path: &str) -> ApiError {
    match allowed_methods(path) {
        Some(allow) => ApiError::MethodNotAllowed { method: method.to_string(), path: path.to_owned(), allow },
        None => ApiError::NotFound(format!("route {path}")),
    }
}

/// The methods [`API_ROUTES`] has for `path` (of its most specific route path that matches), sorted; `None`
/// when no route path matches.
pub fn allowed_methods(path: &str) -> Option<Vec<Method>> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let ranked: Vec<(Vec<u8>, &Method)> = API_ROUTES
        .iter()
        .filter_map(|(method, pattern)| api_path_rank(pattern, &segments).map(|rank| (rank, method)))
        .collect();
    let best = ranked.iter().map(|(rank, _)| rank).max()?;
    let mut allow: Vec<Method> =
        ranked.iter().filter(|(rank, _)| rank == best).map(|(_, method)| (*method).clone()).collect();
    allow.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    allow.dedup();
    Some(allow)
}

/// How specifically an API Gateway route path matches `segments` (one rank per segment: 2 literal, 1 `{name}`,
/// 0 `{name+}`, so comparing ranks prefers the literal first); `None` when it does not match.
fn api_path_rank(pattern: &str, segments: &[&str]) -> Option<Vec<u8>> {
    let wanted: Vec<&str> = pattern.split('/').skip(1).collect();
    let mut rank = Vec::with_capacity(wanted.len());
    for (index, want) in wanted.iter().enumerate() {
        if want.starts_with('{') && want.ends_with("+}") {
            if segments.get(index).is_none_or(|segment| segment.is_empty()) {
                return None;
            }
            rank.push(0);
            return Some(rank);
        }
        let got = segments.get(index)?;
        if want.starts_with('{') && want.ends_with('}') {
            if got.is_empty() {
                return None;
            }
            rank.push(1);
        } else if want == got {
            rank.push(2);
        } else {
            return None;
        }
    }
    (wanted.len() == segments.len()).then_some(rank)
}

/// A call a route's handler answers: the caller (an authenticated key; for a [`Handler::KeyRead`], a
/// [`CallerKey`]), the request and the path's `{…}` segments in order.
#[derive(Debug)]
pub struct Call<'a, C = ApiKeyRecord> {
    /// The caller's key.
    pub caller: C,
    /// The request.
    pub request: &'a Request,
    params: Vec<&'a str>,
}

impl<'a, C> Call<'a, C> {
    /// The `index`th `{…}` segment of the path (the table guarantees it exists; an empty string otherwise).
    pub fn param(&self, index: usize) -> &'a str {
        self.params.get(index).copied().unwrap_or_default()
    }
}

/// The `{…}` segments of `segments` if they match `pattern`. A last segment `{*rest}` matches whatever follows,
/// nothing included, and passes nothing (a page that routes itself in the browser; a folder of assets).
pub fn match_path<'p>(pattern: &str, segments: &[&'p str]) -> Option<Vec<&'p str>> {
    let mut wanted: Vec<&str> = pattern.split('/').skip(1).collect();
    let rest = wanted.last().is_some_and(|last| last.starts_with("{*"));
    if rest {
        wanted.pop();
        if segments.len() < wanted.len() {
            return None;
        }
    } else if wanted.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (want, got) in wanted.iter().zip(segments) {
        if want.starts_with('{') && want.ends_with('}') {
            params.push(*got);
        } else if want != got {
            return None;
        }
    }
    Some(params)
}

/// Where a request goes: the first route of `routes` (in table order) whose path and method match, with its
/// parameters. Otherwise what the API answers ([`unrouted`]): 405 with `Allow` when it has the path under other
/// methods, 404 when it has no such path (nor this function under another method, for a table of paths the API
/// does not have).
pub fn find<'r, 'p, S>(
    routes: &'r [Route<S>],
    method: &Method,
    path: &'p str,
) -> Result<(&'r Route<S>, Vec<&'p str>), ApiError> {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut own = Vec::new();
    for route in routes {
        if let Some(params) = match_path(route.path, &segments) {
            if route.method == *method {
                return Ok((route, params));
            }
            own.push(route.method.clone());
        }
    }
    match allowed_methods(path) {
        // Another function's route (API Gateway never sends it here).
        Some(allow) if allow.contains(method) => Err(ApiError::NotFound(format!("route {path}"))),
        Some(allow) => Err(ApiError::MethodNotAllowed { method: method.to_string(), path: path.to_owned(), allow }),
        None if own.is_empty() => Err(ApiError::NotFound(format!("route {path}"))),
        None => {
            own.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            own.dedup();
            Err(ApiError::MethodNotAllowed { method: method.to_string(), path: path.to_owned(), allow: own })
        }
    }
}

/// Answers `request` by `routes`: finds the route, lets `gate` authenticate the caller for its roles, runs it.
pub async fn dispatch<S: Sync>(
    app: &S,
    gate: &Gatekeeper,
    routes: &[Route<S>],
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let path = request.uri().path().trim_end_matches('/');
    let (route, params) = find(routes, request.method(), path)?;
    match route.handler {
        Handler::Key(handler) => {
            let caller = gate.authenticate(request, route.roles, route.action).await?;
            let call = Call { caller, request, params };
            handler(app, &call).await
        }
        Handler::KeyRead(handler) => {
            let caller = gate.caller(request, route.roles, route.action).await?;
            let call = Call { caller, request, params };
            let answer = handler(app, &call).await;
            gate.settle(&call.caller, &answer).await;
            answer
        }
        Handler::Open(handler) => handler(app, request, &params).await,
    }
}

/// Answers `request` by `routes` of a function without API keys (the console's pages and sessions, the buyer
/// portal): every row must be a [`Handler::Open`]; a [`Handler::Key`] row is refused as unauthenticated.
pub async fn dispatch_open<S: Sync>(
    app: &S,
    routes: &[Route<S>],
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let path = request.uri().path().trim_end_matches('/');
    let (route, params) = find(routes, request.method(), path)?;
    match route.handler {
        Handler::Open(handler) => handler(app, request, &params).await,
        Handler::Key(_) | Handler::KeyRead(_) => Err(ApiError::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply<'a>(_: &'a (), _: &'a Call<'a>) -> Reply<'a> {
        Box::pin(async { Err(ApiError::Unauthorized) })
    }

    const ROUTES: &[Route<()>] = &[
        Route {
            method: Method::POST,
            path: "/v1/orders/merge",
            roles: OPERATOR,
            action: "merge",
            handler: Handler::Key(reply),
        },
        Route {
            method: Method::GET,
            path: "/v1/orders/{id}",
            roles: ANY_ROLE,
            action: "read",
            handler: Handler::Key(reply),
        },
        Route {
            method: Method::PATCH,
            path: "/v1/orders/{id}",
            roles: OPERATOR,
            action: "change",
            handler: Handler::Key(reply),
        },
        Route {
            method: Method::GET,
            path: "/v1/orders/{id}/despatches/{number}",
            roles: ANY_ROLE,
            action: "read",
            handler: Handler::Key(reply),
        },
    ];

    #[test]
    fn finds_the_route_and_its_parameters() {
        let (route, params) = find(ROUTES, &Method::GET, "/v1/orders/ord_1/despatches/D-7").expect("route");
        assert_eq!(route.path, "/v1/orders/{id}/despatches/{number}");
        assert_eq!(params, ["ord_1", "D-7"]);
        let (route, params) = find(ROUTES, &Method::PATCH, "/v1/orders/ord_1").expect("route");
        assert_eq!((route.action, params), ("change", vec!["ord_1"]));
    }

    #[test]
    fn literal_routes_first_in_table_order() {
        let (route, params) = find(ROUTES, &Method::POST, "/v1/orders/merge").expect("route");
        assert_eq!((route.action, params.len()), ("merge", 0));
        // GET of the same path is the order `merge` (a 404 of the handler), as the table says.
        let (route, params) = find(ROUTES, &Method::GET, "/v1/orders/merge").expect("route");
        assert_eq!((route.action, params), ("read", vec!["merge"]));
    }

    #[test]
    fn a_rest_segment_matches_whatever_follows() {
        assert_eq!(match_path("/console/{*rest}", &["console"]), Some(vec![]));
        assert_eq!(match_path("/console/{*rest}", &["console", "orders", "ord_1"]), Some(vec![]));
        assert_eq!(match_path("/console/{*rest}", &["portal"]), None);
        assert_eq!(match_path("/v1/{id}/{*rest}", &["v1", "a", "b"]), Some(vec!["a"]));
    }

    #[test]
    fn other_methods_are_405_and_unknown_paths_404() {
        assert!(matches!(find(ROUTES, &Method::DELETE, "/v1/orders/ord_1"), Err(ApiError::MethodNotAllowed { .. })));
        assert!(matches!(find(ROUTES, &Method::GET, "/v1/orders/ord_1/nothing"), Err(ApiError::NotFound(_))));
        assert!(matches!(find(ROUTES, &Method::GET, "/v2/orders"), Err(ApiError::NotFound(_))));
    }

    fn allow(error: ApiError) -> Vec<String> {
        match error {
            ApiError::MethodNotAllowed { allow, .. } => allow.iter().map(ToString::to_string).collect(),
            other => panic!("not a 405: {other:?}"),
        }
    }

    #[test]
    fn a_405_allows_what_the_whole_api_has_on_the_path() {
        // /v1/orders is two functions' (intake POSTs, the back office lists): a table with one of them still
        // answers with both.
        assert_eq!(allow(unrouted(&Method::DELETE, "/v1/orders")), ["GET", "POST"]);
        assert_eq!(allow(find(ROUTES, &Method::PUT, "/v1/orders/ord_1").expect_err("405")), ["GET", "PATCH"]);
        assert_eq!(allow(unrouted(&Method::TRACE, "/v1/orders/ord_1/")), ["GET", "PATCH"]);
        // A literal segment ranks before a parameter: /v1/orders/merge is the merge action's, not an order's.
        assert_eq!(allow(unrouted(&Method::GET, "/v1/orders/merge")), ["POST"]);
        assert_eq!(allow(unrouted(&Method::OPTIONS, "/console/session")), ["DELETE", "POST", "PUT"]);
        assert_eq!(allow(unrouted(&Method::POST, "/console/orders/ord_1")), ["GET"]);
        assert_eq!(allow(unrouted(&Method::HEAD, "/v1/invoices/INV-1/invoice.pdf")), ["GET"]);
        assert!(matches!(unrouted(&Method::GET, "/v1/nothing"), ApiError::NotFound(_)));
        assert!(matches!(unrouted(&Method::GET, "/"), ApiError::NotFound(_)));
        assert!(matches!(unrouted(&Method::GET, "/v1/orders/ord_1/nothing"), ApiError::NotFound(_)));
        // A route of another function is not this one's to answer (API Gateway never sends it here).
        assert!(matches!(find(ROUTES, &Method::POST, "/v1/orders"), Err(ApiError::NotFound(_))));
    }

    #[test]
    fn the_api_routes_are_each_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (method, path) in API_ROUTES {
            assert!(seen.insert((method.as_str(), *path)), "{method} {path} twice");
            assert!(path.starts_with('/') && !path.ends_with('/'), "{path}");
        }
    }
}
