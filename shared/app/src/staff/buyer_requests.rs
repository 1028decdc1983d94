//! The seller's answer to a buyer's change or cancellation request (after changing or cancelling the order through
//! its own actions, or not): the request closes as done or declined, with an optional note for the buyer; answering
//! changes nothing else.

use orders_aws::store::ApiKeyRecord;
use orders_aws::Store;
use orders_domain::ids::OrderId;
use orders_domain::order::HistoryEntry;
use orders_domain::portal::{BuyerRequest, RequestStatus};

use super::ActionError;

/// Answers the order's open request `request_id` with `outcome` (done or declined) and `note`; the request as
/// answered.
pub async fn resolve_buyer_request(
    store: &Store,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    request_id: &str,
    outcome: RequestStatus,
    note: Option<String>,
) -> Result<BuyerRequest, ActionError> {
    let detail = store
        .get_order_detail(&caller.tenant, order_id)
        .await?
        .ok_or_else(|| ActionError::NotFound(format!("order {order_id}")))?;
    let asked = detail
        .requests
        .iter()
        .find(|r| r.request_id == request_id)
        .ok_or_else(|| ActionError::NotFound(format!("buyer request {request_id} of order {order_id}")))?;
    if asked.status != RequestStatus::Open {
        return Err(ActionError::Conflict(format!("buyer request {request_id} was answered already")));
    }
    let now = time::OffsetDateTime::now_utc();
    let actor = format!("operator:{}", caller.key_id);
    let answered = BuyerRequest {
        status: outcome,
        resolved_at: Some(now),
        resolved_by: Some(actor.clone()),
        resolution_note: note,
        ..asked.clone()
    };
    let history = HistoryEntry {
        at: now,
        actor,
        action: "buyer_request_answered".into(),
        detail: format!(
            "Buyer request {request_id} {}",
            if outcome == RequestStatus::Done { "done" } else { "declined" }
        ),
    };
    if !store.resolve_buyer_request(&detail.order, &answered, &history).await? {
        return Err(ActionError::Conflict(format!("buyer request {request_id} was answered already")));
    }
    Ok(answered)
}
