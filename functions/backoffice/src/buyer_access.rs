//! What a seller decides about buyers' access to the portal: revoking one link (an order's standing link, a
//! quote's link or a buyer account key), revoking everything a buyer was ever sent, and blocking a buyer.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, BuyerLinkRecord};
use orders_domain::buyer_link::BuyerAccess;
use orders_domain::ids::CustomerId;
use orders_http::{json_body, json_response, no_body, parse_json, ApiError};

use crate::Backoffice;

/// `POST /v1/buyer-links/{id}/revocation`: the link stops working, and so do the portal sessions opened with it.
pub(crate) async fn revoke_link(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    link_id: &str,
) -> Result<Response<Body>, ApiError> {
    no_body(request)?;
    let at = OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let stored = app.store.revoke_buyer_link(&caller.tenant, link_id, &at).await?;
    match (stored, orders_domain::buyer_link::order_of_link(link_id)) {
        (true, _) => {}
        // An order's standing link (in every email about the order) gets its record now, revoked.
        (false, Some(order_id)) => {
            let order = app
                .store
                .get_order_record(&caller.tenant, &order_id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("buyer link {link_id}")))?
                .order;
            let expires = order.received_at + time::Duration::days(orders_domain::buyer_link::ORDER_LINK_DAYS);
            let record = BuyerLinkRecord {
                created_at: at.clone(),
                revoked_at: Some(at.clone()),
                ..BuyerLinkRecord::standing(
                    caller.tenant.clone(),
                    order.buyer.customer_id.clone(),
                    &order_id,
                    expires.unix_timestamp(),
                )
            };
            app.store.revoke_standing_link(&record).await?;
        }
        (false, None) => return Err(ApiError::NotFound(format!("buyer link {link_id}"))),
    }
    let link = app
        .store
        .buyer_link(&caller.tenant, link_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("buyer link {link_id}")))?;
    tracing::info!(tenant = %caller.tenant, link_id, by = %caller.key_id, "buyer link revoked");
    let body = serde_json::to_value(&link).unwrap_or_default();
    Ok(json_response(StatusCode::OK, &body, &[]))
}

/// The customer of the caller's tenant named `id` (404 for anyone else's).
async fn customer_of(app: &Backoffice, caller: &ApiKeyRecord, id: &str) -> Result<CustomerId, ApiError> {
    let not_found = || ApiError::NotFound(format!("customer {id}"));
    let customer = CustomerId::parse(id.to_owned()).map_err(|_| not_found())?;
    app.store.get_customer(&caller.tenant, &customer).await?.ok_or_else(not_found)?;
    Ok(customer)
}

/// The portal access of a customer as the API shows it.
pub(crate) fn access_json(customer: &CustomerId, access: &BuyerAccess) -> serde_json::Value {
    let after = access.links_valid_after.and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    json!({
        "customer_id": customer,
        "blocked": access.blocked,
        "links_valid_after": after.map(|t| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
    })
}

/// `POST /v1/customers/{id}/link-revocation`: every link, buyer key and portal session the customer was given
/// until now stops working (links in emails sent afterwards work).
pub(crate) async fn revoke_all_links(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    no_body(request)?;
    let customer = customer_of(app, caller, id).await?;
    let by = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let access = app.store.revoke_buyer_access(&caller.tenant, &customer, OffsetDateTime::now_utc(), None, &by).await?;
    tracing::info!(tenant = %caller.tenant, customer = %customer, by = %caller.key_id, "every buyer link revoked");
    Ok(json_response(StatusCode::OK, &access_json(&customer, &access), &[]))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessBody {
    blocked: bool,
}

/// `PUT /v1/customers/{id}/portal-access` with `{"blocked": true | false}`: blocking closes the portal to the
/// buyer (no link, key or session of theirs opens it) and revokes everything they were given until now, so
/// unblocking later revives none of it.
pub(crate) async fn set_portal_access(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let AccessBody { blocked } = parse_json(json_body(request)?)?;
    let customer = customer_of(app, caller, id).await?;
    let by = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let access =
        app.store.revoke_buyer_access(&caller.tenant, &customer, OffsetDateTime::now_utc(), Some(blocked), &by).await?;
    tracing::info!(tenant = %caller.tenant, customer = %customer, blocked, by = %caller.key_id, "portal access set");
    Ok(json_response(StatusCode::OK, &access_json(&customer, &access), &[]))
}
