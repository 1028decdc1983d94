//! Splitting one order in two and merging orders into one (docs/domain.md "Allowed changes"): the orders are
//! confirmed again in one transaction — the stock they held is shared out, not released and reserved anew.

use orders_aws::store::{ApiKeyRecord, RelatedWrite, ResponseOutcome, ResponseWrite};
use orders_aws::Store;
use orders_domain::change::check_changeable;
use orders_domain::confirmation::{answer_in_turn, answer_order, Answer};
use orders_domain::documents::issued_order_response;
use orders_domain::ids::{OrderId, Sku};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::regroup::{merge_orders, split_order, MergeRefusal, MergeRequest, SplitRequest};

use super::{actor, answer_email, check_answered, load, minimum_stock, tenant_settings, ActionError, IfMatch};
use crate::outbox::EmailOutbox;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// Moves lines or part quantities of the order to a new order (`split_from` → the original, `split_into` on the
/// original); the new order's id.
pub async fn split(
    store: &Store,
    outbox: &EmailOutbox,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
    split: &SplitRequest,
) -> Result<OrderId, ActionError> {
    let tenant = &tenant_settings(store, caller).await?;
    let actor = &actor(caller);
    let attempt = |_| async move {
        let record = load(store, caller, order_id, if_match).await?;
        check_changeable(&record.order).map_err(|e| ActionError::Conflict(e.0))?;
        check_answered(&record.order)?;
        let now = time::OffsetDateTime::now_utc();
        let (remaining, part) = split_order(&record.order, split, OrderId::generate()).map_err(ActionError::Invalid)?;
        let skus: Vec<Sku> = record.order.lines.iter().filter_map(|l| l.sku.clone()).collect();
        let catalogue = store.load_catalogue(&caller.tenant, &skus, None, &tenant.warehouses).await?;
        let (answers, net) =
            answer_in_turn(vec![remaining, part], tenant, &catalogue.stock, &minimum_stock(&catalogue), actor, now);
        let [kept, new]: [Answer; 2] = answers.try_into().map_err(|_| ActionError::Conflict("split".into()))?;
        let moved: Vec<String> =
            new.order.lines.iter().map(|l| format!("{} × {} (line {})", l.quantity, l.article(), l.line_no)).collect();
        let reason = split.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        let kept_history = vec![
            HistoryEntry {
                at: now,
                actor: actor.clone(),
                action: "split".into(),
                detail: format!("Split: {} moved to order {}{reason}", moved.join(", "), new.order.id),
            },
            kept.history.clone(),
        ];
        let new_history = vec![
            HistoryEntry {
                at: now,
                actor: actor.clone(),
                action: "received".into(),
                detail: format!("Split off order {}: {}{reason}", order_id, moved.join(", ")),
            },
            new.history.clone(),
        ];
        let reference = format!("split-v{}", record.version);
        let kept_emails = answer_email(&kept.order, reference.clone(), now);
        let new_emails = answer_email(&new.order, reference, now);
        let mut reorders = kept.reorders.clone();
        reorders.extend(new.reorders.iter().cloned());
        let write = ResponseWrite {
            no_seller_notes: false,
            earlier_attempts: true,
            order: &kept.order,
            expected_version: record.version,
            consumed_event_id: None,
            next_event: None,
            history: kept_history,
            reservations: &net,
            emails: kept_emails.clone(),
            reorders,
            requests: Vec::new(),
            related: vec![RelatedWrite {
                order: &new.order,
                expected_version: 0,
                history: new_history,
                emails: new_emails.clone(),
            }],
            documents: [
                issued_order_response(&kept.order, record.order.responded_at, record.version + 1, tenant),
                issued_order_response(&new.order, None, 1, tenant),
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        match store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, part = %new.order.id, actor = %actor, "order split");
                for (order, emails) in [(&kept.order, kept_emails), (&new.order, new_emails)] {
                    if let Err(error) = outbox.send_claimed(order, tenant, emails).await {
                        tracing::error!(order_id = %order.id, %error, "buyer email of a split not sent");
                    }
                }
                Ok(Attempt::Done(new.order.id.clone()))
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        ActionError::KeptChanging(format!("order {order_id} kept changing; try again"))
    })
    .await
}

/// One new order with the lines, charges and allowances of 2 to 20 orders of the same buyer, currency, delivery
/// address and type, none shipped (`merged_from` → the sources, which are cancelled with `merged_into`); its id.
pub async fn merge(
    store: &Store,
    outbox: &EmailOutbox,
    caller: &ApiKeyRecord,
    merge: &MergeRequest,
) -> Result<OrderId, ActionError> {
    let tenant = &tenant_settings(store, caller).await?;
    let actor = &actor(caller);
    let attempt = |_| async move {
        let records =
            futures::future::try_join_all(merge.order_ids.iter().map(|id| store.get_order_record(&caller.tenant, id)))
                .await?;
        let records = records
            .into_iter()
            .zip(&merge.order_ids)
            .map(|(record, id)| record.ok_or_else(|| ActionError::NotFound(format!("order {id}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let orders: Vec<Order> = records.iter().map(|r| r.order.clone()).collect();
        let now = time::OffsetDateTime::now_utc();
        let (merged, sources) = merge_orders(&orders, OrderId::generate(), now).map_err(|refusal| match refusal {
            MergeRefusal::State(detail) => ActionError::Conflict(detail),
            MergeRefusal::Mismatch(errors) => ActionError::Invalid(errors),
        })?;
        let mut skus: Vec<Sku> = merged.lines.iter().filter_map(|l| l.sku.clone()).collect();
        skus.sort();
        skus.dedup();
        let catalogue = store.load_catalogue(&caller.tenant, &skus, None, &tenant.warehouses).await?;
        let answer = answer_order(&merged, tenant, &catalogue.stock, &minimum_stock(&catalogue), None, actor, now);
        let reason = merge.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        let ids: Vec<String> = merge.order_ids.iter().map(ToString::to_string).collect();
        let history = vec![
            HistoryEntry {
                at: now,
                actor: actor.clone(),
                action: "received".into(),
                detail: format!("Merged from orders {}{reason}", ids.join(", ")),
            },
            answer.history.clone(),
        ];
        let emails = answer_email(&answer.order, format!("merge-{}", answer.order.id), now);
        let merged_into = HistoryEntry {
            at: now,
            actor: actor.clone(),
            action: "merged".into(),
            detail: format!("Merged into order {}{reason}", answer.order.id),
        };
        let related = sources
            .iter()
            .zip(&records)
            .map(|(source, record)| RelatedWrite {
                order: source,
                expected_version: record.version,
                history: vec![merged_into.clone()],
                emails: Vec::new(),
            })
            .collect();
        let write = ResponseWrite {
            order: &answer.order,
            expected_version: 0,
            consumed_event_id: None,
            next_event: None,
            history,
            reservations: &answer.reservation_changes,
            emails: emails.clone(),
            reorders: answer.reorders.clone(),
            requests: Vec::new(),
            related,
            documents: issued_order_response(&answer.order, None, 1, tenant).into_iter().collect(),
            earlier_attempts: true,
            no_seller_notes: false,
        };
        match store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, merged = %answer.order.id, sources = ?ids, actor = %actor, "orders merged");
                if let Err(error) = outbox.send_claimed(&answer.order, tenant, emails).await {
                    tracing::error!(order_id = %answer.order.id, %error, "buyer email of a merge not sent");
                }
                Ok(Attempt::Done(answer.order.id.clone()))
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ActionError::KeptChanging("the orders kept changing; try again".into()))
        .await
}
