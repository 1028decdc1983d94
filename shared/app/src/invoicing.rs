//! The invoicing stage's use case: issue the invoice an `order.ready_to_invoice` request asks for (a despatch's,
//! or the whole delivered order's) under the next gapless number, in the transaction that consumes the request;
//! complete the documents whose issuer did not finish them (staff's, and this stage's own when archiving or
//! emailing failed: both leave a completion request the relay hands back here). A redelivery finds the request consumed
//! and only completes what a crashed attempt left undone.

use orders_aws::store::{completion_request_key, IssueOutcome, IssueWrite, NewEmail, OrderWithParts};
use orders_aws::StoreError;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::invoice::{draft_invoice, plan_despatch_invoice, plan_order_invoice, DocumentKind, InvoiceError};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::tenant::TenantSettings;
use orders_mail::EmailKind;

use crate::documents::{DocumentError, Documents, Finished, Issuance};
use crate::retry::{retry_on_conflict, Attempt, ATTEMPTS};

/// The envelopes the invoicing stage consumes.
pub const ACCEPTED: [EventType; 3] =
    [EventType::OrderReadyToInvoice, EventType::InvoiceIssued, EventType::CreditNoteIssued];

/// Why a request could not be processed (its message stays on the queue).
#[derive(Debug, thiserror::Error)]
pub enum InvoicingError {
    /// The order, tenant, despatch or document does not exist.
    #[error("unknown {0}")]
    Unknown(String),
    /// The invoice cannot be issued as things stand (the tenant has no invoicing settings, VAT data is missing);
    /// the request stays pending, so it is issued once that is fixed.
    #[error("cannot invoice: {0}")]
    Invoice(#[from] InvoiceError),
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Archiving or emailing failed.
    #[error(transparent)]
    Documents(#[from] DocumentError),
    /// The order kept changing.
    #[error("order {0} kept changing; giving up for now")]
    Contention(String),
}

/// Processes one envelope of [`ACCEPTED`].
pub async fn process(documents: &Documents, envelope: &EventEnvelope) -> Result<(), InvoicingError> {
    if envelope.event_type == EventType::OrderReadyToInvoice {
        issue_requested(documents, envelope).await
    } else {
        complete_issued(documents, envelope).await
    }
}

/// The sort key of the stage request an `order.ready_to_invoice` event sits on.
fn request_key(envelope: &EventEnvelope) -> String {
    format!("Q#INVOICE#{}", envelope.reference)
}

/// Issues the invoice the event asks for, once: a consumed request (a redelivery) only completes its document.
async fn issue_requested(documents: &Documents, envelope: &EventEnvelope) -> Result<(), InvoicingError> {
    let (tenant_id, order_id) = (&envelope.tenant, &envelope.order_id);
    let store = documents.store();
    let tenant = store
        .tenant_at_least(tenant_id, envelope.settings_version)
        .await?
        .ok_or_else(|| InvoicingError::Unknown(format!("tenant {tenant_id}")))?;
    let tenant = &tenant;
    let sort_key = &request_key(envelope);
    let attempt = |_| async move {
        // The series an invoice issued now is numbered in (a draft of another series reads its counter itself).
        let series = tenant.invoicing.as_ref().map(|s| s.series(DocumentKind::Invoice, documents.now().date()));
        let (record, plan, last_number) = match (envelope.reference.as_str(), series) {
            // A despatch's invoice: the order, that despatch and the series' counter in one read.
            (despatch_number, Some(series)) if despatch_number != "order" => {
                let inputs = store
                    .despatch_invoice_inputs(tenant_id, order_id, despatch_number, &series)
                    .await?
                    .ok_or_else(|| InvoicingError::Unknown(format!("order {order_id}")))?;
                let despatch = inputs
                    .despatch
                    .ok_or_else(|| InvoicingError::Unknown(format!("despatch {despatch_number} of {order_id}")))?;
                let plan = plan_despatch_invoice(&inputs.record.order, &despatch);
                (inputs.record, plan, Some((series, inputs.last_number)))
            }
            // The whole order (on delivery): the order with every despatch.
            _ => {
                let OrderWithParts { record, parts } = store
                    .order_with_parts(tenant_id, order_id)
                    .await?
                    .ok_or_else(|| InvoicingError::Unknown(format!("order {order_id}")))?;
                let plan = if envelope.reference == "order" {
                    let delivered = parts.despatches.iter().map(|d| d.despatch_date).max();
                    plan_order_invoice(&record.order, delivered)
                } else {
                    let despatch =
                        parts.despatches.iter().find(|d| d.despatch_number == envelope.reference).ok_or_else(|| {
                            InvoicingError::Unknown(format!("despatch {} of {order_id}", envelope.reference))
                        })?;
                    plan_despatch_invoice(&record.order, despatch)
                };
                (record, plan, None)
            }
        };
        let order = &record.order;
        let plan = match plan {
            Ok(plan) => plan,
            Err(InvoiceError::NothingToBill(why)) => {
                // Invoiced already: by this request (a redelivery) or by another; complete or dismiss it.
                match store.request_result(tenant_id, order_id, sort_key).await? {
                    Some(number) => finish_requested(documents, envelope, tenant, order, &number).await?,
                    None => {
                        if store.dismiss_request(tenant_id, order_id, sort_key, &envelope.event_id, &why).await? {
                            tracing::info!(%order_id, reference = %envelope.reference, %why, "nothing to invoice");
                        }
                    }
                }
                return Ok(Attempt::Done(()));
            }
            Err(error) => return Err(error.into()),
        };
        let now = documents.now();
        let draft = draft_invoice(order, &plan, tenant, &envelope.reference, now)?;
        let write = IssueWrite {
            draft: &draft,
            expected_version: record.version,
            order_pending: record.pending_event.as_ref(),
            consumes: Some((sort_key, &envelope.event_id)),
            credits: None,
            history: HistoryEntry {
                at: now,
                actor: "system:invoicing".into(),
                action: draft.order.status.as_str().into(),
                detail: format!(
                    "Invoice for {}: {} {} payable",
                    if envelope.reference == "order" {
                        "the order".to_owned()
                    } else {
                        format!("despatch {}", envelope.reference)
                    },
                    draft.invoice.totals.payable,
                    draft.invoice.currency
                ),
            },
            email: Some(NewEmail {
                kind: EmailKind::BuyerBillingDocument.as_str().into(),
                reference: String::new(),
                to_name: order.buyer.name.clone(),
                to_address: order.buyer.email.to_string(),
                claimed_at: now,
            }),
            completion: None,
            idempotency: None,
            also: &[],
            last_number,
        };
        match documents.issue(&write, tenant).await? {
            Issuance::Issued { stored, completed } => {
                if let Err(error) = completed {
                    let number = &stored.invoice.number;
                    tracing::warn!(%order_id, %number, %error, "invoice issued; archive or email left to the relay");
                    leave_to_relay(documents, envelope, number).await.map_err(|store| {
                        tracing::warn!(%order_id, %number, %store, "completion not recorded; the message is retried");
                        error
                    })?;
                }
            }
            Issuance::NotIssued(IssueOutcome::AlreadyIssued(Some(number))) => {
                finish_requested(documents, envelope, tenant, order, &number).await?
            }
            Issuance::NotIssued(IssueOutcome::AlreadyIssued(None)) => {}
            // The invoicing stage claims no Idempotency-Key.
            Issuance::NotIssued(IssueOutcome::OrderChanged | IssueOutcome::IdempotencyKeyUsed) => {
                return Ok(Attempt::Conflict)
            }
            Issuance::NotIssued(IssueOutcome::Issued(_)) => {}
        }
        Ok(Attempt::Done(()))
    };
    retry_on_conflict(ATTEMPTS, attempt, || InvoicingError::Contention(order_id.to_string())).await
}

/// Completes the document an earlier attempt at this request issued. If that attempt may still hold the document's
/// email (it died after claiming it, moments ago), the email is left to a completion request: this message is
/// done with, and the relay hands the document back to this stage until the claim is stale and the email goes out.
async fn finish_requested(
    documents: &Documents,
    envelope: &EventEnvelope,
    tenant: &TenantSettings,
    order: &Order,
    number: &str,
) -> Result<(), InvoicingError> {
    if finish_issued(documents, tenant, order, number).await? == Finished::EmailHeld {
        tracing::info!(order_id = %order.id, %number, "an earlier attempt still holds the document's email; left to the relay");
        leave_to_relay(documents, envelope, number).await?;
    }
    Ok(())
}

/// Leaves the completion (archive, email) of document `number`, issued for `envelope`'s request, to the relay: a
/// completion request (as a staff-issued document has) hands it to this stage again, so it is completed even if
/// this message is dead-lettered. Only when that request cannot be written does the error go back (the message is
/// retried).
async fn leave_to_relay(documents: &Documents, envelope: &EventEnvelope, number: &str) -> Result<(), InvoicingError> {
    let completion = EventEnvelope {
        reference: number.to_owned(),
        ..EventEnvelope::new(
            EventType::InvoiceIssued,
            envelope.tenant.clone(),
            envelope.order_id.clone(),
            String::new(),
            documents.now(),
        )
    };
    documents.store().request_completion(&completion).await?;
    Ok(())
}

/// Completes a document staff issued whose issuer did not finish archiving and emailing it (the relay passed
/// its completion request on), then clears the request.
async fn complete_issued(documents: &Documents, envelope: &EventEnvelope) -> Result<(), InvoicingError> {
    let (tenant_id, order_id) = (&envelope.tenant, &envelope.order_id);
    let store = documents.store();
    let tenant = store
        .tenant_at_least(tenant_id, envelope.settings_version)
        .await?
        .ok_or_else(|| InvoicingError::Unknown(format!("tenant {tenant_id}")))?;
    let record = store
        .get_order_record(tenant_id, order_id)
        .await?
        .ok_or_else(|| InvoicingError::Unknown(format!("order {order_id}")))?;
    if finish_issued(documents, &tenant, &record.order, &envelope.reference).await? == Finished::EmailHeld {
        // The request stays until the claim is stale: the relay passes it on again then (dismissing it now would
        // leave the email unsent).
        tracing::info!(%order_id, number = %envelope.reference, "an earlier attempt still holds the document's email; the request stays");
        return Ok(());
    }
    let sort_key = completion_request_key(&envelope.reference);
    store.dismiss_request(tenant_id, order_id, &sort_key, &envelope.event_id, "completed by invoicing").await?;
    Ok(())
}

/// Completes a document issued by an earlier attempt (see [`Documents::finish_issued`]).
async fn finish_issued(
    documents: &Documents,
    tenant: &TenantSettings,
    order: &Order,
    number: &str,
) -> Result<Finished, InvoicingError> {
    documents
        .finish_issued(tenant, order, number)
        .await?
        .ok_or_else(|| InvoicingError::Unknown(format!("invoice {number}")))
}
