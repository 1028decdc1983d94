//! The `shipment` function: consumes `order.despatched` from the shipment queue and derives the order's delivery
//! status (`partially_delivered` / `delivered`) from its line quantities, with a history entry and the buyer's
//! despatch email record, in the transaction that clears the event's "publish pending" mark; then sends the email
//! (once: a redelivery only sends what a crashed attempt left). The use case is `orders_app::shipment`; `main.rs` only wires it; the local runner and the tests call
//! [`handle`] with real `SqsEvent`s.

mod handler;

pub use handler::handle;
pub use orders_app::shipment::{Shipment, ShipmentConfig};
