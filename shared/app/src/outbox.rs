//! Sending the emails a state change claimed, exactly once per record (see `store::email`): used by every
//! function that answers orders.

use std::time::Duration;

use time::OffsetDateTime;

use orders_aws::store::{EmailOutcome, EmailRecord, EmailStatus, NewEmail, OrderParts};
use orders_aws::{Mailer, MailerError, SecretError, SecretKeys, Store, StoreError};
use orders_domain::buyer_link::PortalLinks;
use orders_domain::order::{NoteVisibility, Order};
use orders_domain::tenant::TenantSettings;
use orders_mail::{
    mime_with_attachments, render, render_despatch, Attachment, EmailKind, Envelope, MailError, RenderedEmail,
};

/// How old a claim on an email must be before another sender takes it over: its claimant must have died. Clearly
/// longer than any function that sends email may run (their `Timeout` in infra/template.yaml, at most 60 s: a test
/// there keeps it so) and than the SDK's operation timeouts, so a slow sender is never doubled by a second one.
pub const CLAIM_STALE_AFTER: Duration = Duration::from_secs(300);

/// What every function that emails reads from its environment: `SENDER_EMAIL` (the verified SES identity), the
/// optional `PORTAL_URL` (the buyer portal; with it every buyer email carries a magic link into the portal, sealed
/// with the buyer-link keys of `BUYER_LINK_SECRET_ARN`).
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `SENDER_EMAIL`.
    pub sender_email: String,
    /// `PORTAL_URL` (checked, without a trailing slash) and `BUYER_LINK_SECRET_ARN`.
    pub portal: Option<(String, String)>,
    /// `MAIL_CONFIGURATION_SET`: the SES configuration set whose event destination reports bounces and complaints.
    pub configuration_set: String,
}

impl MailSettings {
    /// Reads the settings from any source of variables; a missing sender fails with its name, and so does a
    /// portal URL without its link secret.
    pub fn from_vars(var: impl Fn(&'static str) -> Option<String>) -> Result<Self, orders_aws::ConfigError> {
        let portal = match var("PORTAL_URL").filter(|url| !url.is_empty()) {
            None => None,
            Some(url) => Some((
                orders_domain::buyer_link::portal_base_url(&url).map_err(|_| orders_aws::ConfigError("PORTAL_URL"))?,
                orders_aws::required_var(&var, orders_aws::SecretPurpose::BuyerLink.env_var())?,
            )),
        };
        Ok(Self {
            sender_email: orders_aws::required_var(&var, "SENDER_EMAIL")?,
            portal,
            configuration_set: orders_aws::required_var(&var, "MAIL_CONFIGURATION_SET")?,
        })
    }
}

/// Where buyer emails link to: the portal's URL and the keys its links are sealed with (read when sending).
#[derive(Debug, Clone)]
pub struct PortalLinkSource {
    url: String,
    keys: SecretKeys,
}

impl PortalLinkSource {
    /// Links to the portal at `url` (http or https), sealed with the buyer-link `keys`.
    pub fn new(url: &str, keys: SecretKeys) -> Result<Self, String> {
        // Checked now, so a bad URL fails at start, not at the first email.
        Ok(Self { url: orders_domain::buyer_link::portal_base_url(url)?, keys })
    }

    /// The links, with the current keys.
    pub async fn links(&self) -> Result<PortalLinks, SecretError> {
        let ring = self.keys.ring().await?;
        PortalLinks::new(&self.url, ring).map_err(|detail| SecretError::Invalid { purpose: "portal URL", detail })
    }
}

/// Renders and sends claimed emails, then records them sent.
#[derive(Debug, Clone)]
pub struct EmailOutbox {
    store: Store,
    mailer: Mailer,
    /// Where buyer emails link to, if anywhere.
    portal: Option<PortalLinkSource>,
    /// A `sending` record older than this belongs to an attempt that died; it is sent again.
    stale_after: Duration,
}

/// Billing-document emails an earlier attempt claimed and never marked sent.
#[derive(Debug, Default)]
pub struct OutstandingBilling {
    /// Reclaimed from an attempt that must have ended: to send now.
    pub reclaimed: Vec<EmailRecord>,
    /// Some are claimed by an attempt that may still be running (its claim is young): they are sent only once the
    /// claim is stale, by whoever completes the document then.
    pub held: bool,
}

impl EmailOutbox {
    /// An outbox over `store` sending through `mailer`.
    pub fn new(store: Store, mailer: Mailer, stale_after: Duration) -> Self {
        Self { store, mailer, stale_after, portal: None }
    }

    /// The outbox of a function: sends as `settings` say (reading the buyer-link keys through `secrets`); a
    /// claim older than a minute belongs to an attempt that died (every function times out well before).
    pub fn for_function(
        store: Store,
        ses: orders_aws::aws_sdk_ses::Client,
        secrets: &orders_aws::aws_sdk_secretsmanager::Client,
        settings: &MailSettings,
    ) -> Self {
        let mailer = Mailer::new(ses, &settings.sender_email).with_configuration_set(&settings.configuration_set);
        let portal = settings.portal.as_ref().map(|(url, arn)| PortalLinkSource {
            url: url.clone(),
            keys: SecretKeys::from_secrets_manager(secrets.clone(), arn, orders_aws::SecretPurpose::BuyerLink),
        });
        Self { portal, ..Self::new(store, mailer, CLAIM_STALE_AFTER) }
    }
}

/// What a despatch email carries: the delivery note of its despatch (rendered by the shipment stage, which alone
/// links the PDF renderer).
#[derive(Debug, Clone)]
pub struct DespatchFiles {
    /// The despatch.
    pub despatch_number: String,
    /// The files.
    pub attachments: Vec<Attachment>,
    /// The email's sentence about them, in its language.
    pub mention: &'static str,
}

/// Sending failed in a way that should be retried (the message stays on the queue).
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// SES throttled or failed.
    #[error("send {kind} for {order}: {source}")]
    Send {
        /// Email kind.
        kind: String,
        /// Order id.
        order: String,
        /// The SES failure.
        source: MailerError,
    },
    /// Recording the send failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The keys of the portal links could not be read (the emails wait rather than go without their link).
    #[error(transparent)]
    Keys(#[from] SecretError),
}

impl EmailOutbox {
    /// Sends the emails this state change just claimed.
    pub async fn send_claimed(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        claimed: Vec<NewEmail>,
    ) -> Result<(), EmailError> {
        self.send(order, tenant, Self::claimed(claimed), None, None).await
    }

    /// Sends the emails this state change just claimed, quoting the notes and despatches read with the order
    /// (`parts`) rather than reading them again.
    pub async fn send_claimed_with(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        claimed: Vec<NewEmail>,
        parts: &OrderParts,
    ) -> Result<(), EmailError> {
        self.send(order, tenant, Self::claimed(claimed), Some(parts), None).await
    }

    /// Sends the despatch email this state change just claimed with its files (the delivery note), quoting the
    /// notes and despatches read with the order (`parts`).
    pub async fn send_claimed_despatch(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        claimed: Vec<NewEmail>,
        parts: &OrderParts,
        files: &DespatchFiles,
    ) -> Result<(), EmailError> {
        self.send(order, tenant, Self::claimed(claimed), Some(parts), Some(files)).await
    }

    /// This outbox, with buyer emails linking to the portal of `links` (a function that learns the portal's
    /// address per request).
    pub fn with_portal(&self, links: PortalLinkSource) -> Self {
        Self { portal: Some(links), ..self.clone() }
    }

    /// The SES sender, for emails that are not about one order (quotes).
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Sends what an earlier, crashed attempt claimed but never marked sent (after it must have ended). A despatch
    /// email goes without its delivery note here (the note stays in the archive and the portal); the shipment
    /// stage's own retry sends it with the note, see [`EmailOutbox::send_outstanding_with`].
    pub async fn send_outstanding(&self, order: &Order, tenant: &TenantSettings) -> Result<(), EmailError> {
        self.send_outstanding_with(order, tenant, None).await
    }

    /// [`EmailOutbox::send_outstanding`], the despatch email of `files` carrying them.
    pub async fn send_outstanding_with(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        files: Option<&DespatchFiles>,
    ) -> Result<(), EmailError> {
        let now = OffsetDateTime::now_utc();
        let stale_before = now - self.stale_after;
        let mut reclaimed = Vec::new();
        for record in self.store.email_records(&order.tenant, &order.id).await? {
            // Billing documents are the invoicing stage's own (see `outstanding_billing`).
            let billing = EmailKind::parse(&record.kind).is_some_and(EmailKind::is_billing);
            if !billing
                && record.status == EmailStatus::Sending
                && record.claimed_at < stale_before.unix_timestamp()
                && self.store.reclaim_email(&order.tenant, &order.id, &record, now, stale_before).await?
            {
                tracing::warn!(order_id = %order.id, kind = %record.kind, "resending an email whose sender died before recording it");
                reclaimed.push(record);
            }
        }
        self.send(order, tenant, reclaimed, None, files).await
    }

    /// Billing-document emails of `order` that an earlier attempt claimed but never marked sent: reclaimed for
    /// sending now once that attempt must have ended, or still held by it; `only` narrows them to one document.
    pub async fn outstanding_billing(
        &self,
        order: &Order,
        only: Option<&str>,
    ) -> Result<OutstandingBilling, EmailError> {
        let now = OffsetDateTime::now_utc();
        let stale_before = now - self.stale_after;
        let mut outstanding = OutstandingBilling::default();
        for record in self.store.email_records(&order.tenant, &order.id).await? {
            let billing = EmailKind::parse(&record.kind).is_some_and(EmailKind::is_billing);
            if !billing || only.is_some_and(|reference| reference != record.reference) {
                continue;
            }
            if record.status != EmailStatus::Sending {
                continue;
            }
            if record.claimed_at < stale_before.unix_timestamp()
                && self.store.reclaim_email(&order.tenant, &order.id, &record, now, stale_before).await?
            {
                outstanding.reclaimed.push(record);
            } else {
                outstanding.held = true;
            }
        }
        Ok(outstanding)
    }

    /// Sends billing-document emails (claimed now, or reclaimed by [`EmailOutbox::outstanding_billing`]):
    /// `compose` renders each with its attachments.
    pub async fn send_billing(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        records: Vec<EmailRecord>,
        compose: impl Fn(&EmailRecord) -> Result<(RenderedEmail, Vec<Attachment>), MailError>,
    ) -> Result<(), EmailError> {
        self.deliver(order, tenant, records, |record, _kind| compose(record)).await
    }

    /// Records for emails just claimed with a state change.
    pub fn claimed(claimed: Vec<NewEmail>) -> Vec<EmailRecord> {
        claimed
            .into_iter()
            .map(|e| EmailRecord {
                kind: e.kind,
                reference: e.reference,
                to_name: e.to_name,
                to_address: e.to_address,
                status: EmailStatus::Sending,
                claimed_at: e.claimed_at.unix_timestamp(),
                message_id: None,
            })
            .collect()
    }

    /// Sends `records`; the notes and despatches they quote come from `parts` when the caller read them with
    /// the order, and are read here otherwise (only if an email quotes them). The despatch email of `files`
    /// carries them.
    async fn send(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        records: Vec<EmailRecord>,
        parts: Option<&OrderParts>,
        files: Option<&DespatchFiles>,
    ) -> Result<(), EmailError> {
        if records.is_empty() {
            return Ok(());
        }
        // Buyer-visible notes of the seller appear in the next buyer email.
        let seller_notes: Vec<String> =
            if records.iter().any(|r| EmailKind::parse(&r.kind).is_some_and(|k| !k.to_seller())) {
                let notes = match parts {
                    Some(parts) => parts.notes.clone(),
                    None => self.store.order_notes(&order.tenant, &order.id).await?,
                };
                notes.into_iter().filter(|n| n.visibility == NoteVisibility::Buyer).map(|n| n.text).collect()
            } else {
                Vec::new()
            };
        let despatches = if records.iter().any(|r| EmailKind::parse(&r.kind) == Some(EmailKind::BuyerDespatched)) {
            match parts {
                Some(parts) => parts.despatches.clone(),
                None => self.store.despatches(&order.tenant, &order.id).await?,
            }
        } else {
            Vec::new()
        };
        self.deliver(order, tenant, records, |record, kind| {
            let email = match kind {
                EmailKind::BuyerDespatched => match despatches.iter().find(|d| d.despatch_number == record.reference) {
                    Some(despatch) => render_despatch(order, despatch, tenant, &seller_notes),
                    None => Err(MailError::Render(format!("despatch {} not found", record.reference))),
                },
                _ if kind.is_billing() => Err(MailError::Render("billing documents are sent by invoicing".into())),
                _ => render(kind, order, tenant, &seller_notes),
            }?;
            match files.filter(|f| kind == EmailKind::BuyerDespatched && f.despatch_number == record.reference) {
                Some(files) => Ok((email.with_paragraph(files.mention), files.attachments.clone())),
                None => Ok((email, Vec::new())),
            }
        })
        .await
    }

    async fn deliver(
        &self,
        order: &Order,
        tenant: &TenantSettings,
        records: Vec<EmailRecord>,
        compose: impl Fn(&EmailRecord, EmailKind) -> Result<(RenderedEmail, Vec<Attachment>), MailError>,
    ) -> Result<(), EmailError> {
        if records.is_empty() {
            return Ok(());
        }
        let portal = match &self.portal {
            Some(source) if records.iter().any(|r| EmailKind::parse(&r.kind).is_some_and(|k| !k.to_seller())) => {
                Some(source.links().await?)
            }
            _ => None,
        };
        let mut sent = Vec::new();
        let mut failure = None;
        let mut unsent = Vec::new();
        for record in records {
            if failure.is_some() {
                unsent.push(record);
                continue;
            }
            let Some(kind) = EmailKind::parse(&record.kind) else {
                tracing::error!(order_id = %order.id, kind = %record.kind, "unknown email kind; skipped");
                continue;
            };
            let outcome = match compose(&record, kind) {
                Err(error) => Err(MailerError::Rejected(error.to_string())),
                Ok((email, attachments)) => {
                    let email = match (&portal, kind.to_seller()) {
                        (Some(portal), false) => {
                            let now = OffsetDateTime::now_utc().unix_timestamp();
                            email.with_portal_link(&portal.order_url(
                                &order.tenant,
                                &order.buyer.customer_id,
                                &order.id,
                                now,
                            ))
                        }
                        _ => email,
                    };
                    let id = message_id(order, &record, self.mailer.sender());
                    let envelope = Envelope {
                        from_name: &tenant.name,
                        from_address: self.mailer.sender(),
                        to_name: &record.to_name,
                        to_address: &record.to_address,
                        message_id: &id,
                    };
                    match mime_with_attachments(&envelope, &email, &attachments) {
                        Err(error) => Err(MailerError::Rejected(error.to_string())),
                        Ok(raw) => {
                            let tags = [
                                ("tenant", order.tenant.as_str()),
                                ("customer", order.buyer.customer_id.as_str()),
                                ("order", order.id.as_str()),
                            ];
                            debug_assert_eq!(tags.map(|(name, _)| name), orders_domain::mail_feedback::MESSAGE_TAGS);
                            self.mailer.send_raw(&record.to_address, raw, &tags).await
                        }
                    }
                }
            };
            match outcome {
                Ok(message_id) => {
                    tracing::info!(order_id = %order.id, kind = %record.kind, %message_id, "email sent");
                    sent.push((record, EmailOutcome::Sent(message_id)));
                }
                Err(MailerError::Rejected(reason)) => {
                    // Retrying cannot help; record it so it is not retried forever, and say so loudly.
                    tracing::error!(order_id = %order.id, kind = %record.kind, %reason, "email refused");
                    sent.push((record, EmailOutcome::Refused(reason)));
                }
                Err(error @ MailerError::Retryable(_)) => {
                    failure = Some(EmailError::Send {
                        kind: record.kind.clone(),
                        order: order.id.to_string(),
                        source: error,
                    });
                    unsent.push(record);
                }
            }
        }
        let refused = sent.iter().filter(|(_, outcome)| matches!(outcome, EmailOutcome::Refused(_))).count();
        orders_aws::metrics::count(orders_aws::metrics::EMAILS_SENT, (sent.len() - refused) as u64);
        orders_aws::metrics::count(orders_aws::metrics::EMAILS_REFUSED, refused as u64);
        orders_aws::metrics::count(orders_aws::metrics::EMAILS_FAILED, unsent.len() as u64);
        if !sent.is_empty() {
            self.store.mark_emails_sent(&order.tenant, &order.id, &sent, OffsetDateTime::now_utc()).await?;
        }
        if !unsent.is_empty() {
            self.store.release_email_claims(&order.tenant, &order.id, &unsent).await?;
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

fn message_id(order: &Order, record: &EmailRecord, sender: &str) -> String {
    let domain = sender.rsplit('@').next().unwrap_or("orders.example");
    // References are ours (event ids) or the seller's (despatch numbers): keep what a Message-ID may hold.
    let reference: String = record
        .reference
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .collect();
    format!("{}.{}.{reference}@{domain}", order.id, record.kind)
}
