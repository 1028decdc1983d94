//! The back office's routes, as a table: method, path, who may call it, what a refused caller was refused, and
//! the handler. `orders_http::routes` finds the row, authenticates the caller for it and derives the 405s.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use orders_http::routes::{dispatch, Handler, Route, ANY_ROLE, OPERATOR, STAFF};

use crate::{
    answers, api_keys, buyer_access, buyer_requests, catalogue, customers, documents, invitations, orders, quotes,
    regroup, settings, Backoffice,
};
use orders_app::staff::ending::Ending;

/// Handles one HTTP request; every failure becomes a problem response.
pub async fn handle(app: &Backoffice, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    Ok(orders_http::answer(&request, dispatch(app, &app.gate, ROUTES, &request).await))
}

/// Every route of the back office, first match wins.
const ROUTES: &[Route<Backoffice>] = &[
    Route {
        method: Method::GET,
        path: "/v1/settings",
        roles: OPERATOR,
        action: "read the settings",
        handler: Handler::Key(|app, call| Box::pin(settings::get(app, &call.caller))),
    },
    Route {
        method: Method::PUT,
        path: "/v1/settings",
        roles: OPERATOR,
        action: "change the settings",
        handler: Handler::Key(|app, call| Box::pin(settings::put(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/settings/history",
        roles: OPERATOR,
        action: "read the settings' history",
        handler: Handler::Key(|app, call| Box::pin(settings::history(app, &call.caller))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders",
        roles: STAFF,
        action: "list orders",
        handler: Handler::Key(|app, call| Box::pin(orders::list_orders(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/order-counts",
        roles: STAFF,
        action: "count orders",
        handler: Handler::Key(|app, call| Box::pin(orders::order_counts(app, &call.caller))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/merge",
        roles: OPERATOR,
        action: "merge orders",
        handler: Handler::Key(|app, call| Box::pin(regroup::merge(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}",
        roles: ANY_ROLE,
        action: "read orders",
        handler: Handler::Key(|app, call| Box::pin(orders::order_detail(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::PATCH,
        path: "/v1/orders/{id}",
        roles: OPERATOR,
        action: "change orders",
        handler: Handler::Key(|app, call| {
            Box::pin(answers::change_order(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/cancellation",
        roles: OPERATOR,
        action: "cancel or close orders",
        handler: Handler::Key(|app, call| {
            Box::pin(answers::end_order(app, &call.caller, call.request, call.param(0), Ending::Cancel))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/closure",
        roles: OPERATOR,
        action: "cancel or close orders",
        handler: Handler::Key(|app, call| {
            Box::pin(answers::end_order(app, &call.caller, call.request, call.param(0), Ending::Close))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/split",
        roles: OPERATOR,
        action: "split orders",
        handler: Handler::Key(|app, call| Box::pin(regroup::split(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/order-response.xml",
        roles: ANY_ROLE,
        action: "read order documents",
        handler: Handler::Key(|app, call| {
            Box::pin(documents::order_response_document(app, &call.caller, call.param(0)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/peppol-order.xml",
        roles: ANY_ROLE,
        action: "read order documents",
        handler: Handler::Key(|app, call| Box::pin(documents::peppol_order_document(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/orders/{id}/despatches/{number}",
        roles: ANY_ROLE,
        action: "read order documents",
        handler: Handler::Key(|app, call| {
            Box::pin(documents::despatch_document(app, &call.caller, call.param(0), call.param(1)))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/response",
        roles: OPERATOR,
        action: "respond to orders",
        handler: Handler::Key(|app, call| Box::pin(answers::respond(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/notes",
        roles: STAFF,
        action: "add notes",
        handler: Handler::Key(|app, call| Box::pin(answers::add_note(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/orders/{id}/buyer-requests/{request_id}/resolution",
        roles: OPERATOR,
        action: "answer buyer requests",
        handler: Handler::Key(|app, call| {
            Box::pin(buyer_requests::resolve_buyer_request(
                app,
                &call.caller,
                call.request,
                call.param(0),
                call.param(1),
            ))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/customers/{id}/orders",
        roles: STAFF,
        action: "read customer histories",
        handler: Handler::Key(|app, call| {
            Box::pin(orders::customer_orders(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::PUT,
        path: "/v1/stock/{sku}/{warehouse}",
        roles: STAFF,
        action: "set stock",
        handler: Handler::Key(|app, call| {
            Box::pin(catalogue::set_stock(app, &call.caller, call.request, call.param(0), call.param(1)))
        }),
    },
    Route {
        method: Method::PUT,
        path: "/v1/products/{sku}",
        roles: OPERATOR,
        action: "change the catalogue",
        handler: Handler::Key(|app, call| {
            Box::pin(catalogue::put_product(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/customers",
        roles: STAFF,
        action: "read customers",
        handler: Handler::Key(|app, call| Box::pin(customers::list_customers(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/customers/{id}",
        roles: STAFF,
        action: "read customers",
        handler: Handler::Key(|app, call| Box::pin(catalogue::get_customer(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::PUT,
        path: "/v1/customers/{id}",
        roles: OPERATOR,
        action: "change customers",
        handler: Handler::Key(|app, call| {
            Box::pin(catalogue::put_customer(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::PUT,
        path: "/v1/customers/{id}/prices/{sku}",
        roles: OPERATOR,
        action: "change prices",
        handler: Handler::Key(|app, call| {
            Box::pin(catalogue::put_customer_price(app, &call.caller, call.request, call.param(0), call.param(1)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/quotes",
        roles: OPERATOR,
        action: "read quotes",
        handler: Handler::Key(|app, call| Box::pin(quotes::list_quotes(app, &call.caller, call.request))),
    },
    Route {
        method: Method::POST,
        path: "/v1/quotes",
        roles: OPERATOR,
        action: "write quotes",
        handler: Handler::Key(|app, call| Box::pin(quotes::create_quote(app, &call.caller, call.request))),
    },
    Route {
        method: Method::GET,
        path: "/v1/quotes/{id}",
        roles: OPERATOR,
        action: "read quotes",
        handler: Handler::Key(|app, call| Box::pin(quotes::get_quote(app, &call.caller, call.param(0)))),
    },
    Route {
        method: Method::POST,
        path: "/v1/quotes/{id}/versions",
        roles: OPERATOR,
        action: "write quotes",
        handler: Handler::Key(|app, call| {
            Box::pin(quotes::reopen_quote(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/quotes/{id}/sending",
        roles: OPERATOR,
        action: "send quotes",
        handler: Handler::Key(|app, call| Box::pin(quotes::send_quote(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/buyer-requests",
        roles: STAFF,
        action: "read buyer requests",
        handler: Handler::Key(|app, call| {
            Box::pin(buyer_requests::list_buyer_requests(app, &call.caller, call.request))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/customers/{id}/buyer-keys",
        roles: OPERATOR,
        action: "invite buyers",
        handler: Handler::Key(|app, call| {
            Box::pin(invitations::invite_buyer(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/buyer-links/{id}/revocation",
        roles: OPERATOR,
        action: "revoke buyer links",
        handler: Handler::Key(|app, call| {
            Box::pin(buyer_access::revoke_link(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::POST,
        path: "/v1/customers/{id}/link-revocation",
        roles: OPERATOR,
        action: "revoke buyer links",
        handler: Handler::Key(|app, call| {
            Box::pin(buyer_access::revoke_all_links(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::PUT,
        path: "/v1/customers/{id}/portal-access",
        roles: OPERATOR,
        action: "block buyers",
        handler: Handler::Key(|app, call| {
            Box::pin(buyer_access::set_portal_access(app, &call.caller, call.request, call.param(0)))
        }),
    },
    Route {
        method: Method::GET,
        path: "/v1/api-keys",
        roles: OPERATOR,
        action: "read API keys",
        handler: Handler::Key(|app, call| Box::pin(api_keys::list(app, &call.caller))),
    },
    Route {
        method: Method::POST,
        path: "/v1/api-keys",
        roles: OPERATOR,
        action: "create API keys",
        handler: Handler::Key(|app, call| Box::pin(api_keys::create(app, &call.caller, call.request))),
    },
    Route {
        method: Method::DELETE,
        path: "/v1/api-keys/{id}",
        roles: OPERATOR,
        action: "revoke API keys",
        handler: Handler::Key(|app, call| Box::pin(api_keys::revoke(app, &call.caller, call.request, call.param(0)))),
    },
    Route {
        method: Method::GET,
        path: "/v1/reorder-suggestions",
        roles: STAFF,
        action: "read reorder suggestions",
        handler: Handler::Key(|app, call| Box::pin(catalogue::reorder_suggestions(app, &call.caller))),
    },
];
