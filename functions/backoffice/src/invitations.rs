//! Inviting a B2B buyer into the buyer portal: a buyer account key (a long-lived, revocable buyer link of purpose
//! `account`), emailed to the buyer with a link that signs them in; they can paste the key on the portal page later.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use orders_aws::store::{ApiKeyRecord, BuyerLinkRecord};
use orders_aws::MailerError;
use orders_domain::ids::CustomerId;
use orders_domain::FieldError;
use orders_http::{json_body, json_response, parse_json, ApiError};
use orders_mail::invitation::render_invitation;

use crate::context::tenant_settings;
use crate::quotes::email_buyer;
use crate::Backoffice;

/// How long a buyer key works unless the seller says otherwise (days).
const DEFAULT_KEY_DAYS: u32 = 365;
/// At most (days).
const MAX_KEY_DAYS: u32 = 730;

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InvitationBody {
    #[serde(default)]
    valid_days: Option<u32>,
}

/// `POST /v1/customers/{id}/buyer-keys` with `{"valid_days"?: 1..730}`: makes a buyer account key for the
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
    let days = body.valid_days.unwrap_or(DEFAULT_KEY_DAYS);
    if !(1..=MAX_KEY_DAYS).contains(&days) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/valid_days",
            format!("from 1 to {MAX_KEY_DAYS} days"),
        )]));
    }
    let not_found = || ApiError::NotFound(format!("customer {id}"));
    let customer_id = CustomerId::parse(id.to_owned()).map_err(|_| not_found())?;
    let customer = app.store.get_customer(&caller.tenant, &customer_id).await?.ok_or_else(not_found)?;
    let tenant = tenant_settings(app, caller).await?;
    let now = OffsetDateTime::now_utc();
    let expires = now + Duration::days(i64::from(days));
    let link = BuyerLinkRecord {
        link_id: BuyerLinkRecord::new_id(),
        tenant: caller.tenant.clone(),
        customer_id: customer.id.clone(),
        purpose: "account".into(),
        reference: None,
        created_by: format!("{}:{}", caller.role.as_str(), caller.key_id),
        created_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        expires_at: expires.unix_timestamp(),
        revoked_at: None,
    };
    app.store.create_buyer_link(&link).await?;
    let key = app.seal_link_record(&link, now.unix_timestamp()).await?;
    let portal = app.portal_url(request)?;
    let url = format!("{portal}#link={key}");
    let email = render_invitation(
        &customer.name,
        customer.language.as_ref(),
        &tenant.name,
        &tenant.language,
        &url,
        &key,
        expires.date(),
    )
    .map_err(|e| ApiError::Unavailable(format!("the invitation could not be written: {e}")))?;
    // The key exists already: if the email fails, the seller still has it (and can revoke it and invite again).
    let to = (customer.name.as_str(), customer.email.as_str());
    let emailed = match email_buyer(app, &tenant.name, to, &format!("{}.invitation", link.link_id), &email).await? {
        Ok(_) => true,
        Err(MailerError::Retryable(detail) | MailerError::Rejected(detail)) => {
            tracing::warn!(customer = %customer.id, link_id = %link.link_id, %detail, "invitation not emailed");
            false
        }
    };
    tracing::info!(tenant = %caller.tenant, customer = %customer.id, link_id = %link.link_id, emailed, "buyer invited");
    let body = json!({
        "link_id": link.link_id,
        "customer_id": customer.id,
        "key": key,
        "expires_at": link.expires_at,
        "portal_url": portal,
        "emailed_to": if emailed { Some(customer.email.as_str()) } else { None },
    });
    Ok(json_response(StatusCode::CREATED, &body, &[]))
}
