//! What infra/template.yaml grants, read from the file itself: no secret in any function's environment, each
//! function allowed to read only the signing secrets it is configured with, no function that outlives the
//! HTTP API's 30 s integration timeout, and an alarm on every queue and function that tells the operators.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

fn template() -> Value {
    let text = std::fs::read_to_string(devstack::stack::template_path()).expect("infra/template.yaml");
    serde_norway::from_str(&text).expect("YAML")
}

/// The logical id a `!Ref X` / `{Ref: X}` names.
fn reference(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "Ref" => {
            tagged.value.as_str().map(str::to_owned)
        }
        Value::Mapping(map) => map.get("Ref").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// The resources of `kind`, by logical id.
fn resources<'a>(template: &'a Value, kind: &str) -> BTreeMap<String, &'a Value> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap_or_default().to_owned(), r))
        .collect()
}

/// The logical id of a function's execution role (`Role: !GetAtt XRole.Arn`).
fn role_of(function: &Value) -> Option<String> {
    match &function["Properties"]["Role"] {
        Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "GetAtt" => {
            tagged.value.as_str().and_then(|v| v.strip_suffix(".Arn")).map(str::to_owned)
        }
        _ => None,
    }
}

/// Every IAM statement of a role's inline policies.
fn role_statements(role: &Value) -> Vec<&Value> {
    role["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|policy| policy["PolicyDocument"]["Statement"].as_sequence().into_iter().flatten())
        .collect()
}

/// Every IAM statement a function's role grants (a function without a role of its own gets SAM's, with managed
/// policies: refused by `every_function_has_its_own_role_granting_no_wildcard`).
fn statements<'a>(template: &'a Value, function: &Value) -> Vec<&'a Value> {
    role_of(function).map(|role| role_statements(&template["Resources"][role.as_str()])).unwrap_or_default()
}

fn strings(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

#[test]
fn no_function_has_a_secret_in_its_environment_and_each_reads_only_its_own_signing_secrets() {
    let template = template();
    let secrets: BTreeSet<String> = resources(&template, "AWS::SecretsManager::Secret").into_keys().collect();
    assert_eq!(secrets.len(), orders_aws::SecretPurpose::ALL.len(), "one secret per purpose: {secrets:?}");
    let hidden: BTreeSet<String> = template["Parameters"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, p)| p["NoEcho"].as_bool() == Some(true))
        .map(|(name, _)| name.as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(hidden.is_empty(), "no secret is a template parameter (it would sit in the environment): {hidden:?}");
    let functions = resources(&template, "AWS::Serverless::Function");
    let global = template["Globals"]["Function"]["Environment"]["Variables"].as_mapping().cloned().unwrap_or_default();
    for (id, function) in &functions {
        let mut variables = global.clone();
        variables.extend(function["Properties"]["Environment"]["Variables"].as_mapping().cloned().unwrap_or_default());
        let mut configured = BTreeSet::new();
        for (name, value) in &variables {
            let name = name.as_str().unwrap_or_default();
            let lower = name.to_lowercase();
            if lower.contains("secret") || lower.contains("password") || lower.contains("token") {
                let target = reference(value);
                assert!(
                    name.ends_with("_SECRET_ARN") && target.as_ref().is_some_and(|t| secrets.contains(t)),
                    "{id}: {name} must be the ARN (!Ref) of a Secrets Manager secret, never a secret"
                );
                configured.extend(target);
            }
        }
        let readable: BTreeSet<String> = statements(&template, function)
            .into_iter()
            .filter(|s| strings(&s["Action"]).iter().any(|a| a.as_str() == Some("secretsmanager:GetSecretValue")))
            .flat_map(|s| strings(&s["Resource"]).into_iter().map(|r| reference(r).unwrap_or_else(|| format!("{r:?}"))))
            .collect();
        assert_eq!(readable, configured, "{id} may read exactly the secrets it is configured with");
    }
}

#[test]
fn every_http_function_times_out_before_the_http_api_gives_up() {
    let template = template();
    let default = template["Globals"]["Function"]["Timeout"].as_u64().unwrap_or(3);
    for (id, function) in resources(&template, "AWS::Serverless::Function") {
        let events = function["Properties"]["Events"].as_mapping().cloned().unwrap_or_default();
        if events.values().any(|e| e["Type"].as_str() == Some("HttpApi")) {
            let timeout = function["Properties"]["Timeout"].as_u64().unwrap_or(default);
            assert!(timeout < 30, "{id}: Timeout {timeout} s, not below the HTTP API's 30 s");
        }
    }
}

#[test]
fn an_email_claim_goes_stale_only_after_every_sender_has_timed_out_twice_over() {
    let template = template();
    let default = template["Globals"]["Function"]["Timeout"].as_u64().unwrap_or(3);
    let stale = orders_app::outbox::CLAIM_STALE_AFTER.as_secs();
    let senders: Vec<(String, u64)> = resources(&template, "AWS::Serverless::Function")
        .into_iter()
        .filter(|(_, f)| f["Properties"]["Environment"]["Variables"].get("SENDER_EMAIL").is_some())
        .map(|(id, f)| (id, f["Properties"]["Timeout"].as_u64().unwrap_or(default)))
        .collect();
    assert!(senders.len() >= 5, "the functions that email: {senders:?}");
    for (id, timeout) in senders {
        assert!(2 * timeout <= stale, "{id}: Timeout {timeout} s; a claim goes stale after {stale} s");
    }
}

/// What an alarm watches: its metric and the logical id its dimension names.
fn watched(alarm: &Value) -> (String, Option<String>) {
    let metric = alarm["Properties"]["MetricName"].as_str().unwrap_or_default().to_owned();
    let dimension = alarm["Properties"]["Dimensions"].as_sequence().and_then(|d| d.first()).map(|d| &d["Value"]);
    let target = dimension.and_then(|value| {
        reference(value).or_else(|| match value {
            Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "GetAtt" => {
                tagged.value.as_str().and_then(|v| v.split('.').next()).map(str::to_owned)
            }
            _ => None,
        })
    });
    (metric, target)
}

#[test]
fn every_dead_letter_queue_queue_and_function_has_an_alarm_that_reaches_the_operators() {
    let template = template();
    let alarms = resources(&template, "AWS::CloudWatch::Alarm");
    let watching: BTreeSet<(String, String)> = alarms
        .values()
        .filter_map(|alarm| match watched(alarm) {
            (metric, Some(target)) => Some((metric, target)),
            _ => None,
        })
        .collect();
    let mut missing = Vec::new();
    for id in resources(&template, "AWS::SQS::Queue").keys() {
        let metric = if id.contains("DeadLetter") {
            "ApproximateNumberOfMessagesVisible"
        } else {
            "ApproximateAgeOfOldestMessage"
        };
        if !watching.contains(&(metric.to_owned(), id.clone())) {
            missing.push(format!("{metric} of {id}"));
        }
    }
    for id in resources(&template, "AWS::Serverless::Function").keys() {
        for metric in ["Errors", "Throttles"] {
            if !watching.contains(&(metric.to_owned(), id.clone())) {
                missing.push(format!("{metric} of {id}"));
            }
        }
    }
    assert!(missing.is_empty(), "not watched: {missing:?}");
    for (id, alarm) in &alarms {
        let actions: Vec<Option<String>> =
            alarm["Properties"]["AlarmActions"].as_sequence().into_iter().flatten().map(reference).collect();
        assert_eq!(actions, vec![Some("AlarmTopic".to_owned())], "{id} notifies the alarm topic");
    }
    assert_eq!(resources(&template, "AWS::CloudWatch::Dashboard").len(), 1, "one operations dashboard");
}

#[test]
fn the_dashboard_shows_every_metric_the_functions_count() {
    let template = template();
    let dashboards = resources(&template, "AWS::CloudWatch::Dashboard");
    let body = dashboards.values().next().expect("a dashboard")["Properties"]["DashboardBody"].clone();
    let body = match body {
        Value::Tagged(tagged) => tagged.value.as_str().map(str::to_owned),
        other => other.as_str().map(str::to_owned),
    }
    .expect("a dashboard body");
    let body: serde_json::Value =
        serde_json::from_str(&body.replace("${AWS::Region}", "eu-north-1")).expect("the body is JSON");
    // Each metric row: namespace (or "." for the one before), name, then dimension name and value pairs.
    let mut shown = BTreeSet::new();
    for widget in body["widgets"].as_array().into_iter().flatten() {
        let mut namespace = String::new();
        for row in widget["properties"]["metrics"].as_array().into_iter().flatten() {
            let row: Vec<&str> = row.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            if let [first, name, dimensions @ ..] = row.as_slice() {
                if *first != "." {
                    namespace = (*first).to_owned();
                }
                let service = dimensions.chunks(2).find(|pair| pair[0] == "Service").and_then(|pair| pair.get(1));
                shown.insert((namespace.clone(), (*name).to_owned(), service.map(|s| (*s).to_owned())));
            }
        }
    }
    let missing: Vec<_> = orders_aws::metrics::ALL
        .iter()
        .filter(|m| {
            !shown.contains(&(orders_aws::metrics::NAMESPACE.to_owned(), m.name.to_owned(), Some(m.service.to_owned())))
        })
        .collect();
    assert!(missing.is_empty(), "counted but not on the dashboard: {missing:?}");
}

/// Whether an IAM value (an action or a resource) is a wildcard that grants all: `*`, `service:*`.
fn is_wildcard(value: &Value) -> bool {
    value.as_str().is_some_and(|v| v == "*" || (v.ends_with(":*") && !v.starts_with("arn:")))
}

#[test]
fn every_function_has_its_own_role_granting_no_wildcard() {
    let template = template();
    let roles = resources(&template, "AWS::IAM::Role");
    for (id, function) in resources(&template, "AWS::Serverless::Function") {
        let role =
            role_of(function).unwrap_or_else(|| panic!("{id} has no Role of its own: SAM would add managed policies"));
        assert!(roles.contains_key(&role), "{id}: its role {role} is a role of this template");
        assert!(function["Properties"]["Policies"].is_null(), "{id}: its permissions are on its role");
    }
    for (id, role) in &roles {
        assert!(role["Properties"]["ManagedPolicyArns"].is_null(), "{id} has managed policies");
        let statements = role_statements(role);
        assert!(!statements.is_empty(), "{id} grants something");
        for statement in statements {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{id}: {statement:?}");
            for action in strings(&statement["Action"]) {
                assert!(!is_wildcard(action), "{id}: action {action:?} is a wildcard");
            }
            let resources = strings(&statement["Resource"]);
            assert!(!resources.iter().any(|r| r.is_null()), "{id}: {statement:?} names its resources");
            for resource in resources {
                assert!(!is_wildcard(resource), "{id}: resource {resource:?} is a wildcard");
            }
        }
    }
}

#[test]
fn only_the_back_office_writes_api_keys_and_tenant_settings() {
    let template = template();
    let writes = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];
    for (id, function) in resources(&template, "AWS::Serverless::Function") {
        assert!(role_of(function).is_some(), "{id}: a role of its own, whose writes are checked here");
        for statement in statements(&template, function) {
            let actions = strings(&statement["Action"]);
            if !actions.iter().any(|a| a.as_str().is_some_and(|a| writes.contains(&a))) {
                continue;
            }
            let leading: Vec<&str> =
                strings(&statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
                    .into_iter()
                    .filter_map(Value::as_str)
                    .collect();
            // The back office also puts a tenant's settings item (`PUT /v1/settings`), with a statement of its own
            // that allows nothing but that put.
            let settings_put = id == "BackofficeFunction"
                && leading == ["T#*"]
                && actions.iter().filter_map(|a| a.as_str()).collect::<Vec<_>>() == ["dynamodb:PutItem"];
            let allowed: &[&str] = if id == "BackofficeFunction" { &["T#*#*", "KEY#*"] } else { &["T#*#*"] };
            // Or fewer of a tenant's partitions than all (the webhook functions: `T#*#WHE`, `T#*#WHE#*`).
            let narrower = id != "BackofficeFunction"
                && !leading.is_empty()
                && leading.iter().all(|p| p.strip_prefix("T#*#").is_some_and(|rest| !rest.is_empty() && rest != "*"));
            assert!(
                settings_put || leading == allowed || narrower,
                "{id}: DynamoDB writes only to the partitions it owns: {statement:?}"
            );
        }
    }
}

#[test]
fn every_email_goes_through_the_configuration_set_whose_bounces_and_complaints_reach_the_feedback_function() {
    let template = template();
    // Every function that emails sends through the configuration set (and may: its role names it).
    let senders: Vec<(String, &Value)> = resources(&template, "AWS::Serverless::Function")
        .into_iter()
        .filter(|(_, f)| f["Properties"]["Environment"]["Variables"].get("SENDER_EMAIL").is_some())
        .collect();
    assert!(senders.len() >= 5);
    for (id, function) in &senders {
        let set = &function["Properties"]["Environment"]["Variables"]["MAIL_CONFIGURATION_SET"];
        assert_eq!(reference(set).as_deref(), Some("MailConfigurationSet"), "{id} sends outside the configuration set");
        let role = role_of(function).expect("role");
        let grants = serde_norway::to_string(&template["Resources"][role.as_str()]).expect("YAML");
        assert!(
            grants.contains("configuration-set/${MailConfigurationSet}"),
            "{role} may not use the configuration set"
        );
    }
    // The configuration set reports bounces and complaints to the topic; SES may publish there, and only SES.
    let destination =
        &resources(&template, "AWS::SES::ConfigurationSetEventDestination")["MailFeedbackEvents"]["Properties"];
    assert_eq!(reference(&destination["ConfigurationSetName"]).as_deref(), Some("MailConfigurationSet"));
    let events: BTreeSet<&str> = destination["EventDestination"]["MatchingEventTypes"]
        .as_sequence()
        .expect("event types")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(events, BTreeSet::from(["bounce", "complaint"]));
    assert_eq!(
        reference(&destination["EventDestination"]["SnsDestination"]["TopicARN"]).as_deref(),
        Some("MailFeedbackTopic")
    );
    let topic_policy = &resources(&template, "AWS::SNS::TopicPolicy")["MailFeedbackTopicPolicy"]["Properties"];
    let statement = &topic_policy["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Principal"]["Service"].as_str(), Some("ses.amazonaws.com"));
    // The topic hands SES's event itself (raw) to the queue the feedback function reads; only the topic may send.
    let subscription = &resources(&template, "AWS::SNS::Subscription")["MailFeedbackSubscription"]["Properties"];
    assert_eq!(reference(&subscription["TopicArn"]).as_deref(), Some("MailFeedbackTopic"));
    assert_eq!(
        (subscription["Protocol"].as_str(), subscription["RawMessageDelivery"].as_bool()),
        (Some("sqs"), Some(true))
    );
    let queue_policy = &resources(&template, "AWS::SQS::QueuePolicy")["MailFeedbackQueuePolicy"]["Properties"];
    let statement = &queue_policy["PolicyDocument"]["Statement"][0];
    assert_eq!(statement["Principal"]["Service"].as_str(), Some("sns.amazonaws.com"));
    assert_eq!(reference(&statement["Condition"]["ArnEquals"]["aws:SourceArn"]).as_deref(), Some("MailFeedbackTopic"));
    let consumer =
        &resources(&template, "AWS::Serverless::Function")["FeedbackFunction"]["Properties"]["Events"]["MailFeedback"];
    assert_eq!(consumer["Type"].as_str(), Some("SQS"));
    let queue = serde_norway::to_string(&consumer["Properties"]["Queue"]).expect("YAML");
    assert!(queue.contains("MailFeedbackQueue.Arn"), "{queue}");
}
