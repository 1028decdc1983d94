//! The `invoicing` function: consumes `order.ready_to_invoice` from the invoicing queue and issues the invoice of
//! that despatch (or of the whole delivered order) under the next gapless number of the tenant's series, in the
//! transaction that consumes the request; then archives the UBL and the PDF to the documents bucket (conditional
//! puts: never overwritten) and emails both to the buyer, once. A redelivery finds the request consumed and only
//! completes what a crashed attempt left undone. The use case is `orders_app::invoicing`; `main.rs` only wires it;
//! the local runner and the tests call [`handle`] with real `SqsEvent`s.

mod handler;

pub use handler::handle;
pub use orders_app::documents::{Documents as Invoicing, DocumentsConfig as InvoicingConfig};
