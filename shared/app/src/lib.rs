//! Use cases of the order pipeline: the floor between the function adapters (HTTP routes, SQS and EventBridge
//! handlers) and the floors below, the pure domain (`orders-domain`) and the AWS adapters (`orders-aws`). Each
//! module is one use case, a function over the store, publisher, mailer and archive it needs, returning domain
//! results; the orchestration every function shares lives here once (docs/architecture.md "Floors").

pub mod admin;
pub mod billing;
pub mod buyer;
pub mod confirmation;
pub mod consumer;
pub mod delivery_notes;
pub mod documents;
pub mod inbound;
pub mod invoicing;
pub mod mail_feedback;
pub mod ordering;
pub mod outbox;
pub mod placing;
pub mod relay;
pub mod reports;
pub mod retry;
pub mod shipment;
pub mod staff;
pub mod standing;
pub mod webhooks;
