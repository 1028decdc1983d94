//! What the seller's staff do to orders through the back office: answer one by hand, change it, cancel or close
//! it, split or merge orders, add notes. Each action reads the order (checking the caller's `If-Match`), decides
//! with the domain, writes the result in one conditional transaction (retried when the order changed meanwhile)
//! and sends the buyer emails it claimed. The HTTP adapter parses the request and renders the answer; the
//! errors here map to problem documents in `orders_http`.

pub mod buyer_links;
pub mod buyer_requests;
pub mod change;
pub mod despatch;
pub mod ending;
pub mod notes;
pub mod quotes;
pub mod regroup;
pub mod respond;
pub mod settings;
pub mod stock;

use std::collections::HashMap;

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, CatalogueView, NewEmail, OrderRecord};
use orders_aws::{Store, StoreError};
use orders_domain::catalogue::ReorderLevel;
use orders_domain::ids::{OrderId, Sku};
use orders_domain::order::{Order, OrderStatus};
use orders_domain::tenant::TenantSettings;
use orders_domain::FieldError;
use orders_mail::EmailKind;

/// Why a staff action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No such order (or tenant settings) for the caller's tenant; the text names what.
    #[error("{0} not found")]
    NotFound(String),
    /// The order's state does not allow the action.
    #[error("{0}")]
    Conflict(String),
    /// The request's content is not acceptable.
    #[error("invalid request: {0:?}")]
    Invalid(Vec<FieldError>),
    /// `If-Match` names another version than the current one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `If-Match` is not a list of ETags.
    #[error("If-Match: {0}")]
    BadIfMatch(String),
    /// The order kept changing while the action was retried.
    #[error("{0}")]
    KeptChanging(String),
    /// Something the action needs cannot be had now (an email that cannot be written or sent); retry later.
    #[error("{0}")]
    Unavailable(String),
    /// The caller's key, presumed from the container's memory, no longer opens anything (revoked, expired).
    #[error("the API key no longer opens anything")]
    Unauthorized,
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signing keys could not be read.
    #[error(transparent)]
    Secret(#[from] orders_aws::SecretError),
}

/// The `If-Match` of a request, checked against the version of what the action works on: absent means
/// "whatever is current" (the action then only needs it unchanged while it runs).
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Result<String, ()>>);

impl IfMatch {
    /// No `If-Match`.
    pub fn any() -> Self {
        Self(None)
    }

    /// The header's value (`Err` when it is not text).
    pub fn new(value: Result<&str, ()>) -> Self {
        Self(Some(value.map(str::to_owned)))
    }

    /// The ETag of `version`.
    pub fn etag(version: u64) -> String {
        format!("\"{version}\"")
    }

    /// Refuses when the header names another version than `version`; `what` names the resource ("the order").
    pub fn check(&self, version: u64, what: &str) -> Result<(), ActionError> {
        let Some(value) = &self.0 else { return Ok(()) };
        let value = value
            .as_deref()
            .map_err(|_| ActionError::BadIfMatch(format!("must be an ETag from {what}, such as \"3\"")))?;
        let mut tags = value.split(',').map(str::trim);
        if value.trim() == "*" || tags.any(|tag| tag == Self::etag(version)) {
            return Ok(());
        }
        if !value.split(',').map(str::trim).all(|tag| tag.len() > 2 && tag.starts_with('"') && tag.ends_with('"')) {
            return Err(ActionError::BadIfMatch(format!("{value:?} is not a list of quoted ETags such as \"3\"")));
        }
        Err(ActionError::PreconditionFailed(format!(
            "{what} is at version {}, not {value}; read it again and repeat the change",
            Self::etag(version)
        )))
    }
}

/// Who acts, as the history records it (`operator:key_…`).
pub fn actor(caller: &ApiKeyRecord) -> String {
    format!("{}:{}", caller.role.as_str(), caller.key_id)
}

/// The caller's tenant settings.
pub async fn tenant_settings(store: &Store, caller: &ApiKeyRecord) -> Result<TenantSettings, ActionError> {
    store.get_tenant(&caller.tenant).await?.ok_or_else(|| ActionError::NotFound("tenant settings".into()))
}

/// The order an action works on, as it is now: not found if the caller's tenant has no such order, refused if
/// `if_match` names another version.
pub async fn load(
    store: &Store,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
) -> Result<OrderRecord, ActionError> {
    let record = store
        .get_order_record(&caller.tenant, order_id)
        .await?
        .ok_or_else(|| ActionError::NotFound(format!("order {order_id}")))?;
    if_match.check(record.version, "the order")?;
    Ok(record)
}

/// The minimum stock per SKU of a catalogue view.
pub(crate) fn minimum_stock(catalogue: &CatalogueView) -> HashMap<Sku, ReorderLevel> {
    catalogue.products.iter().filter_map(|(sku, p)| ReorderLevel::of(p).map(|level| (sku.clone(), level))).collect()
}

/// The buyer email an answer calls for, claimed now under `reference`.
pub(crate) fn answer_email(order: &Order, reference: String, now: OffsetDateTime) -> Vec<NewEmail> {
    EmailKind::for_response(order.status)
        .map(|kind| NewEmail {
            kind: kind.as_str().into(),
            reference,
            to_name: order.buyer.name.clone(),
            to_address: order.buyer.email.to_string(),
            claimed_at: now,
        })
        .into_iter()
        .collect()
}

/// Refuses orders confirmation has not answered yet (their pending event would answer them a second time).
pub(crate) fn check_answered(order: &Order) -> Result<(), ActionError> {
    if order.status == OrderStatus::Received {
        return Err(ActionError::Conflict(format!(
            "order {} is still being confirmed; try again once it is answered",
            order.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_the_current_version_a_star_or_nothing() {
        assert!(IfMatch::any().check(3, "the order").is_ok());
        assert!(IfMatch::new(Ok("*")).check(3, "the order").is_ok());
        assert!(IfMatch::new(Ok("\"2\", \"3\"")).check(3, "the order").is_ok());
    }

    #[test]
    fn if_match_refuses_another_version_and_a_malformed_header() {
        assert!(matches!(IfMatch::new(Ok("\"2\"")).check(3, "the order"), Err(ActionError::PreconditionFailed(_))));
        assert!(matches!(IfMatch::new(Ok("2")).check(3, "the order"), Err(ActionError::BadIfMatch(_))));
        assert!(matches!(IfMatch::new(Err(())).check(3, "the order"), Err(ActionError::BadIfMatch(_))));
    }
}
