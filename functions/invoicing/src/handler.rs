//! Turns `order.ready_to_invoice` messages into issued invoices.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use orders_aws::outbox::EmailOutbox;
use orders_aws::store::{IssueOutcome, IssueWrite, NewEmail};
use orders_aws::StoreError;
use orders_domain::events::{EventEnvelope, EventType};
use orders_domain::invoice::{draft_invoice, plan_despatch_invoice, plan_order_invoice, InvoiceError};
use orders_domain::order::HistoryEntry;
use orders_mail::EmailKind;

use crate::documents::{complete, DocumentError};
use crate::Invoicing;

/// How often the issue is retried when the order changed underneath.
const MAX_ATTEMPTS: u32 = 5;

/// Why one message could not be processed (it stays on the queue, and reaches the DLQ after `maxReceiveCount`).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Not an envelope this stage understands.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The order, tenant or despatch does not exist.
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

fn envelope(message: &SqsMessage) -> Result<EventEnvelope, ProcessError> {
    let body = message.body.as_deref().ok_or_else(|| ProcessError::Malformed("no body".into()))?;
    let envelope: EventEnvelope = serde_json::from_str(body).map_err(|e| ProcessError::Malformed(e.to_string()))?;
    match envelope.event_type {
        EventType::OrderReadyToInvoice | EventType::InvoiceIssued | EventType::CreditNoteIssued => Ok(envelope),
        other => Err(ProcessError::Malformed(format!("{} is not for the invoicing stage", other.as_str()))),
    }
}

/// Handles one batch; failures are reported per message.
pub async fn handle(app: &Invoicing, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let result = match envelope(message) {
            Ok(envelope) if envelope.event_type == EventType::OrderReadyToInvoice => process(app, &envelope).await,
            Ok(envelope) => complete_issued(app, &envelope).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            tracing::warn!(message_id = %id, %error, "invoicing message not processed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// The sort key of the stage request an `order.ready_to_invoice` event sits on.
fn request_key(envelope: &EventEnvelope) -> String {
    format!("Q#INVOICE#{}", envelope.reference)
}

/// Issues the invoice the event asks for, once: a consumed request (a redelivery) only completes its document.
async fn process(app: &Invoicing, envelope: &EventEnvelope) -> Result<(), ProcessError> {
    let (tenant_id, order_id) = (&envelope.tenant, &envelope.order_id);
    let tenant =
        app.store.get_tenant(tenant_id).await?.ok_or_else(|| ProcessError::Unknown(format!("tenant {tenant_id}")))?;
    let sort_key = request_key(envelope);
    for _attempt in 0..MAX_ATTEMPTS {
        let record = app
            .store
            .get_order_record(tenant_id, order_id)
            .await?
            .ok_or_else(|| ProcessError::Unknown(format!("order {order_id}")))?;
        let order = &record.order;
        let despatches = app.store.despatches(tenant_id, order_id).await?;
        let plan = if envelope.reference == "order" {
            let delivered = despatches.iter().map(|d| d.despatch_date).max();
            plan_order_invoice(order, delivered)
        } else {
            let despatch = despatches
                .iter()
                .find(|d| d.despatch_number == envelope.reference)
                .ok_or_else(|| ProcessError::Unknown(format!("despatch {} of {order_id}", envelope.reference)))?;
            plan_despatch_invoice(order, despatch)
        };
        let plan = match plan {
            Ok(plan) => plan,
            Err(InvoiceError::NothingToBill(why)) => {
                // Invoiced already: by this request (a redelivery) or by another; complete or dismiss it.
                return match app.store.request_result(tenant_id, order_id, &sort_key).await? {
                    Some(number) => finish_issued(app, &tenant, order, &number).await,
                    None => {
                        if app.store.dismiss_request(tenant_id, order_id, &sort_key, &envelope.event_id, &why).await? {
                            tracing::info!(%order_id, reference = %envelope.reference, %why, "nothing to invoice");
                        }
                        Ok(())
                    }
                };
            }
            Err(error) => return Err(error.into()),
        };
        let now = (app.clock)();
        let draft = draft_invoice(order, &plan, &tenant, &envelope.reference, now)?;
        let email = NewEmail {
            kind: EmailKind::BuyerBillingDocument.as_str().into(),
            reference: String::new(),
            to_name: order.buyer.name.clone(),
            to_address: order.buyer.email.to_string(),
            claimed_at: now,
        };
        let write = IssueWrite {
            draft: &draft,
            expected_version: record.version,
            order_pending: record.pending_event.as_ref(),
            consumes: Some((&sort_key, &envelope.event_id)),
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
            email: Some(email.clone()),
            completion: None,
            idempotency: None,
        };
        match app.store.issue_document(&write).await? {
            IssueOutcome::Issued(stored) => {
                let invoice = &stored.invoice;
                tracing::info!(tenant = %tenant_id, %order_id, number = %invoice.number, payable = %invoice.totals.payable, "invoice issued");
                let claimed = EmailOutbox::claimed(vec![NewEmail { reference: invoice.number.clone(), ..email }]);
                let (ubl_key, pdf_key) = (stored.ubl_key.as_deref(), &stored.pdf_key);
                complete(app, invoice, ubl_key, pdf_key, &draft.order, &tenant, claimed).await?;
                return Ok(());
            }
            IssueOutcome::AlreadyIssued(Some(number)) => return finish_issued(app, &tenant, order, &number).await,
            IssueOutcome::AlreadyIssued(None) => return Ok(()),
            // The invoicing stage claims no Idempotency-Key.
            IssueOutcome::OrderChanged | IssueOutcome::IdempotencyKeyUsed => continue,
        }
    }
    Err(ProcessError::Contention(order_id.to_string()))
}

/// Completes a document staff issued whose issuer did not finish archiving and emailing it (the relay passed
/// its completion request on), then clears the request.
async fn complete_issued(app: &Invoicing, envelope: &EventEnvelope) -> Result<(), ProcessError> {
    let (tenant_id, order_id) = (&envelope.tenant, &envelope.order_id);
    let tenant =
        app.store.get_tenant(tenant_id).await?.ok_or_else(|| ProcessError::Unknown(format!("tenant {tenant_id}")))?;
    let record = app
        .store
        .get_order_record(tenant_id, order_id)
        .await?
        .ok_or_else(|| ProcessError::Unknown(format!("order {order_id}")))?;
    finish_issued(app, &tenant, &record.order, &envelope.reference).await?;
    let sort_key = orders_aws::store::completion_request_key(&envelope.reference);
    app.store.dismiss_request(tenant_id, order_id, &sort_key, &envelope.event_id, "completed by invoicing").await?;
    Ok(())
}

/// Completes a document issued by an earlier attempt: archives what is missing and sends the email if that
/// attempt died before sending it.
async fn finish_issued(
    app: &Invoicing,
    tenant: &orders_domain::tenant::TenantSettings,
    order: &orders_domain::order::Order,
    number: &str,
) -> Result<(), ProcessError> {
    let stored = app
        .store
        .get_invoice(&tenant.tenant, number)
        .await?
        .ok_or_else(|| ProcessError::Unknown(format!("invoice {number}")))?;
    let outstanding = app.outbox.outstanding_billing(order, Some(number)).await.map_err(DocumentError::from)?;
    tracing::info!(%number, resend = outstanding.len(), "completing an invoice issued before");
    complete(app, &stored.invoice, stored.ubl_key.as_deref(), &stored.pdf_key, order, tenant, outstanding).await?;
    Ok(())
}
