//! The customer list: the register by name, or the customers found by id, email address or the start of a name
//! (`orders_domain::listing::CustomerSearch`), and the customer view it shares with `GET /v1/customers/{id}`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{json, Value};

use orders_aws::store::ApiKeyRecord;
use orders_domain::catalogue::Customer;
use orders_domain::listing::CustomerSearch;
use orders_http::{json_response, limit_param, query_param, ApiError};

use crate::Backoffice;

/// The list's query parameters; any other is refused rather than ignored.
pub(crate) const LIST_PARAMETERS: [&str; 3] = ["q", "limit", "cursor"];

/// A customer's master data as the API shows it. `GET /v1/customers/{id}` adds the portal access and what SES
/// reported on the address (two more reads per customer, so the list leaves them out).
pub(crate) fn customer_json(customer: &Customer) -> Value {
    serde_json::to_value(customer).unwrap_or_else(|_| json!({}))
}

/// `GET /v1/customers`: the tenant's customers sorted by name or, with `q`, the customer whose id `q` is, those
/// whose email address it is, then those whose name starts with it (case, diacritics and repeated spaces ignored);
/// paged by a cursor bound to the tenant and to `q`.
pub(crate) async fn list_customers(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    if let Some(query) = request.query_string_parameters_ref() {
        if let Some((name, _)) = query.iter().find(|(name, _)| !LIST_PARAMETERS.contains(name)) {
            return Err(ApiError::InvalidParameter {
                name: "query",
                detail: format!("{name:?} is not a parameter of this list ({})", LIST_PARAMETERS.join(", ")),
            });
        }
    }
    let limit = usize::try_from(limit_param(request)?).unwrap_or(50);
    let search = match query_param(request, "q") {
        None => None,
        Some(q) => CustomerSearch::parse(&q).map_err(|detail| ApiError::InvalidParameter { name: "q", detail })?,
    };
    // The cursor is bound to the tenant and to the text searched for (a blank `q` is the whole register).
    let listing = match &search {
        None => "customers".to_owned(),
        Some(search) => format!("customers:q={}", search.text()),
    };
    let start = match query_param(request, "cursor") {
        None => None,
        Some(cursor) => Some(app.cursors.decode(caller.tenant.as_str(), &listing, &cursor).await?),
    };
    let page = app.store.list_customers(&caller.tenant, search.as_ref(), limit, start).await?;
    let next_cursor = app.cursors.next(caller.tenant.as_str(), &listing, page.next).await?;
    let items: Vec<Value> = page.customers.iter().map(customer_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "items": items, "next_cursor": next_cursor }), &[]))
}
