//! Splitting one order in two and merging orders into one (docs/domain.md "Allowed changes"); the use cases are
//! `orders_app::staff::regroup`.

use lambda_http::{Body, Request, Response};

use orders_aws::store::ApiKeyRecord;
use orders_domain::regroup::{parse_merge, parse_split};
use orders_http::{if_match, json_body, ApiError};

use crate::context::{created, order_id_of, outbox};
use crate::Backoffice;

/// `POST /v1/orders/{id}/split`: moves lines or part quantities to a new order (`split_from` → the original,
/// `split_into` on the original), confirms both again in one transaction — the stock they held is shared out,
/// not released and reserved anew — and answers `201` with the new order.
pub(crate) async fn split(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let split = parse_split(json_body(request)?)?;
    let order_id = order_id_of(id)?;
    let outbox = outbox(app, request);
    let new =
        orders_app::staff::regroup::split(&app.store, &outbox, caller, &order_id, &if_match(request), &split).await?;
    created(app, caller, &new).await
}

/// `POST /v1/orders/merge`: one new order with the lines, charges and allowances of 2 to 20 orders of the same
/// buyer, currency, delivery address and type, none shipped (`merged_from` → the sources, which are cancelled with
/// `merged_into`). The merged order is confirmed with the stock the sources held, in one transaction; `201`.
pub(crate) async fn merge(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let merge = parse_merge(json_body(request)?)?;
    let outbox = outbox(app, request);
    let merged = orders_app::staff::regroup::merge(&app.store, &outbox, caller, &merge).await?;
    created(app, caller, &merged).await
}
