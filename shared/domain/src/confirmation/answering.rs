//! Answering an order (docs/domain.md "Confirmation rules"): the plan applied to the order — status, confirmed
//! quantities, line outcomes, reservations, the blanket order drawn down and a history entry — and several orders
//! answered in turn against one stock view.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::planning::plan_confirmation;
use super::reservations::{reorder_needed, reservation_changes, without_reservations};
use crate::catalogue::{ReorderLevel, ReorderNeed};
use crate::ids::Sku;
use crate::order::{HistoryEntry, Order, OrderStatus};
use crate::stock::{LineOutcome, Reservation, StockLevel};
use crate::tenant::TenantSettings;

/// An order answered by the confirmation rules, with everything the answer writes besides the order.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The order in its answered state (status, confirmed quantities, line outcomes, reservations).
    pub order: Order,
    /// Stock updates from the order's earlier reservations to its new ones.
    pub reservation_changes: Vec<Reservation>,
    /// SKUs that fall below their minimum (reorder suggestions).
    pub reorders: Vec<ReorderNeed>,
    /// A call-off's blanket order, drawn down.
    pub blanket: Option<Order>,
    /// The history entry of the answer.
    pub history: HistoryEntry,
}

/// Confirms `order` (again): plans against `stock` as it would be without the order's own reservations, applies
/// the plan to the order and says what changes. `actor` goes into the history entry.
pub fn answer_order(
    order: &Order,
    tenant: &TenantSettings,
    stock: &HashMap<Sku, Vec<StockLevel>>,
    minimum: &HashMap<Sku, ReorderLevel>,
    blanket: Option<&Order>,
    actor: &str,
    now: time::OffsetDateTime,
) -> Answer {
    let stock = without_reservations(stock, &order.reservations);
    let plan = plan_confirmation(order, tenant, &stock, blanket);
    let reservation_changes = reservation_changes(&order.reservations, &plan.reservations);
    let reorders = reorder_needed(&stock, &plan.reservations, minimum);

    let mut answered = order.clone();
    answered.status = plan.status;
    answered.reservations = plan.reservations.clone();
    answered.response_reason = plan.reason.clone();
    let pending = plan.status == OrderStatus::PendingResponse;
    if !pending {
        answered.responded_at = Some(now);
    }
    for (line, decision) in answered.lines.iter_mut().zip(&plan.lines) {
        if pending {
            line.confirmed_quantity = Decimal::ZERO;
            line.line_status = None;
        } else {
            line.confirmed_quantity = decision.confirmed;
            line.line_status = Some(decision.outcome);
            line.note = decision.note.clone();
        }
    }
    let drawn = blanket.map(|blanket| {
        let mut updated = blanket.clone();
        for line in &mut updated.lines {
            if let Some(quantity) = plan.blanket_drawdown.get(&line.line_no) {
                line.called_off_quantity += *quantity;
            }
        }
        updated
    });
    let count = |outcome| answered.lines.iter().filter(|l| l.line_status == Some(outcome)).count();
    let (changed, rejected) = (count(LineOutcome::Changed), count(LineOutcome::Rejected));
    let detail = match plan.status {
        OrderStatus::PendingResponse => match &plan.reason {
            Some(reason) => format!("Waiting for the seller's response: {reason}"),
            None => "Waiting for the seller's response".to_owned(),
        },
        OrderStatus::Rejected => format!("Rejected: {}", plan.reason.clone().unwrap_or_default()),
        OrderStatus::Received
        | OrderStatus::Accepted
        | OrderStatus::AcceptedWithChanges
        | OrderStatus::PartiallyDelivered
        | OrderStatus::Delivered
        | OrderStatus::PartiallyInvoiced
        | OrderStatus::Invoiced
        | OrderStatus::Cancelled
        | OrderStatus::Closed => format!(
            "{} line(s) confirmed, {changed} changed, {rejected} rejected; {} reservation(s)",
            answered.lines.len() - changed - rejected,
            plan.reservations.len()
        ),
    };
    let history = HistoryEntry { at: now, actor: actor.to_owned(), action: plan.status.as_str().into(), detail };
    Answer { order: answered, reservation_changes, reorders, blanket: drawn, history }
}

/// Confirms `orders` one after the other against one stock view, each planning with what the earlier ones took
/// (the orders that came out of a split). Returns the answers and the net stock updates from everything the orders
/// held before to everything they hold now.
pub fn answer_in_turn(
    orders: Vec<Order>,
    tenant: &TenantSettings,
    stock: &HashMap<Sku, Vec<StockLevel>>,
    minimum: &HashMap<Sku, ReorderLevel>,
    actor: &str,
    now: time::OffsetDateTime,
) -> (Vec<Answer>, Vec<Reservation>) {
    let held: Vec<Reservation> = orders.iter().flat_map(|o| o.reservations.iter().cloned()).collect();
    let mut stock = stock.clone();
    let mut answers = Vec::with_capacity(orders.len());
    for order in &orders {
        let answer = answer_order(order, tenant, &stock, minimum, None, actor, now);
        for change in &answer.reservation_changes {
            if let Some(level) = stock
                .get_mut(&change.sku)
                .and_then(|levels| levels.iter_mut().find(|l| l.warehouse == change.warehouse && l.lot == change.lot))
            {
                level.reserved += change.quantity;
            }
        }
        answers.push(answer);
    }
    let wanted: Vec<Reservation> = answers.iter().flat_map(|a| a.order.reservations.iter().cloned()).collect();
    (answers, reservation_changes(&held, &wanted))
}
