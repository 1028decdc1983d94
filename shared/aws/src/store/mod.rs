//! The DynamoDB repository: every read and write of the single table goes through here.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

use orders_domain::ids::TenantId;
use orders_domain::tenant::TenantSettings;

use crate::keys::{self, PK, SK};

pub(crate) type Item = HashMap<String, AttributeValue>;

mod catalogue;
mod customers;
mod despatch;
mod documents;
mod email;
mod idempotency;
mod inbound;
mod invoice_issue;
mod invoices;
mod keys_and_sessions;
mod links;
mod listing;
mod mail_stops;
mod notes;
mod order_detail;
mod order_inputs;
mod order_items;
mod order_with_parts;
mod orders;
mod portal;
mod quotes;
mod relay;
mod reports;
mod response;
mod standing;
mod stock;
mod table;
mod tenants;
mod webhooks;

pub use customers::CustomerPage;
pub use despatch::{DespatchOutcome, DespatchWrite};
pub use email::{EmailOutcome, EmailRecord, EmailStatus, NewEmail};
pub use idempotency::{DuplicateCheck, IDEMPOTENCY_TTL};
pub use inbound::{InboundProblem, InboundRecord};
pub use invoice_issue::{
    completion_request_key, AlsoBilled, DespatchInvoiceInputs, IdempotentDocument, IssueOutcome, IssueWrite,
};
pub use invoices::{
    document_key, document_of_stream_image, invoice_pk, InvoiceFilter, InvoiceLink, InvoicePage, StoredInvoice,
};
pub use keys_and_sessions::{ApiKeyRecord, CallerKey, ConsoleSessionRecord, ListedApiKey, PresumedKey};
pub use links::{BuyerAccessEvent, BuyerAccessLog, BuyerLinkRecord};
pub use listing::{OrderPage, ReorderSuggestion, StatusCount};
pub use mail_stops::MailStop;
pub use notes::Addition;
pub use order_detail::OrderDetail;
pub use order_inputs::{OrderInputs, OrderInputsRequest};
pub use order_with_parts::{OrderParts, OrderWithParts};
pub use orders::{CreateOutcome, DuplicateOf, NewOrder, RATE_SHARDS};
pub use orders_domain::catalogue::CatalogueView;
pub use portal::ListedRequest;
pub use quotes::quote_pk;
pub use relay::PendingEvent;
pub use reports::MemberNames;
pub use response::{OrderRecord, RelatedWrite, ResponseOutcome, ResponseWrite, StageRequest};
pub use standing::StandingEntry;
pub use table::PageKey;
pub use tenants::{SettingsChange, TenantAndOrder};
pub use webhooks::{
    DeliveryAttempt, DeliveryStatus, EndpointSecretRef, WebhookDelivery, WebhookEndpoint, DELIVERY_TTL_DAYS,
};

pub use order_items::order_of_stream_image;
pub(crate) use order_items::{history_item, HistoryItem, OrderItem};
pub(crate) use table::{backoff, cancelled_by_condition, put_if_absent, put_plain};

/// A DynamoDB call failed, or an item could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The call itself failed (network, throttling after retries, permissions, validation).
    #[error("DynamoDB: {action} failed: {message}")]
    Dynamo {
        /// What we were doing ("store order ord_…").
        action: String,
        /// The SDK's error with its context.
        message: String,
    },
    /// A stored item does not have the expected shape.
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// Which item.
        what: String,
        /// Why.
        detail: String,
    },
    /// Concurrent writers kept cancelling our transaction.
    #[error("{action}: gave up after {attempts} conflicting transactions")]
    Contention {
        /// What we were doing.
        action: String,
        /// How often we tried.
        attempts: u32,
    },
}

pub(crate) fn dynamo_error<E, R>(action: impl Into<String>, error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Dynamo { action: action.into(), message: DisplayErrorContext(&error).to_string() }
}

pub(crate) fn corrupt(what: impl Into<String>, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what: what.into(), detail: detail.to_string() }
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: Decimal) -> AttributeValue {
    AttributeValue::N(value.normalize().to_string())
}

pub(crate) fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub(crate) fn to_item<T: Serialize>(what: &str, value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| corrupt(what, e))
}

pub(crate) fn from_item<T: DeserializeOwned>(what: &str, item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| corrupt(what, e))
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(crate) fn get_n(item: &Item, name: &str) -> Option<Decimal> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| orders_domain::money::parse_decimal_text(v).ok())
}

/// Sortable UTC timestamp with microseconds, used inside sort keys.
pub fn sortable_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// The table.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) client: aws_sdk_dynamodb::Client,
    pub(crate) table: String,
    /// This container's copies of tenant settings ([`Store::tenant_at_least`]), shared by every clone.
    tenants: std::sync::Arc<std::sync::Mutex<HashMap<TenantId, TenantSettings>>>,
}

impl Store {
    /// A repository over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), tenants: Default::default() }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The underlying client (for tests and provisioning).
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }
}
