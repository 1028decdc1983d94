//! Recording a despatch the warehouse reports: the shipped quantities, the stock that left, the Peppol Despatch
//! Advice when both parties are on Peppol, and the `order.despatched` event for the shipment stage — in one
//! conditional transaction, retried when the order changed meanwhile; the relay publishes the event if this send
//! fails.

use std::sync::Mutex;

use time::OffsetDateTime;

use orders_aws::store::{CallerKey, DespatchOutcome, DespatchWrite};
use orders_aws::{EventPublisher, Store};
use orders_domain::despatch::{plan_despatch, Despatch, DespatchRefusal, DespatchRequest};
use orders_domain::events::{Carried, EventEnvelope, EventType};
use orders_domain::ids::OrderId;
use orders_domain::order::HistoryEntry;
use orders_domain::ubl::{despatch_advice, Party};

use super::{actor, ActionError};
use crate::placing::with_carried;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// Records `request` as a despatch of the order at `now`; the despatch as recorded.
pub async fn record_despatch(
    store: &Store,
    shipment: &EventPublisher,
    caller: &CallerKey,
    order_id: &OrderId,
    request: &DespatchRequest,
    now: OffsetDateTime,
) -> Result<Despatch, ActionError> {
    let tenant_id = &caller.record().tenant;
    // The settings, the order and a presumed caller's key in one read; a retry (the order changed meanwhile)
    // reads the order again.
    let read = store.tenant_and_order(tenant_id, order_id, caller.to_confirm()).await?;
    let caller = caller.confirmed_by(read.caller_key).ok_or(ActionError::Unauthorized)?;
    let actor = &actor(&caller);
    // An order without seller notes goes to the shipment stage with the event (see `Carried`): the stage's write
    // checks that none came since.
    let carry = !read.seller_notes;
    let (tenant, first_read) = (read.settings, read.record);
    let tenant = &tenant.ok_or_else(|| {
        tracing::error!(tenant = %tenant_id, "API key of a tenant without settings");
        ActionError::Unavailable("this tenant is not set up yet".into())
    })?;
    let first_read = first_read.ok_or_else(|| ActionError::NotFound(format!("order {order_id}")))?;
    let first_read = &Mutex::new(Some(first_read));
    let attempt = |_| async move {
        let first = first_read.lock().map(|mut first| first.take()).unwrap_or_default();
        let record = match first {
            Some(record) => record,
            None => store
                .get_order_record(tenant_id, order_id)
                .await?
                .ok_or_else(|| ActionError::NotFound(format!("order {order_id}")))?,
        };
        if let Some(pending) = &record.pending_event {
            return Err(ActionError::Conflict(format!(
                "order {order_id} is still processing {} ({}); record the despatch again in a moment",
                pending.event_type.as_str(),
                pending.reference
            )));
        }
        let (despatch, shipped, moves) =
            plan_despatch(&record.order, request, &tenant.tracking_url_templates, actor, now).map_err(|refusal| {
                match refusal {
                    DespatchRefusal::State(detail) => ActionError::Conflict(detail),
                    DespatchRefusal::Invalid(errors) => ActionError::Invalid(errors),
                }
            })?;
        let event = EventEnvelope::new(
            EventType::OrderDespatched,
            tenant_id.clone(),
            order_id.clone(),
            despatch.despatch_number.clone(),
            now,
        )
        .with_settings_version(tenant.stored_version);
        let lines: Vec<String> = despatch
            .lines
            .iter()
            .map(|l| {
                format!("{} {} (line {})", l.quantity, l.sku.as_ref().map_or("free text", |s| s.as_str()), l.line_no)
            })
            .collect();
        let history = HistoryEntry {
            at: now,
            actor: actor.clone(),
            action: "despatched".into(),
            detail: format!("Despatch {}: {}", despatch.despatch_number, lines.join(", ")),
        };
        // The Peppol Despatch Advice as issued now (its outstanding quantities are those after this despatch).
        let document = match (&tenant.peppol_id, &shipped.buyer.peppol_id) {
            (Some(seller), Some(buyer)) => Some(despatch_advice(
                &shipped,
                &despatch,
                &Party { endpoint: seller, name: &tenant.name },
                &Party { endpoint: buyer, name: &shipped.buyer.name },
            )),
            _ => None,
        };
        let write = DespatchWrite {
            order: &shipped,
            expected_version: record.version,
            despatch: &despatch,
            moves: &moves,
            event: &event,
            history,
            document: document.as_deref(),
        };
        match store.record_despatch(&write).await? {
            DespatchOutcome::Recorded => {
                tracing::info!(tenant = %tenant_id, order_id = %order_id, despatch = %despatch.despatch_number, event_id = %event.event_id, "despatch recorded");
                let event = if carry {
                    let version = record.version + 1;
                    let despatch = Some(despatch.clone());
                    with_carried(&event, Carried { order: shipped.clone(), version, stock: None, despatch })
                } else {
                    event
                };
                if let Err(error) = shipment.publish(&event).await {
                    // The pending mark stays; the relay re-publishes it.
                    tracing::warn!(event_id = %event.event_id, %error, "publish failed; left to the relay");
                }
                Ok(Attempt::Done(despatch))
            }
            DespatchOutcome::NumberTaken => {
                Err(ActionError::Conflict(format!("despatch number {} is already used", despatch.despatch_number)))
            }
            DespatchOutcome::OrderChanged | DespatchOutcome::StockChanged => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        ActionError::KeptChanging(format!("order {order_id} kept changing; try again"))
    })
    .await
}
