//! Custom metrics as CloudWatch embedded metric format (EMF): one JSON line on stdout, which Lambda hands to
//! CloudWatch Logs and CloudWatch turns into a metric in the `OrdersPipeline` namespace (no API call, no client).
//! The operations dashboard and the alarms of infra/template.yaml read them.

/// The namespace of every custom metric.
pub const NAMESPACE: &str = "OrdersPipeline";

/// A custom metric: its name and the `Service` dimension it is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// What is counted under it (the dimension's value).
    pub service: &'static str,
    /// The metric's name.
    pub name: &'static str,
}

/// Orders stored new, whatever the channel (webshop, batch, portal cart, accepted quote).
pub const ORDERS_RECEIVED: Metric = Metric { service: "ordering", name: "OrdersReceived" };
/// Orders the confirmation stage accepted in full.
pub const ORDERS_ACCEPTED: Metric = Metric { service: "confirmation", name: "OrdersAccepted" };
/// Orders the confirmation stage accepted with changes (a shortage, a later date).
pub const ORDERS_ACCEPTED_WITH_CHANGES: Metric = Metric { service: "confirmation", name: "OrdersAcceptedWithChanges" };
/// Orders the confirmation stage rejected.
pub const ORDERS_REJECTED: Metric = Metric { service: "confirmation", name: "OrdersRejected" };
/// Orders the confirmation stage left to the seller's staff.
pub const ORDERS_PENDING_RESPONSE: Metric = Metric { service: "confirmation", name: "OrdersPendingResponse" };
/// Emails SES accepted.
pub const EMAILS_SENT: Metric = Metric { service: "outbox", name: "EmailsSent" };
/// Emails SES failed to take for now (retried).
pub const EMAILS_FAILED: Metric = Metric { service: "outbox", name: "EmailsFailed" };
/// Emails SES refused for good (a bad address, a suppressed recipient).
pub const EMAILS_REFUSED: Metric = Metric { service: "outbox", name: "EmailsRefused" };
/// Emails SES reported bounced for good (the customer's address is marked).
pub const EMAILS_BOUNCED: Metric = Metric { service: "feedback", name: "EmailsBounced" };
/// Emails their recipient reported as spam (the customer's address is marked).
pub const EMAILS_COMPLAINED: Metric = Metric { service: "feedback", name: "EmailsComplained" };
/// Billing documents issued (invoices, credit and debit notes).
pub const DOCUMENTS_ISSUED: Metric = Metric { service: "documents", name: "DocumentsIssued" };
/// Pending marks the relay published again.
pub const RELAY_REPUBLISHED: Metric = Metric { service: "relay", name: "RelayRepublished" };
/// Pending marks the relay gave up on (an alarm).
pub const RELAY_GAVE_UP: Metric = Metric { service: "relay", name: "RelayGaveUp" };
/// Webhook deliveries an endpoint answered with 2xx.
pub const WEBHOOKS_DELIVERED: Metric = Metric { service: "webhooks", name: "WebhooksDelivered" };
/// Webhook delivery attempts that failed (each is retried on the schedule).
pub const WEBHOOK_ATTEMPTS_FAILED: Metric = Metric { service: "webhooks", name: "WebhookAttemptsFailed" };
/// Webhook deliveries that used up their attempts: the endpoint is marked failing (an alarm).
pub const WEBHOOKS_GAVE_UP: Metric = Metric { service: "webhooks", name: "WebhooksGaveUp" };

/// Every custom metric (the template's dashboard shows each: tests/tests/template_security.rs).
pub const ALL: &[Metric] = &[
    ORDERS_RECEIVED,
    ORDERS_ACCEPTED,
    ORDERS_ACCEPTED_WITH_CHANGES,
    ORDERS_REJECTED,
    ORDERS_PENDING_RESPONSE,
    EMAILS_SENT,
    EMAILS_FAILED,
    EMAILS_REFUSED,
    EMAILS_BOUNCED,
    EMAILS_COMPLAINED,
    DOCUMENTS_ISSUED,
    RELAY_REPUBLISHED,
    RELAY_GAVE_UP,
    WEBHOOKS_DELIVERED,
    WEBHOOK_ATTEMPTS_FAILED,
    WEBHOOKS_GAVE_UP,
];

/// The EMF line for `count` of `metric` from `service` at `unix_millis` (names are the constants above: plain
/// words, nothing to escape; written by hand so the smallest functions carry no JSON serialiser for it).
pub fn emf_line(service: &str, metric: &str, count: u64, unix_millis: i128) -> String {
    format!(
        r#"{{"_aws":{{"Timestamp":{unix_millis},"CloudWatchMetrics":[{{"Namespace":"{NAMESPACE}","Dimensions":[["Service"]],"Metrics":[{{"Name":"{metric}","Unit":"Count"}}]}}]}},"Service":"{service}","{metric}":{count}}}"#
    )
}

/// Counts `count` of `metric` now (nothing when `count` is 0).
pub fn count(metric: Metric, count: u64) {
    if count == 0 {
        return;
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    println!("{}", emf_line(metric.service, metric.name, count, now));
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_has_its_own_name_of_plain_letters() {
        let names: std::collections::BTreeSet<&str> = super::ALL.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), super::ALL.len());
        for metric in super::ALL {
            assert!(metric.name.chars().chain(metric.service.chars()).all(|c| c.is_ascii_alphabetic()), "{metric:?}");
        }
    }

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
