//! Cancelling or closing an order: every reservation released, open quantities given up, who did it recorded.

use orders_aws::store::{ApiKeyRecord, ResponseOutcome, ResponseWrite};
use orders_aws::Store;
use orders_domain::confirmation::reservation_changes;
use orders_domain::ids::OrderId;
use orders_domain::order::{HistoryEntry, OrderStatus};

use super::{actor, load, ActionError, IfMatch};
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// How an order ends before it is fully delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Before any shipment: nothing will be delivered.
    Cancel,
    /// Whatever is still open is given up; what shipped stays shipped.
    Close,
}

/// Cancels or closes the order; repeating it changes nothing (the order is in that state already).
pub async fn end_order(
    store: &Store,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
    ending: Ending,
    reason: Option<&str>,
) -> Result<(), ActionError> {
    let (target, action) = match ending {
        Ending::Cancel => (OrderStatus::Cancelled, "cancelled"),
        Ending::Close => (OrderStatus::Closed, "closed"),
    };
    let attempt = |_| async move {
        let record = load(store, caller, order_id, if_match).await?;
        let order = &record.order;
        if order.status == target {
            return Ok(Attempt::Done(()));
        }
        let shipped = order.lines.iter().any(|l| !l.shipped_quantity.is_zero());
        if order.status.is_final() {
            return Err(ActionError::Conflict(format!("order {order_id} is {} already", order.status.as_str())));
        }
        if ending == Ending::Cancel && shipped {
            return Err(ActionError::Conflict(format!(
                "order {order_id} has shipments; close it instead of cancelling it"
            )));
        }
        let mut ended = order.clone();
        ended.status = target;
        ended.reservations.clear();
        for line in &mut ended.lines {
            line.confirmed_quantity = line.shipped_quantity;
        }
        let releases = reservation_changes(&order.reservations, &[]);
        let history = vec![HistoryEntry {
            at: time::OffsetDateTime::now_utc(),
            actor: actor(caller),
            action: action.into(),
            detail: reason
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Order {action}; {} reservation(s) released", releases.len())),
        }];
        let write = ResponseWrite {
            order: &ended,
            expected_version: record.version,
            consumed_event_id: None,
            next_event: None,
            history,
            reservations: &releases,
            emails: Vec::new(),
            reorders: Vec::new(),
            requests: Vec::new(),
            related: Vec::new(),
            documents: Vec::new(),
            earlier_attempts: true,
            no_seller_notes: false,
        };
        match store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, actor = %caller.key_id, action, "order ended");
                Ok(Attempt::Done(()))
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        ActionError::KeptChanging(format!("order {order_id} kept changing; try again"))
    })
    .await
}
