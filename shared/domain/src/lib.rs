//! Pure business rules of the order pipeline.
//!
//! Nothing in this crate talks to AWS or needs an async runtime: it parses and validates what webshops send
//! ([`intake`]), prices orders exactly with `rust_decimal` ([`pricing`]), and defines the vocabulary every other
//! crate shares ([`ids`], [`money`], [`order`], [`events`]).

pub mod admin;
pub mod buyer_link;
pub mod catalogue;
pub mod change;
pub mod confirmation;
pub mod country;
pub mod despatch;
pub mod documents;
pub mod events;
pub mod fingerprint;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod ids;
pub mod intake;
pub mod invoice;
pub mod invoice_ubl;
pub mod lifecycle;
pub mod listing;
pub mod money;
pub mod order;
pub mod placing;
pub mod portal;
pub mod pricing;
pub mod quote;
pub mod regroup;
pub mod reports;
pub mod signing;
pub mod tenant;
pub mod ubl;
pub mod validation;

pub use validation::{FieldError, FieldErrors};
