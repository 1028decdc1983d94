//! Structured JSON logs for CloudWatch (`tenant`, `order_id`, `event_id`, `request_id` fields on events).

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the JSON log subscriber, filtered by `RUST_LOG` (default `info`). Safe to call twice.
///
/// `RUST_LOG` takes `level` or `target=level,…` directives (`Targets`); span and field filters, which would need
/// a regex engine in every bootstrap, are not supported (docs/decisions/0010).
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(false)
                .with_ansi(false)
                .without_time()
                .with_target(false),
        )
        .with(log_filter(std::env::var("RUST_LOG").ok().as_deref()))
        .try_init();
}

/// The directives of `RUST_LOG`, or `info` when it is unset or does not parse.
fn log_filter(directives: Option<&str>) -> Targets {
    directives.and_then(|d| d.parse::<Targets>().ok()).unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives_set_levels_per_target_and_default_to_info() {
        let filter = log_filter(Some("warn,orders_app=debug"));
        assert!(filter.would_enable("orders_app::placing", &tracing::Level::DEBUG));
        assert!(!filter.would_enable("aws_smithy_runtime", &tracing::Level::INFO));
        let default = log_filter(None);
        assert!(default.would_enable("intake", &tracing::Level::INFO));
        assert!(!default.would_enable("intake", &tracing::Level::DEBUG));
        let unparsable = log_filter(Some("=="));
        assert!(unparsable.would_enable("intake", &tracing::Level::INFO));
    }
}
