//! Custom metrics as CloudWatch embedded metric format (EMF): one JSON line on stdout, which Lambda hands to
//! CloudWatch Logs and CloudWatch turns into a metric in the `OrdersPipeline` namespace (no API call, no client).
//! The operations dashboard and the alarms of infra/template.yaml read them.

/// The namespace of every custom metric.
pub const NAMESPACE: &str = "OrdersPipeline";

/// The EMF line for `count` of `metric` from `service` at `unix_millis`.
pub fn emf_line(service: &str, metric: &str, count: u64, unix_millis: i128) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": unix_millis,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Service"]],
                "Metrics": [{ "Name": metric, "Unit": "Count" }],
            }],
        },
        "Service": service,
        metric: count,
    })
    .to_string()
}

/// Counts `count` of `metric` for `service` now (nothing when `count` is 0).
pub fn count(service: &str, metric: &str, count: u64) {
    if count == 0 {
        return;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    println!("{}", emf_line(service, metric, count, now));
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_is_one_emf_line_with_its_dimension_and_value() {
        let line = super::emf_line("relay", "RelayGaveUp", 2, 1_700_000_000_000);
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(value["RelayGaveUp"], 2);
        assert_eq!(value["Service"], "relay");
        assert_eq!(value["_aws"]["CloudWatchMetrics"][0]["Namespace"], "OrdersPipeline");
        assert_eq!(value["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "RelayGaveUp");
        assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000_i64);
        assert!(!line.contains('\n'));
    }
}
