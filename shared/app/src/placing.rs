//! Placing a new order, the same for every way an order comes in (a webshop's `POST /v1/orders`, a buyer's cart in
//! the portal, an accepted quote): one store transaction writes the order with its first history entry and its
//! "publish pending" mark (and whatever else the way needs: idempotency key, inline buyer, the accepted quote
//! version), then the `order.received` event goes to confirmation, carrying the order and the stock its pricing
//! read; if that send fails, the relay sends it later (thin).

use orders_domain::catalogue::{Customer, StockHint};
use orders_domain::documents::IssuedDocument;
use orders_domain::events::{Carried, EventEnvelope, EventType};
use orders_domain::order::{HistoryEntry, Order};
use orders_domain::quote::Quote;

use orders_aws::store::{CreateOutcome, NewOrder};
use orders_aws::{EventPublisher, Store, StoreError};

/// A priced order to store, and how it came in.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    /// The priced order (its `received_at` dates the history entry and the event).
    pub order: &'a Order,
    /// Who placed it (`webshop:key_…`, `buyer:C-1`).
    pub actor: &'a str,
    /// What its first history entry says.
    pub detail: &'a str,
    /// Canonical hash of the request, for idempotent replays.
    pub fingerprint: &'a str,
    /// The client's `Idempotency-Key`, if sent.
    pub idempotency_key: Option<&'a str>,
    /// An inline buyer to upsert into the customer register.
    pub inline_customer: Option<&'a Customer>,
    /// The quote version this order accepts.
    pub quote: Option<&'a Quote>,
    /// The tenant's limit of new orders per minute, counted in the same transaction (`None`: not counted).
    pub orders_per_minute: Option<u32>,
    /// The version of the tenant's settings the order was priced with (its `order.received` event carries it).
    pub settings_version: Option<u64>,
    /// The stock of the order's SKUs as read to price it: the event then carries it and the order to the
    /// confirmation stage (never stored with its "publish pending" mark).
    pub stock: Option<&'a StockHint>,
    /// The business document the order was placed from (a Peppol Order), kept with it and archived.
    pub received_document: Option<&'a IssuedDocument>,
}

/// Stores `placement`'s order and, if this call stored it, publishes its `order.received` event.
pub async fn place_order(
    store: &Store,
    publisher: &EventPublisher,
    placement: Placement<'_>,
) -> Result<CreateOutcome, StoreError> {
    let order = placement.order;
    let history = HistoryEntry {
        at: order.received_at,
        actor: placement.actor.to_owned(),
        action: "received".into(),
        detail: placement.detail.to_owned(),
    };
    let event = EventEnvelope::new(
        EventType::OrderReceived,
        order.tenant.clone(),
        order.id.clone(),
        order.order_number.clone(),
        order.received_at,
    )
    .with_settings_version(placement.settings_version);
    let outcome = store
        .create_order(&NewOrder {
            order,
            history: &history,
            fingerprint: placement.fingerprint,
            idempotency_key: placement.idempotency_key,
            inline_customer: placement.inline_customer,
            event: &event,
            quote: placement.quote,
            orders_per_minute: placement.orders_per_minute,
            received_document: placement.received_document,
        })
        .await?;
    if matches!(outcome, CreateOutcome::Created) {
        orders_aws::metrics::count(orders_aws::metrics::ORDERS_RECEIVED, 1);
        tracing::info!(tenant = %order.tenant, order_id = %order.id, event_id = %event.event_id, order_number = %order.order_number, channel = %order.channel, "order stored");
        let event = carried(&event, placement);
        if let Err(error) = publisher.publish(&event).await {
            // The order carries its "publish pending" mark; the relay sends the event later.
            tracing::warn!(tenant = %order.tenant, order_id = %order.id, event_id = %event.event_id, %error, "publish failed; left to the relay");
        }
    }
    Ok(outcome)
}

/// `event` as published: with the order and the stock its pricing read, when the way it came in read the stock
/// (see [`Placement::stock`]); thin otherwise.
fn carried(event: &EventEnvelope, placement: Placement<'_>) -> EventEnvelope {
    let Some(stock) = placement.stock else { return event.clone() };
    let carried = Carried { order: placement.order.clone(), version: 1, stock: Some(stock.clone()), despatch: None };
    with_carried(event, carried)
}

/// `event` carrying `carried` (the publisher sends it thin if that makes it too big to carry).
pub(crate) fn with_carried(event: &EventEnvelope, carried: Carried) -> EventEnvelope {
    EventEnvelope { carried: Some(Box::new(carried)), ..event.thin() }
}
