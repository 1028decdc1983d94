//! The `confirmation` function: consumes `order.received` / `order.changed` from the confirmation queue, reserves
//! stock, answers the order by the tenant's policy and emails buyer and seller. `main.rs` only wires it; the
//! local runner and the tests call [`handle`] with real `SqsEvent`s.

mod handler;

pub use handler::handle;
pub use orders_app::confirmation::{Confirmation, ConfirmationConfig};
