//! Test helpers: a per-test stack provisioned from infra/template.yaml in the shared emulator, served over HTTP
//! on a random port, with a fresh tenant, its API key and helpers to read the table and the queues.
//!
//! One moto server serves the whole run (`make test` starts it and sets `ORDERS_TEST_ENDPOINT`); each test gets
//! its own stack name, so tables and queues never mix between tests.

pub mod chaos;
mod client;
mod conformance;
mod faults;
mod fixtures;
mod mail;
mod readers;
mod stack;
pub mod webhooks;

pub use client::{Answer, ConsoleSession, PortalSession};
pub use conformance::{assert_conforms, cannot_run, openapi_spec, peppol_kit_dir, validate_peppol};
pub use faults::Faults;
pub use fixtures::{local_template, order_body, template_routes, tomorrow};
pub use mail::{mime_leaves, mime_parts, pdf_barcodes, pdf_text, portal_link_token, MimeLeaf};
pub use readers::{s, strict_csv};
pub use stack::{emulator_endpoint, unique, Tenant, TestStack};
pub use webhooks::{ReceivedWebhook, WebhookReceiver};
