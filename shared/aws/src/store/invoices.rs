//! Billing documents as stored and read back: the document item, an order's links to its documents, reads by
//! number or by order, and the filtered list (issuing one is in `invoice_issue.rs`).
//!
//! Items: the document `T#{tenant}#INV#{number}` / `INV` (immutable; GSI1 `T#{tenant}#INVOICES` / issue date for
//! the list); the counter `T#{tenant}#SEQ#{series}` / `SEQ` (`last` = the highest number used); the link
//! `T#{tenant}#O#{order}` / `I#{number}` (kind, totals and, for invoices, what credit notes took back of it).

use serde::{Deserialize, Serialize};

use orders_domain::ids::{OrderId, TenantId};
use orders_domain::invoice::{CreditLedger, DocumentKind, Invoice, InvoiceStatus};
use orders_domain::invoice_ubl::is_peppol;

use super::{dynamo_error, from_item, key, s, Store, StoreError};
use crate::keys;

/// Sort key prefix of an order's links to its billing documents.
pub(super) const LINK_PREFIX: &str = "I#";

/// `T#{tenant}#INV#{number}`.
pub fn invoice_pk(tenant: &TenantId, number: &str) -> String {
    format!("T#{tenant}#INV#{number}")
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
pub(super) struct InvoiceItem {
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
    /// `issued`, `partially_credited` or `credited` (credit notes move it; the document itself never changes).
    status: InvoiceStatus,
    /// What credit notes took back of it.
    #[serde(default)]
    credited: CreditLedger,
    /// Version of `status` and `credited`.
    version: u64,
    pub(super) invoice: Invoice,
}

/// The billing document in an image of the table's stream (a Lambda event's `NewImage`): `None` when the item is
/// not one, an error when it is one that cannot be read.
pub fn document_of_stream_image(image: serde_dynamo::Item) -> Result<Option<StoredInvoice>, StoreError> {
    let is = |name: &str, want: &str| matches!(image.get(name), Some(serde_dynamo::AttributeValue::S(value)) if value == want);
    if !is(keys::SK, "INV") || !is("entity", "invoice") {
        return Ok(None);
    }
    let item: InvoiceItem = serde_dynamo::from_item(image).map_err(|e| super::corrupt("document stream image", e))?;
    Ok(Some(StoredInvoice::from(item)))
}

/// The item of a newly issued document: its files' keys (a UBL only when both parties are on Peppol), issued
/// and uncredited, at version 1.
pub(super) fn invoice_item(invoice: Invoice) -> InvoiceItem {
    let tenant = &invoice.tenant;
    InvoiceItem {
        PK: invoice_pk(tenant, &invoice.number),
        SK: "INV".into(),
        entity: "invoice".into(),
        GSI1PK: format!("T#{tenant}#INVOICES"),
        GSI1SK: format!("{}#{}", invoice.issue_date, invoice.number),
        customer_id: invoice.buyer.customer_id.to_string(),
        order_id: invoice.order_id.to_string(),
        kind: invoice.kind,
        ubl_key: is_peppol(&invoice).then(|| document_key(tenant, &invoice.series, &invoice.number, "xml")),
        pdf_key: document_key(tenant, &invoice.series, &invoice.number, "pdf"),
        status: InvoiceStatus::Issued,
        credited: CreditLedger::default(),
        version: 1,
        invoice,
    }
}

/// A billing document as stored, with the state that follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInvoice {
    /// The document as issued.
    pub invoice: Invoice,
    /// S3 key of its UBL, if it has one.
    pub ubl_key: Option<String>,
    /// S3 key of its PDF.
    pub pdf_key: String,
    /// Whether credit notes took it back.
    pub status: InvoiceStatus,
    /// What they took back.
    pub credited: CreditLedger,
    /// Version of `status` and `credited` (the `ETag`).
    pub version: u64,
}

impl From<InvoiceItem> for StoredInvoice {
    fn from(item: InvoiceItem) -> Self {
        Self {
            invoice: item.invoice,
            ubl_key: item.ubl_key,
            pdf_key: item.pdf_key,
            status: item.status,
            credited: item.credited,
            version: item.version,
        }
    }
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
}

impl Store {
    /// A billing document by number, with the S3 keys of its files and its credit state.
    pub async fn get_invoice(&self, tenant: &TenantId, number: &str) -> Result<Option<StoredInvoice>, StoreError> {
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
                Ok(Some(stored.into()))
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

/// Which billing documents a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceFilter {
    /// Kinds shown (empty: all).
    pub kinds: Vec<DocumentKind>,
    /// Statuses shown (empty: all).
    pub statuses: Vec<InvoiceStatus>,
    /// One customer's only.
    pub customer_id: Option<String>,
    /// Issued on or after (`YYYY-MM-DD`).
    pub issued_from: Option<String>,
    /// Issued on or before (`YYYY-MM-DD`).
    pub issued_to: Option<String>,
}

/// One page of a billing document list, newest first.
#[derive(Debug, Clone)]
pub struct InvoicePage {
    /// The documents with their state.
    pub items: Vec<StoredInvoice>,
    /// Where the next page starts (the last item's key), when there may be more.
    pub next: Option<std::collections::BTreeMap<String, String>>,
}

impl Store {
    /// Billing documents of `tenant`, newest issue date first (then highest number), through GSI1; filters
    /// on kind, status and customer run in DynamoDB and the page is filled up to `limit` exactly.
    pub async fn list_invoices(
        &self,
        tenant: &TenantId,
        filter: &InvoiceFilter,
        limit: usize,
        start: Option<std::collections::BTreeMap<String, String>>,
    ) -> Result<InvoicePage, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .scan_index_forward(false)
            .key_condition_expression("GSI1PK = :pk AND GSI1SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(format!("T#{tenant}#INVOICES")))
            .expression_attribute_values(":from", s(filter.issued_from.clone().unwrap_or_else(|| "0000".into())))
            .expression_attribute_values(
                ":to",
                s(format!("{}~", filter.issued_to.clone().unwrap_or_else(|| "9999".into()))),
            );
        let mut conditions = Vec::new();
        if !filter.kinds.is_empty() {
            let names: Vec<String> = (0..filter.kinds.len()).map(|i| format!(":kind{i}")).collect();
            for (name, kind) in names.iter().zip(&filter.kinds) {
                query = query.expression_attribute_values(name, s(kind.as_str()));
            }
            conditions.push(format!("kind IN ({})", names.join(", ")));
        }
        if !filter.statuses.is_empty() {
            let names: Vec<String> = (0..filter.statuses.len()).map(|i| format!(":status{i}")).collect();
            for (name, status) in names.iter().zip(&filter.statuses) {
                query = query.expression_attribute_values(name, s(status.as_str()));
            }
            conditions.push(format!("#status IN ({})", names.join(", ")));
            query = query.expression_attribute_names("#status", "status");
        }
        if let Some(customer) = &filter.customer_id {
            conditions.push("customer_id = :customer".into());
            query = query.expression_attribute_values(":customer", s(customer.clone()));
        }
        if !conditions.is_empty() {
            query = query.filter_expression(conditions.join(" AND "));
        }
        let mut items = Vec::new();
        let mut start_key = start.map(|key| key.into_iter().map(|(k, v)| (k, s(v))).collect::<super::Item>());
        loop {
            let output = query
                .clone()
                .set_exclusive_start_key(start_key.take())
                .limit(i32::try_from(limit.saturating_sub(items.len()).max(1) * 2).unwrap_or(200))
                .send()
                .await
                .map_err(|e| dynamo_error("list invoices", e))?;
            for item in output.items.unwrap_or_default() {
                if items.len() == limit {
                    break;
                }
                let key: std::collections::BTreeMap<String, String> = ["PK", "SK", "GSI1PK", "GSI1SK"]
                    .iter()
                    .filter_map(|name| super::get_s(&item, name).map(|v| ((*name).to_owned(), v.to_owned())))
                    .collect();
                let stored: InvoiceItem = from_item("invoice", item)?;
                items.push((StoredInvoice::from(stored), key));
            }
            match output.last_evaluated_key {
                Some(last) if items.len() < limit => start_key = Some(last),
                last => {
                    let more = last.is_some() || items.len() == limit;
                    let next = if more { items.last().map(|(_, key)| key.clone()) } else { None };
                    return Ok(InvoicePage { items: items.into_iter().map(|(i, _)| i).collect(), next });
                }
            }
        }
    }
}
