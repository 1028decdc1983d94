//! The seller reaching a buyer with a portal link: sending a quote (the latest draft, with a link to it) and
//! inviting a buyer into the portal (an account key). Each stores the link's record first (revocable from then
//! on), seals its token with the buyer-link keys, then emails the buyer in their language
//! (docs/domain.md "Quotes and the buyer portal").

use time::{Duration, OffsetDateTime, Time};

use orders_aws::store::{ApiKeyRecord, BuyerLinkRecord};
use orders_aws::{Mailer, MailerError, SecretKeys, Store};
use orders_domain::buyer_link::{LinkClaims, LinkSealer};
use orders_domain::ids::{CustomerId, QuoteId, TenantId};
use orders_domain::quote::{Quote, QuoteStatus};
use orders_domain::FieldError;
use orders_mail::invitation::render_invitation;
use orders_mail::quote::render_quote;
use orders_mail::{mime, Envelope, RenderedEmail};

use super::{tenant_settings, ActionError};

/// How long after a quote's validity date its link still opens the portal (to find the order and documents).
pub const LINK_DAYS_AFTER_VALIDITY: i64 = 90;
/// How long a buyer key works unless the seller says otherwise (days).
pub const DEFAULT_KEY_DAYS: u32 = 365;
/// At most (days).
pub const MAX_KEY_DAYS: u32 = 730;

/// What a buyer link needs: the table for its record, the keys that seal its token, the sender of the email
/// it goes out in, and the portal's address.
#[derive(Debug, Clone, Copy)]
pub struct LinkMail<'a> {
    /// The table.
    pub store: &'a Store,
    /// The buyer-link keys.
    pub keys: &'a SecretKeys,
    /// The SES sender.
    pub mailer: &'a Mailer,
    /// The buyer portal (`https://…/portal`, no trailing slash).
    pub portal_url: &'a str,
}

/// The magic-link token of a stored link record, made at `now` (Unix time), sealed by `sealer`.
pub fn seal_record(sealer: &LinkSealer, record: &BuyerLinkRecord, now: i64) -> String {
    sealer.seal(&LinkClaims {
        tenant: record.tenant.to_string(),
        customer: record.customer_id.to_string(),
        link_id: record.link_id.clone(),
        expires_at: record.expires_at,
        issued_at: now,
    })
}

impl LinkMail<'_> {
    /// Stores `link` and answers its token, made at `now`.
    async fn issue(&self, link: &BuyerLinkRecord, now: OffsetDateTime) -> Result<String, ActionError> {
        self.store.create_buyer_link(link).await?;
        let sealer = LinkSealer::new(self.keys.ring().await?);
        Ok(seal_record(&sealer, link, now.unix_timestamp()))
    }

    /// Emails one buyer (`to`: name and address) as the seller `seller` (tenant, customer: the message tags SES
    /// reports bounces with), with Message-ID `{local}@{sender's domain}`: SES's message id, or why SES did not
    /// take it (an email that cannot be built is [`ActionError::Unavailable`]).
    async fn email_buyer(
        &self,
        seller: (&str, &TenantId, &CustomerId),
        to: (&str, &str),
        local: &str,
        email: &RenderedEmail,
    ) -> Result<Result<String, MailerError>, ActionError> {
        let domain = self.mailer.sender().rsplit('@').next().unwrap_or("orders.example");
        let message_id = format!("{local}@{domain}");
        let envelope = Envelope {
            from_name: seller.0,
            from_address: self.mailer.sender(),
            to_name: to.0,
            to_address: to.1,
            message_id: &message_id,
        };
        let raw = mime(&envelope, email).map_err(|e| ActionError::Unavailable(e.to_string()))?;
        let tags = [("tenant", seller.1.as_str()), ("customer", seller.2.as_str())];
        Ok(self.mailer.send_raw(to.1, raw, &tags).await)
    }
}

/// A new link record of `caller`'s tenant for `customer`.
fn link_record(
    caller: &ApiKeyRecord,
    customer: &CustomerId,
    purpose: &str,
    reference: Option<String>,
    now: OffsetDateTime,
    expires_at: i64,
) -> BuyerLinkRecord {
    BuyerLinkRecord {
        link_id: BuyerLinkRecord::new_id(),
        tenant: caller.tenant.clone(),
        customer_id: customer.clone(),
        purpose: purpose.into(),
        reference,
        created_by: format!("{}:{}", caller.role.as_str(), caller.key_id),
        created_at: now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        expires_at,
        revoked_at: None,
    }
}

/// A quote sent: every version as it is now (the latest one sent) and the link the buyer got.
#[derive(Debug, Clone)]
pub struct SentQuote {
    /// Every version, oldest first.
    pub versions: Vec<Quote>,
    /// The link to it in the portal.
    pub link: BuyerLinkRecord,
}

/// Emails the buyer the latest version of quote `quote_id` (a draft) with a magic link to it in the portal, in
/// the buyer's language, then marks it sent. The email goes before the mark: a send that fails changes nothing
/// and can be repeated; two sellers clicking at once may both email, but only one marks it sent.
pub async fn send_quote(
    links: LinkMail<'_>,
    caller: &ApiKeyRecord,
    quote_id: &QuoteId,
    now: OffsetDateTime,
) -> Result<SentQuote, ActionError> {
    let mut versions = links.store.quote_versions(&caller.tenant, quote_id).await?;
    let latest = versions.last().ok_or_else(|| ActionError::NotFound(format!("quote {quote_id}")))?;
    let sent =
        latest.send(now).map_err(|orders_domain::quote::QuoteRefusal::State(detail)| ActionError::Conflict(detail))?;
    let tenant = tenant_settings(links.store, caller).await?;
    let link_ends = (sent.valid_until_date + Duration::days(LINK_DAYS_AFTER_VALIDITY + 1)).with_time(Time::MIDNIGHT);
    let link = link_record(
        caller,
        &sent.buyer.customer_id,
        "quote",
        Some(sent.id.to_string()),
        now,
        link_ends.assume_utc().unix_timestamp(),
    );
    let token = links.issue(&link, now).await?;
    let url = format!("{}/quotes/{}#link={token}", links.portal_url, sent.id);
    let email = render_quote(&sent, &tenant.name, &tenant.language, &url)
        .map_err(|e| ActionError::Unavailable(format!("the quote email could not be written: {e}")))?;
    let to = (sent.buyer.name.as_str(), sent.buyer.email.as_str());
    match links
        .email_buyer(
            (&tenant.name, &tenant.tenant, &sent.buyer.customer_id),
            to,
            &format!("{}.v{}.quote", sent.id, sent.version),
            &email,
        )
        .await?
    {
        Ok(ses_id) => tracing::info!(quote_id = %sent.id, version = sent.version, %ses_id, "quote emailed"),
        Err(MailerError::Retryable(detail)) => {
            return Err(ActionError::Unavailable(format!(
                "the quote email could not be sent now ({detail}); send again"
            )))
        }
        Err(MailerError::Rejected(detail)) => {
            return Err(ActionError::Conflict(format!(
                "the buyer's address {} was refused: {detail}",
                sent.buyer.email
            )))
        }
    }
    if !links.store.update_quote_version(&sent, QuoteStatus::Draft).await? {
        return Err(ActionError::Conflict(format!("quote {quote_id} was sent by someone else meanwhile")));
    }
    if let Some(last) = versions.last_mut() {
        *last = sent;
    }
    Ok(SentQuote { versions, link })
}

/// A buyer invited: their account key (answered once), its link record, and whether the email went out.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The link record (its id revokes the key).
    pub link: BuyerLinkRecord,
    /// The account key.
    pub key: String,
    /// Where it was emailed; `None` when the email failed (the seller still has the key).
    pub emailed_to: Option<String>,
}

/// Makes a buyer account key for `customer_id`, valid for `days` (1 to [`MAX_KEY_DAYS`]), and emails it to the
/// buyer with a link that signs them in. The key exists once stored: an email that fails is said in the answer,
/// and the seller can hand the key over or revoke it and invite again.
pub async fn invite_buyer(
    links: LinkMail<'_>,
    caller: &ApiKeyRecord,
    customer_id: &CustomerId,
    days: u32,
    now: OffsetDateTime,
) -> Result<Invitation, ActionError> {
    if !(1..=MAX_KEY_DAYS).contains(&days) {
        return Err(ActionError::Invalid(vec![FieldError::new(
            "/valid_days",
            format!("from 1 to {MAX_KEY_DAYS} days"),
        )]));
    }
    let customer = links
        .store
        .get_customer(&caller.tenant, customer_id)
        .await?
        .ok_or_else(|| ActionError::NotFound(format!("customer {customer_id}")))?;
    let tenant = tenant_settings(links.store, caller).await?;
    let expires = now + Duration::days(i64::from(days));
    let link = link_record(caller, &customer.id, "account", None, now, expires.unix_timestamp());
    let key = links.issue(&link, now).await?;
    let url = format!("{}#link={key}", links.portal_url);
    let email = render_invitation(
        &customer.name,
        customer.language.as_ref(),
        &tenant.name,
        &tenant.language,
        &url,
        &key,
        expires.date(),
    )
    .map_err(|e| ActionError::Unavailable(format!("the invitation could not be written: {e}")))?;
    // The key exists already: if the email fails, the seller still has it (and can revoke it and invite again).
    let to = (customer.name.as_str(), customer.email.as_str());
    let emailed = match links
        .email_buyer((&tenant.name, &tenant.tenant, customer_id), to, &format!("{}.invitation", link.link_id), &email)
        .await?
    {
        Ok(_) => true,
        Err(MailerError::Retryable(detail) | MailerError::Rejected(detail)) => {
            tracing::warn!(customer = %customer.id, link_id = %link.link_id, %detail, "invitation not emailed");
            false
        }
    };
    tracing::info!(tenant = %caller.tenant, customer = %customer.id, link_id = %link.link_id, emailed, "buyer invited");
    Ok(Invitation { link, key, emailed_to: emailed.then(|| customer.email.to_string()) })
}
