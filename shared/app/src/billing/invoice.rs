//! Staff invoicing an order now: what shipped and is not invoiced yet — for a tenant that invoices on delivery,
//! or what a despatch's invoice left — exactly as the invoicing stage would (same plan, number series, archive
//! and email).

use orders_aws::store::ApiKeyRecord;
use orders_domain::ids::OrderId;
use orders_domain::invoice::{draft_invoice, plan_order_invoice};
use orders_domain::order::HistoryEntry;

use super::{
    check_if_match, issue_and_complete, operator, tenant_settings, BillingError, Issue, Issued, IssuedDocument,
};
use crate::documents::Documents;
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};
use crate::staff::IfMatch;

/// Invoices the shipped, not yet invoiced quantities of the caller's order `order_id` under the next number of
/// the tenant's series, in one transaction with the order (checked against `if_match`, retried when it changed
/// meanwhile) and its history, then archives and emails the invoice. Not found for another tenant's order;
/// a conflict when nothing is left to invoice.
pub async fn issue_invoice(
    documents: &Documents,
    caller: &ApiKeyRecord,
    order_id: &OrderId,
    if_match: &IfMatch,
) -> Result<IssuedDocument, BillingError> {
    let store = documents.store();
    let tenant = &tenant_settings(store, &caller.tenant).await?;
    let attempt = |_| async move {
        let record = store
            .get_order_record(&caller.tenant, order_id)
            .await?
            .ok_or_else(|| BillingError::NotFound(format!("order {order_id}")))?;
        check_if_match(if_match, record.version, "the order")?;
        let despatches = store.despatches(&caller.tenant, order_id).await?;
        let delivered = despatches.iter().map(|d| d.despatch_date).max();
        let plan = plan_order_invoice(&record.order, delivered)?;
        let now = documents.now();
        let draft = draft_invoice(&record.order, &plan, tenant, "order", now)?;
        let history = HistoryEntry {
            at: now,
            actor: operator(caller),
            action: draft.order.status.as_str().to_owned(),
            detail: format!(
                "Invoice for the shipped quantities: {} {} payable",
                draft.invoice.totals.payable, draft.invoice.currency
            ),
        };
        let issue = Issue {
            caller,
            tenant,
            record: &record,
            draft: &draft,
            credits: None,
            history,
            idempotency: None,
            also: &[],
        };
        match issue_and_complete(documents, issue).await? {
            Issued::Done(stored) => Ok(Attempt::Done(IssuedDocument { stored: *stored, replayed: false })),
            Issued::Changed | Issued::KeyUsed => Ok(Attempt::Conflict),
        }
    };
    retry_on_conflict(ATTEMPTS, attempt, || {
        BillingError::KeptChanging(format!("order {order_id} kept changing; try again"))
    })
    .await
}
