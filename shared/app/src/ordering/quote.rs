//! A buyer's decision on a quote in the portal: accepting the latest version places its order — lines, prices,
//! allowances and charges as quoted — in the transaction that marks the version accepted; declining marks it
//! declined (the seller may reopen it as a new version). Accepting again answers the same order.

use time::OffsetDateTime;

use orders_aws::store::CreateOutcome;
use orders_aws::{EventPublisher, Store};
use orders_domain::ids::QuoteId;
use orders_domain::quote::{Quote, QuoteStatus};
use orders_domain::FieldError;

use super::cart::{earlier_order, CartOwner};
use super::{Ordered, OrderingError};
use crate::placing::{place_order, Placement};

/// The quote versions a buyer may decide on: those sent to them (drafts are the seller's own), and the number
/// of the latest version, drafts included.
#[derive(Debug, Clone)]
pub struct BuyerQuote {
    /// The quote.
    pub id: QuoteId,
    /// The versions the buyer was sent, oldest first.
    pub versions: Vec<Quote>,
    /// The latest version's number, drafts included.
    pub latest: u32,
}

impl BuyerQuote {
    /// The version a decision names, if it is the latest (an earlier version is read-only, also while the seller
    /// writes the next one); an accepted version is named again to find its order.
    pub fn decided_version(&self, version: u32) -> Result<&Quote, OrderingError> {
        let id = &self.id;
        let quote = self.versions.iter().find(|q| q.version == version).ok_or_else(|| {
            OrderingError::Invalid(vec![FieldError::new(
                "/version",
                format!("quote {id} has no version {version} for you"),
            )])
        })?;
        if version != self.latest && quote.status != QuoteStatus::Accepted {
            return Err(OrderingError::Conflict(format!(
                "version {version} of quote {id} is being replaced by version {}; wait for the seller's new version",
                self.latest
            )));
        }
        Ok(quote)
    }
}

/// Accepts `version` of the buyer's quote: places its order (not counted against the seller's order limit: it
/// is the seller's own offer) in the transaction that marks the version accepted.
pub async fn accept_quote(
    store: &Store,
    publisher: &EventPublisher,
    owner: CartOwner<'_>,
    quote: &BuyerQuote,
    version: u32,
    now: OffsetDateTime,
) -> Result<Ordered, OrderingError> {
    let decided = quote.decided_version(version)?;
    if let (QuoteStatus::Accepted, Some(order_id)) = (decided.status, &decided.order_id) {
        return earlier_order(store, owner, order_id).await;
    }
    let now = super::now_micros(now);
    let order = decided.to_order(now);
    let accepted = decided.accept(&order.id, now)?;
    let detail = format!(
        "Order placed by accepting quote {} version {} ({} line(s), {} {} gross) through portal link {}",
        quote.id,
        decided.version,
        order.lines.len(),
        order.totals.gross,
        order.currency,
        owner.link_id
    );
    let placement = Placement {
        order: &order,
        actor: &format!("buyer:{}", owner.customer),
        detail: &detail,
        fingerprint: &order.order_number,
        idempotency_key: None,
        inline_customer: None,
        quote: Some(&accepted),
        // An accepted quote is the seller's own offer: not counted against the order limit.
        orders_per_minute: None,
        settings_version: None,
        stock: None,
        received_document: None,
    };
    match place_order(store, publisher, placement).await? {
        CreateOutcome::Created => {
            tracing::info!(tenant = %order.tenant, order_id = %order.id, quote_id = %quote.id, version = decided.version, "quote accepted");
            Ok(Ordered { order, replayed: false })
        }
        CreateOutcome::Duplicate { order_id, .. } => earlier_order(store, owner, &order_id).await,
        // Not counted (above), so never refused for it; and placed without an Idempotency-Key.
        CreateOutcome::RateLimited { .. } | CreateOutcome::IdempotencyKeyTaken => {
            Err(OrderingError::Unavailable("unexpected store outcome".into()))
        }
        CreateOutcome::QuoteNotOpen => {
            let now_versions = store.quote_versions(owner.tenant, &quote.id).await?;
            match now_versions.iter().find(|q| q.version == version) {
                Some(Quote { status: QuoteStatus::Accepted, order_id: Some(order_id), .. }) => {
                    earlier_order(store, owner, order_id).await
                }
                Some(current) => Err(OrderingError::Conflict(format!(
                    "quote {} version {} is {} now",
                    quote.id,
                    current.version,
                    current.status.as_str()
                ))),
                None => Err(OrderingError::NotFound(format!("quote {}", quote.id))),
            }
        }
    }
}

/// Declines `version` of the buyer's quote with their reason; answers every version as they are now.
pub async fn decline_quote(
    store: &Store,
    quote: &BuyerQuote,
    version: u32,
    reason: Option<String>,
    now: OffsetDateTime,
) -> Result<Vec<Quote>, OrderingError> {
    let decided = quote.decided_version(version)?;
    decided.check_open(now.date())?;
    let declined =
        Quote { status: QuoteStatus::Declined, decided_at: Some(now), decline_reason: reason, ..decided.clone() };
    if !store.update_quote_version(&declined, QuoteStatus::Sent).await? {
        return Err(OrderingError::Conflict(format!("quote {} changed meanwhile; reload it", quote.id)));
    }
    tracing::info!(tenant = %declined.tenant, quote_id = %declined.id, version = declined.version, "quote declined");
    Ok(quote
        .versions
        .iter()
        .map(|q| if q.version == declined.version { declined.clone() } else { q.clone() })
        .collect())
}
