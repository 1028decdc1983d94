//! The `relay` function (every minute): sends again the events and emails left pending (`orders_app::relay`).
//! `main.rs` only wires it; the local runner and the tests call [`handle`] or [`Relay::run_once`].

use aws_lambda_events::eventbridge::EventBridgeEvent;
use time::OffsetDateTime;

pub use orders_app::relay::{Relay, RelayConfig, RelayReport};

/// Handles the scheduled EventBridge event.
pub async fn handle(
    app: &Relay,
    _event: EventBridgeEvent<serde_json::Value>,
) -> Result<RelayReport, lambda_runtime::Error> {
    Ok(app.run_once(OffsetDateTime::now_utc()).await?)
}
