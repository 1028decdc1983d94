//! Acting on one order: answering it (accept, reject, accept with changes), changing it, cancelling or closing it,
//! and the seller's notes.

use orders_app::retry::{retry_on_conflict, Attempt, ATTEMPTS};
use std::collections::HashMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use rust_decimal::Decimal;
use serde_json::json;

use orders_aws::store::ApiKeyRecord;
use orders_aws::store::NewEmail;
use orders_aws::store::{ResponseOutcome, ResponseWrite};
use orders_domain::admin::{apply_manual_response, parse_manual_response};
use orders_domain::change::{apply_change, check_changeable, describe_change, parse_change, PriceList};
use orders_domain::confirmation::reservation_changes;
use orders_domain::confirmation::{answer_order, plan_confirmation, without_reservations};
use orders_domain::documents::issued_order_response;
use orders_domain::ids::Sku;
use orders_domain::order::{HistoryEntry, NoteVisibility, SellerNote};
use orders_domain::order::{Order, OrderStatus};
use orders_domain::pricing::AdjustmentKind;
use orders_domain::tenant::{ResponsePolicy, ShortagePolicy};
use orders_domain::FieldError;
use orders_http::{json_body, json_response, parse_json, ApiError};
use orders_mail::EmailKind;

use crate::context::{current_record, detail_response, order_id_of, outbox, tenant_settings};
use crate::orders::order_detail;
use crate::Backoffice;

/// How an order ends before it is fully delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Before any shipment: nothing will be delivered.
    Cancel,
    /// Whatever is still open is given up; what shipped stays shipped.
    Close,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndingBody {
    reason: Option<String>,
}

/// `POST /v1/orders/{id}/cancellation` and `/closure`: releases every reservation, gives up open quantities and
/// records who did it. Repeating it answers the order as it is.
pub(crate) async fn end_order(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
    ending: Ending,
) -> Result<Response<Body>, ApiError> {
    let body =
        if request.body().is_empty() { EndingBody::default() } else { parse_json::<EndingBody>(json_body(request)?)? };
    let reason = match body.reason.map(|r| r.trim().to_owned()) {
        Some(r) if r.chars().count() > 500 || orders_domain::validation::text_problem(&r, false).is_some() => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "/reason",
                "at most 500 characters, no control or invisible formatting characters",
            )]))
        }
        Some(r) if !r.is_empty() => Some(r),
        _ => None,
    };
    let order_id = order_id_of(id)?;
    let (target, action) = match ending {
        Ending::Cancel => (OrderStatus::Cancelled, "cancelled"),
        Ending::Close => (OrderStatus::Closed, "closed"),
    };
    let order_id = &order_id;
    let reason = &reason;
    let attempt = |_| async move {
        let record = current_record(app, caller, request, order_id).await?;
        let order = &record.order;
        if order.status == target {
            return detail_response(app, caller, order_id).await.map(Attempt::Done);
        }
        let shipped = order.lines.iter().any(|l| !l.shipped_quantity.is_zero());
        match (ending, order.status) {
            (_, OrderStatus::Cancelled | OrderStatus::Closed | OrderStatus::Rejected) => {
                return Err(ApiError::Conflict(format!("order {id} is {} already", order.status.as_str())));
            }
            (Ending::Cancel, _) if shipped => {
                return Err(ApiError::Conflict(format!("order {id} has shipments; close it instead of cancelling it")));
            }
            _ => {}
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
            actor: format!("{}:{}", caller.role.as_str(), caller.key_id),
            action: action.into(),
            detail: reason
                .clone()
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
        };
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, actor = %caller.key_id, action, "order ended");
                return detail_response(app, caller, order_id).await.map(Attempt::Done);
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("order {id} kept changing; try again"))).await
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteBody {
    text: Option<String>,
    visibility: Option<String>,
}

/// `POST /v1/orders/{id}/notes`: an internal or buyer-visible note (buyer-visible ones go into the next buyer email).
pub(crate) async fn add_note(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let body: NoteBody = parse_json(json_body(request)?)?;
    let mut errors = Vec::new();
    let text = body.text.map(|t| t.trim().to_owned()).unwrap_or_default();
    if text.is_empty() || text.chars().count() > 2000 {
        errors.push(FieldError::new("/text", "1 to 2000 characters"));
    } else if let Some(problem) = orders_domain::validation::text_problem(&text, true) {
        errors.push(FieldError::new("/text", problem));
    }
    let visibility = match body.visibility.as_deref() {
        None | Some("internal") => Some(NoteVisibility::Internal),
        Some("buyer") => Some(NoteVisibility::Buyer),
        Some(other) => {
            errors.push(FieldError::new("/visibility", format!("{other:?} is not internal or buyer")));
            None
        }
    };
    let (Some(visibility), true) = (visibility, errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let order_id = order_id_of(id)?;
    let order = current_record(app, caller, request, &order_id).await?.order;
    let note = SellerNote {
        at: time::OffsetDateTime::now_utc(),
        author: format!("{}:{}", caller.role.as_str(), caller.key_id),
        visibility,
        text,
    };
    let history = HistoryEntry {
        at: note.at,
        actor: note.author.clone(),
        action: "note_added".into(),
        detail: format!(
            "{} note added",
            if visibility == NoteVisibility::Buyer { "Buyer-visible" } else { "Internal" }
        ),
    };
    if !app.store.add_note(&order, &note, &history).await? {
        return Err(ApiError::NotFound(format!("order {order_id}")));
    }
    Ok(json_response(
        StatusCode::CREATED,
        &serde_json::to_value(&note).unwrap_or_else(|_| json!({})),
        &[("location", format!("/v1/orders/{order_id}"))],
    ))
}

/// `POST /v1/orders/{id}/response`: the seller answers a `pending_response` order by hand — accept, accept with
/// changes (quantities, prices, notes per line) or reject, with document-level charges and allowances. Stock for
/// the confirmed quantities is reserved in the same transaction; the buyer gets the same email as from the
/// automatic path.
pub(crate) async fn respond(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let response = parse_manual_response(json_body(request)?)?;
    let order_id = order_id_of(id)?;
    let tenant = tenant_settings(app, caller).await?;
    let order_id = &order_id;
    let response = &response;
    let tenant = &tenant;
    let attempt = |_| async move {
        let record = current_record(app, caller, request, order_id).await?;
        if record.order.status != OrderStatus::PendingResponse {
            return Err(ApiError::Conflict(format!(
                "order {id} is {}; only pending_response orders take a manual response",
                record.order.status.as_str()
            )));
        }
        let now = time::OffsetDateTime::now_utc();
        let mut answered = apply_manual_response(&record.order, response).map_err(ApiError::Validation)?;
        answered.responded_at = Some(now);

        // Reserve exactly the confirmed quantities, warehouse by warehouse, or refuse.
        let mut wanted = answered.clone();
        for line in &mut wanted.lines {
            line.quantity = line.confirmed_quantity;
        }
        wanted.lines.retain(|l| !l.quantity.is_zero());
        let skus: Vec<Sku> = wanted.lines.iter().map(|l| l.sku.clone()).collect();
        let catalogue = app.store.load_catalogue(&caller.tenant, &skus, None, &tenant.warehouses).await?;
        let stock = without_reservations(&catalogue.stock, &record.order.reservations);
        let mut automatic = tenant.clone();
        automatic.response_policy = ResponsePolicy::Automatic;
        automatic.shortage_policy = ShortagePolicy::AcceptWithChanges;
        let plan = plan_confirmation(&wanted, &automatic, &stock, None);
        if let Some((line, decision)) = wanted.lines.iter().zip(&plan.lines).find(|(l, d)| d.confirmed < l.quantity) {
            return Err(ApiError::Conflict(format!(
                "only {} of {} {} can be reserved for line {}; respond with changes",
                decision.confirmed, line.quantity, line.sku, line.line_no
            )));
        }
        answered.reservations = plan.reservations.clone();
        let changes = reservation_changes(&record.order.reservations, &plan.reservations);
        let history = vec![HistoryEntry {
            at: now,
            actor: format!("{}:{}", caller.role.as_str(), caller.key_id),
            action: answered.status.as_str().into(),
            detail: format!(
                "Manual response: {}; {} allowance(s), {} charge(s); gross {} {}",
                answered.status.as_str(),
                answered.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Allowance).count(),
                answered.adjustments.iter().filter(|a| a.kind == AdjustmentKind::Charge).count(),
                answered.totals.gross,
                answered.currency
            ),
        }];
        let emails: Vec<NewEmail> = EmailKind::for_response(answered.status)
            .map(|kind| NewEmail {
                kind: kind.as_str().into(),
                reference: format!("response-v{}", record.version),
                to_name: answered.buyer.name.clone(),
                to_address: answered.buyer.email.to_string(),
                claimed_at: now,
            })
            .into_iter()
            .collect();
        let write = ResponseWrite {
            order: &answered,
            expected_version: record.version,
            consumed_event_id: None,
            next_event: None,
            history,
            reservations: &changes,
            emails: emails.clone(),
            reorders: Vec::new(),
            requests: Vec::new(),
            related: Vec::new(),
            documents: issued_order_response(&answered, record.order.responded_at, record.version + 1, tenant)
                .into_iter()
                .collect(),
        };
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, status = answered.status.as_str(), "manual response");
                if let Err(error) = outbox(app, request).send_claimed(&answered, tenant, emails).await {
                    // The answer is stored and the email record stays `sending` with its claim released; nothing
                    // resends it yet (noted on issue 5), so say so loudly.
                    tracing::error!(order_id = %order_id, %error, "buyer email of a manual response not sent");
                }
                return order_detail(app, caller, order_id.as_str()).await.map(Attempt::Done);
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("order {id} kept changing; try again"))).await
}

/// `PATCH /v1/orders/{id}`: changes quantities, prices and dates, adds and removes lines — only before anything
/// shipped (409 after). An order confirmation has not answered yet is confirmed with the new lines by its pending
/// event; an answered one is confirmed again here, its reservations adjusted to the new plan (or released while
/// a manual-response tenant answers again), and the buyer told.
pub(crate) async fn change_order(
    app: &Backoffice,
    caller: &ApiKeyRecord,
    request: &Request,
    id: &str,
) -> Result<Response<Body>, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let change = parse_change(json_body(request)?, now.date())?;
    let order_id = order_id_of(id)?;
    let tenant = tenant_settings(app, caller).await?;
    let actor = format!("{}:{}", caller.role.as_str(), caller.key_id);
    let order_id = &order_id;
    let change = &change;
    let tenant = &tenant;
    let actor = &actor;
    let attempt = |_| async move {
        let record = current_record(app, caller, request, order_id).await?;
        check_changeable(&record.order).map_err(|e| ApiError::Conflict(e.0))?;
        let order = &record.order;
        let mut skus: Vec<Sku> = order.lines.iter().map(|l| l.sku.clone()).collect();
        skus.extend(change.add_lines.iter().map(|l| l.sku.clone()));
        skus.sort();
        skus.dedup();
        let customer_id = &order.buyer.customer_id;
        let (catalogue, customer) = futures::try_join!(
            app.store.load_catalogue(&caller.tenant, &skus, Some(customer_id), &tenant.warehouses),
            app.store.get_customer(&caller.tenant, customer_id),
        )?;
        let prices = PriceList {
            products: &catalogue.products,
            customer_prices: &catalogue.customer_prices,
            customer_discount: customer.and_then(|c| c.discount),
        };
        let changed = apply_change(order, change, prices).map_err(ApiError::Validation)?;
        let mut detail = describe_change(order, &changed);
        if let Some(reason) = &change.reason {
            detail.push_str(&format!(" ({reason})"));
        }
        let mut history = vec![HistoryEntry { at: now, actor: actor.clone(), action: "changed".into(), detail }];
        let (written, reservations, reorders, next_event, emails) = if order.status == OrderStatus::Received {
            // Confirmation has not answered yet: its pending event confirms the changed order.
            (changed, Vec::new(), Vec::new(), record.pending_event.clone(), Vec::new())
        } else {
            let minimum: HashMap<Sku, Decimal> =
                catalogue.products.iter().filter_map(|(sku, p)| p.min_stock.map(|m| (sku.clone(), m))).collect();
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
        match app.store.apply_response(&write).await? {
            ResponseOutcome::Applied | ResponseOutcome::AlreadyApplied => {
                tracing::info!(tenant = %caller.tenant, order_id = %order_id, status = written.status.as_str(), actor = %actor, "order changed");
                if let Err(error) = outbox(app, request).send_claimed(&written, tenant, emails).await {
                    tracing::error!(order_id = %order_id, %error, "buyer email of an order change not sent");
                }
                return order_detail(app, caller, order_id.as_str()).await.map(Attempt::Done);
            }
            ResponseOutcome::OrderChanged | ResponseOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || ApiError::Unavailable(format!("order {id} kept changing; try again"))).await
}

/// The buyer email an answer calls for, claimed now under `reference`.
pub(crate) fn answer_email(order: &Order, reference: String, now: time::OffsetDateTime) -> Vec<NewEmail> {
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
pub(crate) fn check_answered(order: &Order) -> Result<(), ApiError> {
    if order.status == OrderStatus::Received {
        return Err(ApiError::Conflict(format!(
            "order {} is still being confirmed; try again once it is answered",
            order.id
        )));
    }
    Ok(())
}
