//! Issuing billing documents: the gapless-numbering transaction, and the stage requests and idempotency
//! records it settles.
//!
//! Billing documents (docs/architecture.md "Guarantees": invoice numbers are gapless). Issuing one is a single
//! `TransactWriteItems`: the series counter moves from `n − 1` to `n`, the document is put as number `n` (it must
//! not exist), the order is written at its next version with its invoiced quantities, the stage request that
//! asked for it is consumed (or, for a staff action, nothing else is required), a link and a history entry go
//! into the order's partition and the buyer's email is claimed. A conflict on the counter renumbers and retries,
//! so a number is used only by a document that exists, and by exactly one.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use time::OffsetDateTime;

use orders_domain::despatch::Despatch;
use orders_domain::events::EventEnvelope;
use orders_domain::ids::{OrderId, TenantId};
use orders_domain::invoice::{CreditLedger, DocumentKind, InvoiceDraft, InvoiceStatus};
use orders_domain::order::{HistoryEntry, Order};

use super::despatch::{DespatchItem, DESPATCH_PREFIX};
use super::invoices::{invoice_item, invoice_pk, InvoiceItem, InvoiceLink, StoredInvoice, LINK_PREFIX};
use super::response::{order_record, stage_request_item, versioned_put, Attempt, Slot};
use super::{
    corrupt, dynamo_error, from_item, get_n, get_s, history_item, key, put_if_absent, put_plain, s, to_item,
    OrderRecord, Store, StoreError,
};
use crate::keys;
use crate::store::NewEmail;

fn counter_pk(tenant: &TenantId, series: &str) -> String {
    format!("T#{tenant}#SEQ#{series}")
}

/// The last number a counter item holds (0 if it holds none).
fn counter_value(item: &super::Item) -> u64 {
    get_n(item, "last").and_then(|last| u64::try_from(last.trunc().mantissa()).ok()).unwrap_or(0)
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
    /// For a credit note: the corrected invoice as read (its version must still hold), and its ledger and
    /// status after this note.
    pub credits: Option<(&'a StoredInvoice, CreditLedger, InvoiceStatus)>,
    /// History entry of the order.
    pub history: HistoryEntry,
    /// Who is emailed (claimed in the transaction; its reference becomes the document number).
    pub email: Option<NewEmail>,
    /// For a document issued outside the invoicing stage (by staff): the event that completes it (archive, email)
    /// should the issuer fail to. It is kept pending on a `Q#DOC#{number}` item (its reference becomes the
    /// number) until [`Store::dismiss_request`] clears it; the relay hands it to the invoicing stage otherwise.
    pub completion: Option<&'a EventEnvelope>,
    /// The request's `Idempotency-Key` and fingerprint: claimed in the same transaction, with the number issued.
    pub idempotency: Option<(&'a str, &'a str)>,
    /// The further orders a collective invoice bills (docs/decisions/0020), each written at its next version with
    /// its link and history entry in the same transaction; empty for a document of one order.
    pub also: &'a [AlsoBilled<'a>],
    /// A series and its last number as read with the document's inputs ([`Store::despatch_invoice_inputs`]): when
    /// the draft is numbered in that series, numbering starts from it instead of reading the counter again (a
    /// counter that moved since fails the transaction, and is read then).
    pub last_number: Option<(String, u64)>,
}

/// A further order of a collective invoice, as it is after the invoice.
#[derive(Debug)]
pub struct AlsoBilled<'a> {
    /// The order with its invoiced quantities and status updated.
    pub order: &'a Order,
    /// Its version when it was read.
    pub expected_version: u64,
    /// Its own pending event, kept as it is.
    pub pending: Option<&'a EventEnvelope>,
    /// Its history entry.
    pub history: HistoryEntry,
}

/// What invoicing one despatch reads, in one request ([`Store::despatch_invoice_inputs`]).
#[derive(Debug, Clone)]
pub struct DespatchInvoiceInputs {
    /// The order.
    pub record: OrderRecord,
    /// The despatch, if the order has it.
    pub despatch: Option<Despatch>,
    /// The last number of the series asked for (0 before the first).
    pub last_number: u64,
}

/// What an `Idempotency-Key` of a billing request was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentDocument {
    /// The fingerprint of the request that used it.
    pub fingerprint: String,
    /// The document it issued.
    pub number: Option<String>,
}

/// Sort key of the completion request of a staff-issued document.
pub fn completion_request_key(number: &str) -> String {
    format!("Q#DOC#{number}")
}

/// What an issue did.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueOutcome {
    /// Issued under this number, as stored (with the keys its files go under).
    Issued(Box<StoredInvoice>),
    /// The stage request was consumed before (a redelivery): here is what it issued, if it issued anything.
    AlreadyIssued(Option<String>),
    /// The order changed since it was read: read it again and redraft.
    OrderChanged,
    /// The request's `Idempotency-Key` was used before (see [`Store::idempotent_document`]).
    IdempotencyKeyUsed,
}

/// How often a conflicting counter is re-read before giving up (each attempt loses only to a document that was
/// issued, so this bounds the wait behind that many concurrent issuers).
const MAX_NUMBERING_ATTEMPTS: u32 = 200;

impl Store {
    /// The order, its despatch `despatch_number` and the last number of `series`, in one consistent
    /// `BatchGetItem` (instead of a query of the order's partition and a read of the counter); `None` when there is
    /// no such order.
    pub async fn despatch_invoice_inputs(
        &self,
        tenant: &TenantId,
        order_id: &OrderId,
        despatch_number: &str,
        series: &str,
    ) -> Result<Option<DespatchInvoiceInputs>, StoreError> {
        let (order_pk, despatch_sk) = (keys::order_pk(tenant, order_id), format!("{DESPATCH_PREFIX}{despatch_number}"));
        let wanted = vec![
            key(order_pk.clone(), keys::ORDER_SK),
            key(order_pk.clone(), &despatch_sk),
            key(counter_pk(tenant, series), "SEQ"),
        ];
        let (mut record, mut despatch, mut last_number) = (None, None, 0);
        for item in self.batch_get(wanted).await? {
            let (pk, sk) = (get_s(&item, keys::PK).unwrap_or_default(), get_s(&item, keys::SK).unwrap_or_default());
            if pk == order_pk && sk == keys::ORDER_SK {
                record = Some(order_record(order_id, item)?);
            } else if pk == order_pk && sk == despatch_sk {
                despatch = Some(from_item::<DespatchItem>("despatch", item)?.despatch);
            } else {
                last_number = counter_value(&item);
            }
        }
        Ok(record.map(|record| DespatchInvoiceInputs { record, despatch, last_number }))
    }

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
        Ok(output.item.as_ref().map(counter_value).unwrap_or(0))
    }

    /// Issues a billing document with the next number of its series (see the module docs).
    pub async fn issue_document(&self, write: &IssueWrite<'_>) -> Result<IssueOutcome, StoreError> {
        let draft = write.draft;
        let order = &draft.order;
        let tenant = &order.tenant;
        let series = draft.invoice.series.clone();
        let mut last = match &write.last_number {
            Some((read_series, last)) if *read_series == series => *last,
            _ => self.last_number(tenant, &series).await?,
        };
        for attempt in 0..MAX_NUMBERING_ATTEMPTS {
            let stored = invoice_item(draft.numbered(last + 1));
            let items = self.issue_items(write, &stored, last)?;
            match self.transact(&format!("issue {}", stored.invoice.number), items).await? {
                Attempt::Done => return Ok(IssueOutcome::Issued(Box::new(stored.into()))),
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
                    if failed(Slot::Idempotency) {
                        return Ok(IssueOutcome::IdempotencyKeyUsed);
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
        stored: &InvoiceItem,
        last: u64,
    ) -> Result<Vec<(Slot, TransactWriteItem)>, StoreError> {
        let invoice = &stored.invoice;
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
        items.push((Slot::Other, put_if_absent(table, to_item("invoice", stored)?)?));

        // An order at its next version, its own pending event kept; an entry of its history.
        let order_put = |order: &Order, version: u64, pending: Option<&EventEnvelope>| {
            let put = versioned_put(table, order, version, pending)?.build().map_err(|e| corrupt("order put", e))?;
            Ok::<_, StoreError>(TransactWriteItem::builder().put(put).build())
        };
        let history_put = |order: &Order, entry: &HistoryEntry| {
            put_plain(table, to_item("history entry", &history_item(order, entry, 0))?)
        };

        // 3. the order at its next version (a debit note leaves quantities alone)
        if invoice.kind != DocumentKind::DebitNote {
            items.push((Slot::Order, order_put(order, write.expected_version, write.order_pending)?));
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
        };
        let link_item = |order_id: &OrderId| -> Result<TransactWriteItem, StoreError> {
            let mut item = to_item("invoice link", &link)?;
            item.extend(key(keys::order_pk(tenant, order_id), format!("{LINK_PREFIX}{}", invoice.number)));
            item.insert("entity".into(), s("invoice_link"));
            put_if_absent(table, item)
        };
        items.push((Slot::Other, link_item(&order.id)?));
        // a collective invoice's further orders: each at its next version, with its link and history entry
        for also in write.also {
            items.push((Slot::Order, order_put(also.order, also.expected_version, also.pending)?));
            items.push((Slot::Other, link_item(&also.order.id)?));
            items.push((Slot::Other, history_put(also.order, &also.history)?));
        }
        if let Some((corrected, ledger, status)) = &write.credits {
            let update = Update::builder()
                .table_name(table)
                .set_key(Some(key(invoice_pk(tenant, &corrected.invoice.number), "INV")))
                .condition_expression("version = :v")
                .update_expression("SET credited = :ledger, #status = :status, version = :next")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":v", AttributeValue::N(corrected.version.to_string()))
                .expression_attribute_values(":next", AttributeValue::N((corrected.version + 1).to_string()))
                .expression_attribute_values(
                    ":ledger",
                    serde_dynamo::to_attribute_value(ledger).map_err(|e| corrupt("credit ledger", e))?,
                )
                .expression_attribute_values(
                    ":status",
                    serde_dynamo::to_attribute_value(status).map_err(|e| corrupt("invoice status", e))?,
                )
                .build()
                .map_err(|e| corrupt("invoice update", e))?;
            items.push((Slot::Related, TransactWriteItem::builder().update(update).build()));
        }

        if let Some(event) = write.completion {
            let event = EventEnvelope { reference: invoice.number.clone(), ..event.clone() };
            let item = stage_request_item(&completion_request_key(&invoice.number), &event)?;
            items.push((Slot::Other, put_if_absent(table, item)?));
        }

        // 6. the request's Idempotency-Key, with what it issued (an expired record may be claimed again)
        if let Some((idempotency_key, fingerprint)) = write.idempotency {
            let now = write.history.at;
            let mut item = key(keys::idempotency_pk(tenant, idempotency_key), keys::IDEMPOTENCY_SK);
            item.insert("entity".into(), s("idempotency"));
            item.insert("fingerprint".into(), s(fingerprint));
            item.insert("document_number".into(), s(invoice.number.clone()));
            item.insert(
                "expires_at".into(),
                AttributeValue::N((now + super::IDEMPOTENCY_TTL).unix_timestamp().to_string()),
            );
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR expires_at < :now")
                .expression_attribute_values(":now", AttributeValue::N(now.unix_timestamp().to_string()))
                .build()
                .map_err(|e| corrupt("idempotency put", e))?;
            items.push((Slot::Idempotency, TransactWriteItem::builder().put(put).build()));
        }

        // 7. history and the email claim
        items.push((Slot::Other, history_put(order, &write.history)?));
        if let Some(email) = &write.email {
            let email = NewEmail { reference: invoice.number.clone(), ..email.clone() };
            items.push((Slot::Other, put_if_absent(table, email.item(order)?)?));
        }
        Ok(items)
    }

    /// What a live `Idempotency-Key` of the tenant was used for (`None` when unused or expired at `now`).
    pub async fn idempotent_document(
        &self,
        tenant: &TenantId,
        idempotency_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotentDocument>, StoreError> {
        let item =
            self.get("idempotency record", keys::idempotency_pk(tenant, idempotency_key), keys::IDEMPOTENCY_SK).await?;
        Ok(item
            .filter(|item| {
                get_n(item, "expires_at").is_none_or(|at| at > rust_decimal::Decimal::from(now.unix_timestamp()))
            })
            .map(|item| IdempotentDocument {
                fingerprint: super::get_s(&item, "fingerprint").unwrap_or_default().to_owned(),
                number: super::get_s(&item, "document_number").map(str::to_owned),
            }))
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

    /// Leaves the completion of document `event.reference` (archive and buyer email) to the invoicing stage through
    /// the relay: a completion request of `event` (`InvoiceIssued` or `CreditNoteIssued`) with its "publish
    /// pending" mark, as a staff-issued document has from its issuing transaction. `false` when one exists.
    pub async fn request_completion(&self, event: &EventEnvelope) -> Result<bool, StoreError> {
        let item = stage_request_item(&completion_request_key(&event.reference), event)?;
        self.put_new(format!("request the completion of {}", event.reference), item).await
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_ledger_round_trips_through_an_attribute_value() {
        let mut ledger = CreditLedger::default();
        ledger.lines.insert(2, rust_decimal::Decimal::new(15, 1));
        ledger.adjustments = true;
        let value: AttributeValue = serde_dynamo::to_attribute_value(&ledger).expect("to");
        let back: CreditLedger = serde_dynamo::from_attribute_value(value).expect("from");
        assert_eq!(back, ledger);
    }
}
