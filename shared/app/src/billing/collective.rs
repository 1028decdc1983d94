//! Staff invoicing several despatches of a customer in one invoice (docs/decisions/0020-collective-invoices.md):
//! every order named is read with its despatches, the invoice is drafted as if each despatch were invoiced in
//! turn, and one transaction numbers it, writes every order at its next version with a link and a history entry,
//! claims the buyer's email and the request's `Idempotency-Key`. Archiving and emailing are the same as for any
//! invoice ([`crate::documents`]).

use orders_aws::store::{AlsoBilled, ApiKeyRecord, OrderRecord, OrderWithParts};
use orders_domain::despatch::Despatch;
use orders_domain::ids::CustomerId;
use orders_domain::invoice::{
    draft_collective_invoice, CollectedOrder, CollectiveDraft, CollectiveInvoiceRequest, MAX_COLLECTED_ORDERS,
};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::FieldError;

use super::notes::{replay, replay_key_used};
use super::{issue_and_complete, operator, tenant_settings, BillingError, Issue, Issued, IssuedDocument};
use crate::documents::Documents;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// Issues one invoice of the despatches `request` names, all of orders of `customer` (404 when the tenant has no
/// such customer), under the next number of the tenant's series (see the module docs); retried when an order
/// changed meanwhile. The `Idempotency-Key` is
/// required: the same request sent again gets the invoice issued the first time (`replayed`), another request
/// with that key [`BillingError::IdempotencyKeyReused`]. Not found when an order or despatch does not exist;
/// refused (422, pointing at the despatch) when an order is another customer's; 409 when a despatch is invoiced
/// already or the orders cannot share an invoice (currencies). Nothing is written when anything is refused.
pub async fn issue_collective_invoice(
    documents: &Documents,
    caller: &ApiKeyRecord,
    customer: &CustomerId,
    request: &CollectiveInvoiceRequest,
    idempotency_key: Option<&str>,
    fingerprint: &str,
) -> Result<IssuedDocument, BillingError> {
    let store = documents.store();
    if store.get_customer(&caller.tenant, customer).await?.is_none() {
        return Err(BillingError::NotFound(format!("customer {customer}")));
    }
    let key = idempotency_key.ok_or_else(|| {
        BillingError::PreconditionRequired(
            "send an Idempotency-Key, so that a retry cannot issue a second invoice of the same despatches".into(),
        )
    })?;
    if let Some(replayed) = replay(store, &caller.tenant, key, fingerprint, documents.now()).await? {
        return Ok(replayed);
    }
    let tenant = &tenant_settings(store, &caller.tenant).await?;
    let attempt = |_| async move {
        let read = read_collected(documents, caller, customer, request).await?;
        let despatches: Vec<Vec<&Despatch>> = read.iter().map(|(_, d)| d.iter().collect()).collect();
        let collected: Vec<CollectedOrder<'_>> = read
            .iter()
            .zip(&despatches)
            .map(|((record, _), despatches)| CollectedOrder { order: &record.order, despatches })
            .collect();
        let now = documents.now();
        let CollectiveDraft { draft, others } = draft_collective_invoice(customer, &collected, tenant, now)?;
        let invoice = &draft.invoice;
        let history = |order: &Order| {
            let despatches = invoice
                .orders
                .iter()
                .find(|o| o.order_id == order.id)
                .map(|o| o.despatch_numbers.join(", "))
                .unwrap_or_default();
            HistoryEntry {
                at: now,
                actor: operator(caller),
                action: order.status.as_str().to_owned(),
                detail: format!(
                    "Collective invoice of despatch(es) {despatches} ({} orders): {} {} payable",
                    invoice.orders.len(),
                    invoice.totals.payable,
                    invoice.currency
                ),
            }
        };
        let also: Vec<AlsoBilled<'_>> = others
            .iter()
            .zip(read.iter().skip(1))
            .map(|(order, (record, _))| AlsoBilled {
                order,
                expected_version: record.version,
                pending: record.pending_event.as_ref(),
                history: history(order),
            })
            .collect();
        let (first, _) = read.first().ok_or_else(|| BillingError::Conflict("no despatch named".into()))?;
        let issue = Issue {
            caller,
            tenant,
            record: first,
            draft: &draft,
            credits: None,
            history: history(&draft.order),
            idempotency: Some((key, fingerprint)),
            also: &also,
        };
        match issue_and_complete(documents, issue).await? {
            Issued::Done(stored) => Ok(Attempt::Done(IssuedDocument { stored: *stored, replayed: false })),
            Issued::Changed => Ok(Attempt::Conflict),
            Issued::KeyUsed => {
                replay_key_used(store, &caller.tenant, key, fingerprint, documents.now()).await.map(Attempt::Done)
            }
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        BillingError::KeptChanging(format!("the orders of customer {customer} kept changing; try again"))
    })
    .await
}

/// Every order `request` names (one read each: the order with its despatches) and its despatches named, in
/// request order; not found for an unknown order (another tenant's too) or despatch, refused with a pointer at
/// the first despatch of an order of another customer or of the order past [`MAX_COLLECTED_ORDERS`].
async fn read_collected(
    documents: &Documents,
    caller: &ApiKeyRecord,
    customer: &CustomerId,
    request: &CollectiveInvoiceRequest,
) -> Result<Vec<(OrderRecord, Vec<Despatch>)>, BillingError> {
    let mut read = Vec::new();
    for (order_id, indexes) in request.by_order() {
        let first = indexes.first().copied().unwrap_or_default();
        if read.len() == MAX_COLLECTED_ORDERS {
            return Err(BillingError::Invalid(vec![FieldError::new(
                format!("/despatches/{first}/order_id"),
                format!("at most {MAX_COLLECTED_ORDERS} orders per invoice; invoice the rest in another"),
            )]));
        }
        let Some(OrderWithParts { record, parts }) =
            documents.store().order_with_parts(&caller.tenant, order_id).await?
        else {
            return Err(BillingError::NotFound(format!("order {order_id}")));
        };
        if record.order.buyer.customer_id != *customer {
            return Err(BillingError::Invalid(vec![FieldError::new(
                format!("/despatches/{first}/order_id"),
                format!("order {order_id} is not customer {customer}'s"),
            )]));
        }
        let mut despatches = Vec::new();
        for index in indexes {
            let number = request.despatches.get(index).map(|d| d.despatch_number.as_str()).unwrap_or_default();
            let despatch = parts
                .despatches
                .iter()
                .find(|d| d.despatch_number == number)
                .ok_or_else(|| BillingError::NotFound(format!("despatch {number} of order {order_id}")))?;
            despatches.push(despatch.clone());
        }
        read.push((record, despatches));
    }
    Ok(read)
}
