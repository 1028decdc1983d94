//! Billing documents (architecture.md "Guarantees": invoice numbers are gapless). Issuing one is a single
//! `TransactWriteItems`: the series counter moves from `n − 1` to `n`, the document is put as number `n` (it must
//! not exist), the order is written at its next version with its invoiced quantities, the stage request that
//! asked for it is consumed (or, for a staff action, nothing else is required), a link and a history entry go
//! into the order's partition and the buyer's email is claimed. A conflict on the counter renumbers and retries,
//! so a number is used only by a document that exists, and by exactly one.
//!
//! Items: the document `T#{tenant}#INV#{number}` / `INV` (immutable; GSI1 `T#{tenant}#INVOICES` / issue date for
//! the list); the counter `T#{tenant}#SEQ#{series}` / `SEQ` (`last` = the highest number used); the link
//! `T#{tenant}#O#{order}` / `I#{number}` (kind, totals and, for invoices, what credit notes took back of it).

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use orders_domain::events::EventEnvelope;
use orders_domain::ids::{OrderId, TenantId};
use orders_domain::invoice::{CreditLedger, DocumentKind, Invoice, InvoiceDraft};
use orders_domain::order::HistoryEntry;

use super::response::{versioned_put, Attempt, Slot};
use super::{
    corrupt, dynamo_error, from_item, get_n, history_item, key, put_if_absent, put_plain, s, to_item, Store, StoreError,
};
use crate::keys;
use crate::store::NewEmail;

/// Sort key prefix of an order's links to its billing documents.
const LINK_PREFIX: &str = "I#";

/// `T#{tenant}#INV#{number}`.
pub fn invoice_pk(tenant: &TenantId, number: &str) -> String {
    format!("T#{tenant}#INV#{number}")
}

fn counter_pk(tenant: &TenantId, series: &str) -> String {
    format!("T#{tenant}#SEQ#{series}")
}

/// Where a billing document's files live in the documents bucket: `tenant=<t>/invoices/<series>/<number>.<ext>`.
pub fn document_key(tenant: &TenantId, series: &str, number: &str, extension: &str) -> String {
    let safe = |text: &str| -> String {
        text.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
    };
    format!("tenant={tenant}/invoices/{}/{}.{extension}", safe(series), safe(number))
}

/// The stored document.
#[derive(Debug, Serialize, Deserialize)]
#[allow(non_snake_case)]
struct InvoiceItem {
    PK: String,
    SK: String,
    entity: String,
    GSI1PK: String,
    GSI1SK: String,
    customer_id: String,
    order_id: String,
    kind: DocumentKind,
    /// S3 key of the UBL (none when a party has no Peppol address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ubl_key: Option<String>,
    pdf_key: String,
    invoice: Invoice,
}

/// A billing document of an order, as the order's partition lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceLink {
    /// Document number.
    pub number: String,
    /// Kind.
    pub kind: DocumentKind,
    /// Issue date (`YYYY-MM-DD`).
    pub issue_date: String,
    /// Currency.
    pub currency: String,
    /// Amount due (or credited).
    pub payable: String,
    /// The invoice a credit or debit note corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<String>,
    /// What credit notes took back of an invoice.
    #[serde(default)]
    pub credited: CreditLedger,
    /// Version of the link (credit notes update it conditionally).
    #[serde(default)]
    pub version: u64,
}

/// A document to issue, with everything written in its transaction.
#[derive(Debug)]
pub struct IssueWrite<'a> {
    /// The document and the order after it.
    pub draft: &'a InvoiceDraft,
    /// The order's version when it was read.
    pub expected_version: u64,
    /// The order's own pending event, kept as it is.
    pub order_pending: Option<&'a EventEnvelope>,
    /// The stage request this consumes: (sort key, event id) of the `Q#…` item.
    pub consumes: Option<(&'a str, &'a str)>,
    /// For a credit note: the corrected invoice's link at its version, and the ledger after this note.
    pub credits: Option<(&'a InvoiceLink, CreditLedger)>,
    /// History entry of the order.
    pub history: HistoryEntry,
    /// Whether a Peppol UBL is archived with it.
    pub with_ubl: bool,
    /// Who is emailed (claimed in the transaction; its reference becomes the document number).
    pub email: Option<NewEmail>,
}

/// What an issue did.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueOutcome {
    /// Issued under this number.
    Issued(Box<Invoice>),
    /// The stage request was consumed before (a redelivery): here is what it issued, if it issued anything.
    AlreadyIssued(Option<String>),
    /// The order changed since it was read: read it again and redraft.
    OrderChanged,
}

/// How often a conflicting counter is re-read before giving up (each attempt loses only to a document that was
/// issued, so this bounds the wait behind that many concurrent issuers).
const MAX_NUMBERING_ATTEMPTS: u32 = 200;

impl Store {
    /// The highest number used in `series` (0 before the first).
    async fn last_number(&self, tenant: &TenantId, series: &str) -> Result<u64, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(counter_pk(tenant, series), "SEQ")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read counter {series}"), e))?;
        Ok(output
            .item
            .as_ref()
            .and_then(|item| get_n(item, "last"))
            .and_then(|last| u64::try_from(last.trunc().mantissa()).ok())
            .unwrap_or(0))
    }

    /// Issues a billing document with the next number of its series (see the module docs).
    pub async fn issue_document(&self, write: &IssueWrite<'_>) -> Result<IssueOutcome, StoreError> {
        let draft = write.draft;
        let order = &draft.order;
        let tenant = &order.tenant;
        let series = draft.invoice.series.clone();
        let mut last = self.last_number(tenant, &series).await?;
        for attempt in 0..MAX_NUMBERING_ATTEMPTS {
            let invoice = draft.numbered(last + 1);
            let items = self.issue_items(write, &invoice, last)?;
            match self.transact(&format!("issue {}", invoice.number), items).await? {
                Attempt::Done => return Ok(IssueOutcome::Issued(Box::new(invoice))),
                Attempt::Failed(reasons) => {
                    let failed = |slot: Slot| {
                        reasons.iter().any(|(s, code)| *s == slot && code.as_deref() == Some("ConditionalCheckFailed"))
                    };
                    if failed(Slot::Marker) {
                        // the request was consumed: say what it issued
                        let issued = match write.consumes {
                            Some((sort_key, _)) => self.request_result(tenant, &order.id, sort_key).await?,
                            None => None,
                        };
                        return Ok(IssueOutcome::AlreadyIssued(issued));
                    }
                    if failed(Slot::Order) || failed(Slot::Related) {
                        return Ok(IssueOutcome::OrderChanged);
                    }
                    // the counter moved (or a concurrent transaction conflicted): renumber and retry
                    last = self.last_number(tenant, &series).await?;
                    if attempt > 2 {
                        let jitter = u64::from(OffsetDateTime::now_utc().nanosecond() % 20);
                        tokio::time::sleep(Duration::from_millis(2 + jitter)).await;
                    }
                }
            }
        }
        Err(StoreError::Contention {
            action: format!("number a document in {series}"),
            attempts: MAX_NUMBERING_ATTEMPTS,
        })
    }

    fn issue_items(
        &self,
        write: &IssueWrite<'_>,
        invoice: &Invoice,
        last: u64,
    ) -> Result<Vec<(Slot, TransactWriteItem)>, StoreError> {
        let table = self.table.as_str();
        let order = &write.draft.order;
        let tenant = &order.tenant;
        let mut items = Vec::new();

        // 1. the counter moves from `last` to `last + 1`
        let counter = Update::builder()
            .table_name(table)
            .set_key(Some(key(counter_pk(tenant, &invoice.series), "SEQ")))
            .update_expression("SET #last = :next, entity = :entity")
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(":next", AttributeValue::N((last + 1).to_string()))
            .expression_attribute_values(":entity", s("counter"));
        let counter = if last == 0 {
            counter.condition_expression("attribute_not_exists(#last)")
        } else {
            counter
                .condition_expression("#last = :last")
                .expression_attribute_values(":last", AttributeValue::N(last.to_string()))
        };
        let counter = counter.build().map_err(|e| corrupt("counter update", e))?;
        items.push((Slot::Number, TransactWriteItem::builder().update(counter).build()));

        // 2. the document, once
        let stored = InvoiceItem {
            PK: invoice_pk(tenant, &invoice.number),
            SK: "INV".into(),
            entity: "invoice".into(),
            GSI1PK: format!("T#{tenant}#INVOICES"),
            GSI1SK: format!("{}#{}", invoice.issue_date, invoice.number),
            customer_id: invoice.buyer.customer_id.to_string(),
            order_id: invoice.order_id.to_string(),
            kind: invoice.kind,
            ubl_key: write.with_ubl.then(|| document_key(tenant, &invoice.series, &invoice.number, "xml")),
            pdf_key: document_key(tenant, &invoice.series, &invoice.number, "pdf"),
            invoice: invoice.clone(),
        };
        items.push((Slot::Other, put_if_absent(table, to_item("invoice", &stored)?)?));

        // 3. the order at its next version, its own pending event kept (a debit note leaves quantities alone)
        if invoice.kind != DocumentKind::DebitNote {
            let put = versioned_put(table, order, write.expected_version, write.order_pending)?
                .build()
                .map_err(|e| corrupt("order put", e))?;
            items.push((Slot::Order, TransactWriteItem::builder().put(put).build()));
        }

        // 4. the stage request, consumed
        if let Some((sort_key, event_id)) = write.consumes {
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key(keys::order_pk(tenant, &order.id), sort_key)))
                .condition_expression("pending_event.event_id = :e")
                .update_expression("REMOVE pending_event, GSI3PK, GSI3SK SET issued = :number")
                .expression_attribute_values(":e", s(event_id))
                .expression_attribute_values(":number", s(invoice.number.clone()))
                .build()
                .map_err(|e| corrupt("request update", e))?;
            items.push((Slot::Marker, TransactWriteItem::builder().update(update).build()));
        }

        // 5. the order's link to it; a credit note also updates the corrected invoice's ledger
        let link = InvoiceLink {
            number: invoice.number.clone(),
            kind: invoice.kind,
            issue_date: invoice.issue_date.to_string(),
            currency: invoice.currency.code().to_owned(),
            payable: invoice.totals.payable.to_string(),
            corrects: invoice.billing_reference.as_ref().map(|r| r.number.clone()),
            credited: CreditLedger::default(),
            version: 1,
        };
        let mut link_item = to_item("invoice link", &link)?;
        link_item.extend(key(keys::order_pk(tenant, &order.id), format!("{LINK_PREFIX}{}", invoice.number)));
        link_item.insert("entity".into(), s("invoice_link"));
        items.push((Slot::Other, put_if_absent(table, link_item)?));
        if let Some((corrected, ledger)) = &write.credits {
            let mut next = (*corrected).clone();
            next.credited = ledger.clone();
            next.version = corrected.version + 1;
            let mut item = to_item("invoice link", &next)?;
            item.extend(key(keys::order_pk(tenant, &order.id), format!("{LINK_PREFIX}{}", corrected.number)));
            item.insert("entity".into(), s("invoice_link"));
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(corrected.version.to_string()))
                .build()
                .map_err(|e| corrupt("link put", e))?;
            items.push((Slot::Related, TransactWriteItem::builder().put(put).build()));
        }

        // 6. history and the email claim
        items
            .push((Slot::Other, put_plain(table, to_item("history entry", &history_item(order, &write.history, 0))?)?));
        if let Some(email) = &write.email {
            let email = NewEmail { reference: invoice.number.clone(), ..email.clone() };
            items.push((Slot::Other, put_if_absent(table, email.item(order)?)?));
        }
        Ok(items)
    }

    /// The number a consumed stage request issued (`None` while it is not consumed, or when it issued nothing).
    pub async fn request_result(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        sort_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(tenant, order_id), sort_key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read request {sort_key} of {order_id}"), e))?;
        Ok(output.item.as_ref().and_then(|item| super::get_s(item, "issued")).map(str::to_owned))
    }

    /// Marks a stage request consumed without issuing anything (nothing was left to bill); `false` when it was
    /// consumed already.
    pub async fn dismiss_request(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        sort_key: &str,
        event_id: &str,
        why: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::order_pk(tenant, order_id), sort_key)))
            .condition_expression("pending_event.event_id = :e")
            .update_expression("REMOVE pending_event, GSI3PK, GSI3SK SET dismissed = :why")
            .expression_attribute_values(":e", s(event_id))
            .expression_attribute_values(":why", s(why))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(error) => Err(dynamo_error(format!("dismiss request {sort_key} of {order_id}"), error)),
        }
    }

    /// A billing document by number, with the S3 keys of its UBL (if any) and PDF.
    pub async fn get_invoice(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> Result<Option<(Invoice, Option<String>, String)>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(invoice_pk(tenant, number), "INV")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read invoice {number}"), e))?;
        match output.item {
            None => Ok(None),
            Some(item) => {
                let stored: InvoiceItem = from_item(&format!("invoice {number}"), item)?;
                Ok(Some((stored.invoice, stored.ubl_key, stored.pdf_key)))
            }
        }
    }

    /// The billing documents of an order (links), oldest number first.
    pub async fn invoice_links(&self, tenant: &TenantId, order_id: &OrderId) -> Result<Vec<InvoiceLink>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::order_pk(tenant, order_id)))
            .expression_attribute_values(":prefix", s(LINK_PREFIX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| dynamo_error(format!("read the invoices of {order_id}"), e))?;
        output.items.unwrap_or_default().into_iter().map(|item| from_item("invoice link", item)).collect()
    }
}
