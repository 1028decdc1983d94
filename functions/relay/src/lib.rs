//! The `relay` function (every minute): sends again the events and emails left pending (`orders_app::relay`).
//! `main.rs` only wires it; the local runner and the tests call [`handle`] or [`Relay::run_once`].

use aws_lambda_events::eventbridge::EventBridgeEvent;
use time::OffsetDateTime;

pub use orders_app::relay::{Relay, RelayConfig, RelayReport};

/// Handles the scheduled EventBridge event.
/// The rule name suffix of the daily standing-order schedule (infra/template.yaml, `StandingOrders`).
pub const STANDING_ORDERS_RULE: &str = "-standing-orders";

/// What one invocation did: the every-minute relay run, or the daily standing-order run.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum RelayRun {
    /// Events and emails sent again.
    Relay(RelayReport),
    /// Standing-order occurrences placed.
    Standing(orders_app::standing::StandingReport),
}

/// One scheduled invocation: the standing-order rule (its ARN in `resources` ends with [`STANDING_ORDERS_RULE`])
/// runs the standing orders; every other schedule event runs the relay.
pub async fn handle(
    app: &Relay,
    event: EventBridgeEvent<serde_json::Value>,
) -> Result<RelayRun, lambda_runtime::Error> {
    let now = OffsetDateTime::now_utc();
    if event.resources.iter().flatten().any(|arn| arn.ends_with(STANDING_ORDERS_RULE)) {
        return Ok(RelayRun::Standing(app.place_standing_occurrences(now.date(), now).await?));
    }
    Ok(RelayRun::Relay(app.run_once(now).await?))
}
