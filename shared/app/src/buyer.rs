//! What a buyer says about their order in the portal: a change or cancellation request (it reaches the seller,
//! shows on the order and in its history, and changes nothing by itself) or a message the seller reads — each
//! within the buyer's limit for the order, stored with its history entry in one transaction.

use time::OffsetDateTime;

use orders_aws::store::Addition;
use orders_aws::Store;
use orders_domain::ids::CustomerId;
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::portal::{new_request, BuyerContribution, BuyerMessage, BuyerRequest, RequestDraft, RequestKind};

use crate::staff::ActionError;

/// Asks the seller for a change or the cancellation of `order` (the buyer's own, checked by the caller) on
/// behalf of `customer`; `draft`'s message is already checked ([`orders_domain::portal::buyer_text`]).
pub async fn request_change(
    store: &Store,
    order: &Order,
    customer: &CustomerId,
    draft: &RequestDraft,
    now: OffsetDateTime,
) -> Result<BuyerRequest, ActionError> {
    let actor = format!("buyer:{customer}");
    let asked = new_request(order, draft, &actor, now).map_err(ActionError::Conflict)?;
    let history = HistoryEntry {
        at: now,
        actor,
        action: match asked.kind {
            RequestKind::Change => "change_requested",
            RequestKind::Cancellation => "cancellation_requested",
        }
        .into(),
        detail: format!("Buyer request {}: {}", asked.request_id, asked.message),
    };
    let addition = store.add_buyer_request(order, customer, &asked, &history).await?;
    added(addition, order, BuyerContribution::Request)?;
    tracing::info!(tenant = %order.tenant, order_id = %order.id, request_id = %asked.request_id, "buyer request");
    Ok(asked)
}

/// Stores a message of `customer` about `order` (the buyer's own, checked by the caller); `text` is already
/// checked ([`orders_domain::portal::buyer_text`]).
pub async fn add_message(
    store: &Store,
    order: &Order,
    customer: &CustomerId,
    text: String,
    now: OffsetDateTime,
) -> Result<BuyerMessage, ActionError> {
    let message = BuyerMessage { at: now, customer_id: customer.clone(), text };
    let history = HistoryEntry {
        at: now,
        actor: format!("buyer:{customer}"),
        action: "buyer_message".into(),
        detail: "The buyer wrote a message".into(),
    };
    added(store.add_buyer_message(order, &message, &history).await?, order, BuyerContribution::Message)?;
    Ok(message)
}

/// What became of a buyer's addition to `order`: not found when the order is gone, a conflict at the buyer's
/// limit for it.
fn added(addition: Addition, order: &Order, contribution: BuyerContribution) -> Result<(), ActionError> {
    match addition {
        Addition::Added => Ok(()),
        Addition::OrderGone => Err(ActionError::NotFound(format!("order {}", order.id))),
        Addition::LimitReached => Err(ActionError::Conflict(contribution.limit_reached())),
    }
}
