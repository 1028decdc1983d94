//! Ordering: a webshop's order document (`POST /v1/orders`, one order of a batch) and a buyer's cart in the portal
//! and a buyer's acceptance of a quote go the same way — parse, find an earlier identical request, price against the catalogue, place
//! ([`crate::placing`]) — and answer the same [`Ordered`] or [`OrderingError`]. The HTTP adapters only render them
//! (docs/architecture.md "Floors").

pub mod cart;
pub mod peppol;
pub mod quote;
pub mod staff;
pub mod webshop;

use time::OffsetDateTime;

use orders_aws::store::{CreateOutcome, DuplicateOf};
use orders_aws::{Store, StoreError};
use orders_domain::ids::{OrderId, TenantId};
use orders_domain::intake::RequestError;
use orders_domain::order::Order;
use orders_domain::FieldError;

/// An order placed, or the one an identical earlier request placed.
#[derive(Debug, Clone)]
pub struct Ordered {
    /// The stored order.
    pub order: Order,
    /// Whether an earlier request stored it (the answer is a replay).
    pub replayed: bool,
}

/// Why an order was not placed.
#[derive(Debug, thiserror::Error)]
pub enum OrderingError {
    /// The document does not parse (malformed JSON, a field that fails validation).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The order cannot be priced or delivered as asked (unknown SKU, another currency, a delivery address the
    /// seller does not take).
    #[error("invalid order: {0:?}")]
    Invalid(Vec<FieldError>),
    /// A business document (a Peppol Order) breaks its rules or holds what cannot be taken.
    #[error("the document is refused: {} problem(s)", .0.len())]
    Document(Vec<orders_domain::peppol_order::DocumentProblem>),
    /// The `Idempotency-Key` was used for another request.
    #[error("Idempotency-Key {0:?} was used for another request")]
    IdempotencyKeyReused(String),
    /// The order conflicts with what is stored (an order number used for other content, a cart that moved on).
    #[error("{0}")]
    Conflict(String),
    /// The seller's limit of new orders a minute is reached; nothing was stored.
    #[error("at most {orders_per_minute} new orders a minute; retry after {retry_after} s")]
    RateLimited {
        /// The seller's limit.
        orders_per_minute: u32,
        /// Seconds to the next minute.
        retry_after: u64,
    },
    /// No such quote (or version) for this buyer; the text names what.
    #[error("{0} not found")]
    NotFound(String),
    /// The seller or an earlier order cannot be read yet; the request can be retried.
    #[error("{0}")]
    Unavailable(String),
    /// The caller's key, presumed from the container's memory, no longer opens anything (revoked, expired).
    #[error("the API key no longer opens anything")]
    Unauthorized,
    /// The table failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<orders_domain::quote::QuoteRefusal> for OrderingError {
    fn from(refusal: orders_domain::quote::QuoteRefusal) -> Self {
        match refusal {
            orders_domain::quote::QuoteRefusal::State(detail) => OrderingError::Conflict(detail),
        }
    }
}

/// Places `placement`'s order and answers it, or the order an identical earlier request placed (same order number
/// in the channel, or same `Idempotency-Key`), or why it was not placed.
pub(crate) async fn place_and_answer(
    store: &Store,
    publisher: &orders_aws::EventPublisher,
    tenant: &orders_domain::tenant::TenantSettings,
    placement: crate::placing::Placement<'_>,
) -> Result<Ordered, OrderingError> {
    let order = placement.order;
    match crate::placing::place_order(store, publisher, placement).await? {
        CreateOutcome::Created => Ok(Ordered { order: order.clone(), replayed: false }),
        CreateOutcome::RateLimited { retry_after } => {
            Err(OrderingError::RateLimited { orders_per_minute: tenant.limits.orders_per_minute, retry_after })
        }
        duplicate => replay(store, &order.tenant, &order.order_number, placement.idempotency_key, duplicate).await,
    }
}

/// Now, to the microsecond the sort keys keep (the stored timestamp says the same).
pub fn now_micros(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
}

/// The order an earlier request stored.
pub(crate) async fn stored_order(store: &Store, tenant: &TenantId, order_id: &OrderId) -> Result<Order, OrderingError> {
    store
        .get_order_with_history(tenant, order_id)
        .await?
        .map(|(order, _)| order)
        .ok_or_else(|| OrderingError::Unavailable(format!("order {order_id} is not readable yet")))
}

/// What an earlier request of the same channel and order number (or `Idempotency-Key`) means for this one: a
/// replay of the order it stored when it was the same request, else a refusal.
pub(crate) async fn replay(
    store: &Store,
    tenant: &TenantId,
    order_number: &str,
    idempotency_key: Option<&str>,
    outcome: CreateOutcome,
) -> Result<Ordered, OrderingError> {
    let (of, order_id, same_request) = match outcome {
        CreateOutcome::Duplicate { of, order_id, same_request } => (of, order_id, same_request),
        CreateOutcome::IdempotencyKeyTaken => {
            return Err(OrderingError::IdempotencyKeyReused(idempotency_key.unwrap_or_default().to_owned()))
        }
        _ => return Err(OrderingError::Unavailable("unexpected store outcome".into())),
    };
    if !same_request {
        return Err(match of {
            DuplicateOf::IdempotencyKey => {
                OrderingError::IdempotencyKeyReused(idempotency_key.unwrap_or_default().to_owned())
            }
            DuplicateOf::OrderNumber => OrderingError::Conflict(format!(
                "order number {order_number} was already used for order {order_id} with different content"
            )),
        });
    }
    Ok(Ordered { order: stored_order(store, tenant, &order_id).await?, replayed: true })
}
