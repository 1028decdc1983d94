//! Changing an order: quantities, prices and dates, lines added and removed — only before anything shipped. An
//! order confirmation has not answered yet is confirmed with the new lines by its pending event; an answered one is
//! confirmed again here, its reservations adjusted to the new plan (or released while a manual-response tenant
//! answers again), and the buyer told.

use std::collections::HashMap;

use time::OffsetDateTime;

use orders_aws::store::{ApiKeyRecord, NewEmail, ResponseOutcome, ResponseWrite};
use orders_aws::Store;
use orders_domain::catalogue::ReorderLevel;
use orders_domain::change::{apply_change, check_changeable, describe_change, OrderChange, PriceList};
use orders_domain::confirmation::answer_order;
use orders_domain::documents::issued_order_response;
use orders_domain::ids::{OrderId, Sku};
use orders_domain::order::{HistoryEntry, OrderStatus};
use orders_mail::EmailKind;

use super::{actor, load, tenant_settings, ActionError, IfMatch};
use crate::outbox::EmailOutbox;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// Applies `change` to the order (parsed at `now`).
pub async fn change_order(
    store: &Store,
    outbox: &EmailOutbox,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
    change: &OrderChange,
    now: OffsetDateTime,
) -> Result<(), ActionError> {
    let tenant = &tenant_settings(store, caller).await?;
    let actor = &actor(caller);
    let attempt = |_| async move {
        let record = load(store, caller, order_id, if_match).await?;
        check_changeable(&record.order).map_err(|e| ActionError::Conflict(e.0))?;
        let order = &record.order;
        let mut skus: Vec<Sku> = order.lines.iter().filter_map(|l| l.sku.clone()).collect();
        skus.extend(change.add_lines.iter().filter_map(|l| l.sku().cloned()));
        skus.sort();
        skus.dedup();
        let customer_id = &order.buyer.customer_id;
        let (customer, catalogue) =
            store.customer_and_catalogue(&caller.tenant, customer_id, &skus, &tenant.warehouses).await?;
        let prices = PriceList {
            products: &catalogue.products,
            customer_prices: &catalogue.customer_prices,
            customer_discount: customer.and_then(|c| c.discount),
        };
        let changed = apply_change(order, change, prices).map_err(ActionError::Invalid)?;
        let mut detail = describe_change(order, &changed);
        if let Some(reason) = &change.reason {
            detail.push_str(&format!(" ({reason})"));
        }
        let mut history = vec![HistoryEntry { at: now, actor: actor.clone(), action: "changed".into(), detail }];
        let (written, reservations, reorders, next_event, emails) = if order.status == OrderStatus::Received {
            // Confirmation has not answered yet: its pending event confirms the changed order.
            (changed, Vec::new(), Vec::new(), record.pending_event.clone(), Vec::new())
        } else {
            let minimum: HashMap<Sku, ReorderLevel> = catalogue
                .products
                .iter()
                .filter_map(|(sku, p)| ReorderLevel::of(p).map(|level| (sku.clone(), level)))
                .collect();
            let answer = answer_order(&changed, tenant, &catalogue.stock, &minimum, None, actor, now);
            history.push(answer.history);
            let emails: Vec<NewEmail> = EmailKind::for_response(answer.order.status)
                .map(|kind| NewEmail {
                    kind: kind.as_str().into(),
                    reference: format!("change-v{}", record.version),
                    to_name: answer.order.buyer.name.clone(),
                    to_address: answer.order.buyer.email.to_string(),
                    claimed_at: now,
                })
                .into_iter()
                .collect();
            (answer.order, answer.reservation_changes, answer.reorders, None, emails)
        };
        let write = ResponseWrite {
            no_seller_notes: false,
            earlier_attempts: true,
            order: &written,
            expected_version: record.version,
            consumed_event_id: None,
            next_event: next_event.as_ref(),
            history,
            reservations: &reservations,
            emails: emails.clone(),
            reorders,
            requests: Vec::new(),
            related: Vec::new(),
            documents: issued_order_response(&written, order.responded_at, record.version + 1, tenant)
                .into_iter()
                .collect(),
        };
        match store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, status = written.status.as_str(), actor = %actor, "order changed");
                if let Err(error) = outbox.send_claimed(&written, tenant, emails).await {
                    tracing::error!(order_id = %order_id, %error, "buyer email of an order change not sent");
                }
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
