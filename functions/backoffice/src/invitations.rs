//! Inviting a B2B buyer into the buyer portal: a buyer account key (a long-lived, revocable buyer link of purpose
//! `account`), emailed to the buyer with a link that signs them in; they can paste the key on the portal page later.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::OffsetDateTime;

use orders_app::staff::buyer_links::{self, DEFAULT_KEY_DAYS};
use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::CustomerId;
use orders_http::{json_body, json_response, parse_json, ApiError};

use crate::Backoffice;

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InvitationBody {
    #[serde(default)]
    valid_days: Option<orders_domain::parsing::WholeNumber>,
}

/// `POST /v1/customers/{id}/buyer-keys` with `{"valid_days"?: 1..730}` (`orders_app::staff::buyer_links`): makes a buyer account key for the
/// customer and emails it to them with a link that signs them in; answers the key once (so the seller can also
/// hand it over) with its link id, which revokes it (`POST /v1/buyer-links/{id}/revocation`).
pub(crate) async fn invite_buyer(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let body: InvitationBody =
        if request.body().is_empty() { InvitationBody::default() } else { parse_json(json_body(request)?)? };
    let days = body.valid_days.map_or(DEFAULT_KEY_DAYS, |days| days.0);
    let customer_id = CustomerId::parse(id.to_owned()).map_err(|_| ApiError::NotFound(format!("customer {id}")))?;
    let portal = app.portal_url(request)?;
    let invitation =
        buyer_links::invite_buyer(app.link_mail(&portal), caller, &customer_id, days, OffsetDateTime::now_utc())
            .await?;
    let body = json!({
        "link_id": invitation.link.link_id,
        "customer_id": invitation.link.customer_id,
        "key": invitation.key,
        "expires_at": invitation.link.expires_at,
        "portal_url": portal,
        "emailed_to": invitation.emailed_to,
    });
    Ok(json_response(StatusCode::CREATED, &body, &[]))
}
