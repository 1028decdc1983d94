//! Routing as data: an API function declares its routes as a table of (method, path pattern, roles, action,
//! handler); [`dispatch`] finds the route, authenticates the caller for it and runs its handler. A path that some
//! route matches under another method is 405, with the methods it allows; any other path is 404. So adding a
//! route is one row, and the 405s follow from the table.

use std::future::Future;
use std::pin::Pin;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::Role;

use crate::{ApiError, Gatekeeper};

/// What a handler answers, boxed so that handlers of different shapes fit one table.
pub type Reply<'a> = Pin<Box<dyn Future<Output = Result<Response<Body>, ApiError>> + Send + 'a>>;

/// A route's handler: given the function's state and the call, its answer.
pub enum Handler<S: 'static> {
    /// For callers with an API key (or a console session naming one) of one of the route's roles.
    Key(for<'a> fn(&'a S, &'a Call<'a>) -> Reply<'a>),
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

/// A call a route's handler answers: the authenticated caller, the request and the path's `{…}` segments in
/// order.
#[derive(Debug)]
pub struct Call<'a> {
    /// The caller's key.
    pub caller: ApiKeyRecord,
    /// The request.
    pub request: &'a Request,
    params: Vec<&'a str>,
}

impl<'a> Call<'a> {
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
/// parameters; 405 when only other methods match, 404 when no path does.
pub fn find<'r, 'p, S>(
    routes: &'r [Route<S>],
    method: &Method,
    path: &'p str,
) -> Result<(&'r Route<S>, Vec<&'p str>), ApiError> {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut path_known = false;
    for route in routes {
        if let Some(params) = match_path(route.path, &segments) {
            if route.method == *method {
                return Ok((route, params));
            }
            path_known = true;
        }
    }
    if path_known {
        Err(ApiError::MethodNotAllowed { method: method.to_string(), path: path.to_owned() })
    } else {
        Err(ApiError::NotFound(format!("route {path}")))
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
        Handler::Key(_) => Err(ApiError::Unauthorized),
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
}
