//! Splitting one order in two and merging orders into one (docs/domain.md "Allowed changes").

use lambda_http::{Body, Request, Response};
use orders_app::retry::{retry_on_conflict, Attempt, ATTEMPTS};

use orders_aws::store::ApiKeyRecord;
use orders_aws::store::{RelatedWrite, ResponseOutcome, ResponseWrite};
use orders_domain::change::check_changeable;
use orders_domain::confirmation::{answer_in_turn, answer_order, Answer};
use orders_domain::documents::issued_order_response;
use orders_domain::ids::{OrderId, Sku};
use orders_domain::order::HistoryEntry;
use orders_domain::order::Order;
use orders_domain::regroup::{merge_orders, parse_merge, parse_split, split_order, MergeRefusal};
use orders_http::{json_body, ApiError};

use crate::answers::{answer_email, check_answered};
use crate::context::{created, current_record, minimum_stock, order_id_of, outbox, tenant_settings};
use crate::Backoffice;

/// `POST /v1/orders/{id}/split`: moves lines or part quantities to a new order (`split_from` → the original,
/// `split_into` on the original), confirms both again in one transaction — the stock they held is shared out,
/// not released and reserved anew — and answers `201` with the new order.
pub(crate) async fn split(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let split = parse_split(json_body(request)?)?;
    let order_id = order_id_of(id)?;
    let tenant = tenant_settings(app, caller).await?;
    let actor = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let order_id = &order_id;
    let split = &split;
    let tenant = &tenant;
    let actor = &actor;
    let attempt = |_| async move {
        let record = current_record(app, caller, request, order_id).await?;
        check_changeable(&record.order).map_err(|e| ApiError::Conflict(e.0))?;
        check_answered(&record.order)?;
        let now = time::OffsetDateTime::now_utc();
        let (remaining, part) = split_order(&record.order, split, OrderId::generate()).map_err(ApiError::Validation)?;
        let skus: Vec<Sku> = record.order.lines.iter().map(|l| l.sku.clone()).collect();
        let catalogue = app.store.load_catalogue(&caller.tenant, &skus, None, &tenant.warehouses).await?;
        let (answers, net) =
            answer_in_turn(vec![remaining, part], tenant, &catalogue.stock, &minimum_stock(&catalogue), actor, now);
        let [kept, new]: [Answer; 2] = answers.try_into().map_err(|_| ApiError::Unavailable("split".into()))?;
        let moved: Vec<String> =
            new.order.lines.iter().map(|l| format!("{} × {} (line {})", l.quantity, l.sku, l.line_no)).collect();
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
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, part = %new.order.id, actor = %actor, "order split");
                for (order, emails) in [(&kept.order, kept_emails), (&new.order, new_emails)] {
                    if let Err(error) = outbox(app, request).send_claimed(order, tenant, emails).await {
                        tracing::error!(order_id = %order.id, %error, "buyer email of a split not sent");
                    }
                }
                return created(app, caller, &new.order.id).await.map(Attempt::Done);
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("order {id} kept changing; try again"))).await
}

/// `POST /v1/orders/merge`: one new order with the lines, charges and allowances of 2 to 20 orders of the same
/// buyer, currency, delivery address and type, none shipped (`merged_from` → the sources, which are cancelled with
/// `merged_into`). The merged order is confirmed with the stock the sources held, in one transaction; `201`.
pub(crate) async fn merge(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let merge = parse_merge(json_body(request)?)?;
    let tenant = tenant_settings(app, caller).await?;
    let actor = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let merge = &merge;
    let (tenant, actor) = (&tenant, &actor);
    let attempt = |_| async move {
        let records = futures::future::try_join_all(
            merge.order_ids.iter().map(|id| app.store.get_order_record(&caller.tenant, id)),
        )
        .await?;
        let records = records
            .into_iter()
            .zip(&merge.order_ids)
            .map(|(record, id)| record.ok_or_else(|| ApiError::NotFound(format!("order {id}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let orders: Vec<Order> = records.iter().map(|r| r.order.clone()).collect();
        let now = time::OffsetDateTime::now_utc();
        let (merged, sources) = merge_orders(&orders, OrderId::generate(), now).map_err(|refusal| match refusal {
            MergeRefusal::State(detail) => ApiError::Conflict(detail),
            MergeRefusal::Mismatch(errors) => ApiError::Validation(errors),
        })?;
        let mut skus: Vec<Sku> = merged.lines.iter().map(|l| l.sku.clone()).collect();
        skus.sort();
        skus.dedup();
        let catalogue = app.store.load_catalogue(&caller.tenant, &skus, None, &tenant.warehouses).await?;
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
        };
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, merged = %answer.order.id, sources = ?ids, actor = %actor, "orders merged");
                if let Err(error) = outbox(app, request).send_claimed(&answer.order, tenant, emails).await {
                    tracing::error!(order_id = %answer.order.id, %error, "buyer email of a merge not sent");
                }
                return created(app, caller, &answer.order.id).await.map(Attempt::Done);
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable("the orders kept changing; try again".into())).await
}
