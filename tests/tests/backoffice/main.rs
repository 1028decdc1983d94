//! The back office's order list against the emulator: exact sets over two tenants, newest first, filters,
//! signed cursors and roles.
//!
//! One test binary in three modules: `listing` (the order list, order detail and a customer's history), `answering`
//! (stock, notes, catalogue and customer data, manual responses and the email relay) and `changing` (cancelling,
//! changing, merging and splitting orders).

use orders_testkit::{Answer, TestStack};
use reqwest::Method;
use serde_json::Value;

mod answering;
mod changing;
mod listing;

/// POSTs `body` to `path` as `key`.
async fn post_as(stack: &TestStack, path: &str, key: &str, body: Value) -> Answer {
    Answer::from(stack.request(Method::POST, path, key).json(&body).send().await).await
}
