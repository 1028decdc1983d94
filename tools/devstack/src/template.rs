//! Reads infra/template.yaml: resources, parameters, function environments and HTTP routes, resolving the
//! intrinsic functions the template uses (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, short or long form).
//!
//! This is the only place the local stack learns what exists; nothing is listed twice.
//!
//! Resolving intrinsics lives in `template_intrinsics.rs`, what the functions declare (event sources, schedules,
//! routes, layers) in `template_functions.rs`; both add methods to [`Template`], and the free items of the latter
//! are re-exported here.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_norway::Value;

pub use crate::template_functions::{daily_cron, rate_seconds, StreamEventSource, DEFAULT_ROUTE};

/// The account id moto uses.
pub const LOCAL_ACCOUNT_ID: &str = "123456789012";

/// Something in the template cannot be used locally.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read or parsed.
    #[error("cannot read {path}: {detail}")]
    Read {
        /// Path.
        path: String,
        /// Why.
        detail: String,
    },
    /// The template's shape is not what we expect.
    #[error("template: {0}")]
    Shape(String),
    /// A reference names something not yet provisioned (provisioning retries later).
    #[error("{0} is not provisioned yet")]
    Pending(String),
}

/// One resource of the template.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Logical id.
    pub logical_id: String,
    /// CloudFormation type (`AWS::SQS::Queue`).
    pub resource_type: String,
    /// Raw properties (intrinsics unresolved).
    pub properties: Value,
}

/// What a provisioned resource answers to `Ref` and `Fn::GetAtt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Physical {
    /// Value of `Ref`.
    pub reference: String,
    /// Values of `Fn::GetAtt` by attribute name (`Arn`, `QueueUrl`, …).
    pub attributes: BTreeMap<String, String>,
}

/// An HTTP API route of a function (`POST /v1/orders`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Upper-case method, or `ANY`.
    pub method: String,
    /// Path template (`/v1/orders/{id}`).
    pub path: String,
    /// Function logical id.
    pub function: String,
}

/// The parsed template with the values that resolve its intrinsics.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) root: Value,
    /// Stack name (`AWS::StackName`).
    pub stack_name: String,
    /// Region (`AWS::Region`).
    pub region: String,
    pub(crate) parameters: HashMap<String, String>,
    pub(crate) physical: HashMap<String, Physical>,
}

impl Template {
    /// Loads `path` for a stack named `stack_name` in `region`, with parameter overrides.
    pub fn load(
        path: &Path,
        stack_name: &str,
        region: &str,
        overrides: &HashMap<String, String>,
    ) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TemplateError::Read { path: path.display().to_string(), detail: e.to_string() })?;
        Self::parse(&text, stack_name, region, overrides)
            .map_err(|e| TemplateError::Read { path: path.display().to_string(), detail: e.to_string() })
    }

    /// Parses template text.
    pub fn parse(
        text: &str,
        stack_name: &str,
        region: &str,
        overrides: &HashMap<String, String>,
    ) -> Result<Self, TemplateError> {
        let root: Value = serde_norway::from_str(text).map_err(|e| TemplateError::Shape(e.to_string()))?;
        let mut parameters = HashMap::new();
        if let Some(params) = root.get("Parameters").and_then(Value::as_mapping) {
            for (name, spec) in params {
                let Some(name) = name.as_str() else { continue };
                let value =
                    overrides.get(name).cloned().or_else(|| spec.get("Default").and_then(scalar_string)).ok_or_else(
                        || TemplateError::Shape(format!("parameter {name} has no default and no local value")),
                    )?;
                parameters.insert(name.to_owned(), value);
            }
        }
        Ok(Self { root, stack_name: stack_name.into(), region: region.into(), parameters, physical: HashMap::new() })
    }

    /// Every resource, in template order.
    pub fn resources(&self) -> Vec<Resource> {
        let Some(resources) = self.root.get("Resources").and_then(Value::as_mapping) else {
            return Vec::new();
        };
        resources
            .iter()
            .filter_map(|(id, body)| {
                Some(Resource {
                    logical_id: id.as_str()?.to_owned(),
                    resource_type: body.get("Type")?.as_str()?.to_owned(),
                    properties: body.get("Properties").cloned().unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// Resources of one type.
    pub fn resources_of(&self, resource_type: &str) -> Vec<Resource> {
        self.resources().into_iter().filter(|r| r.resource_type == resource_type).collect()
    }

    /// Records what a provisioned resource answers to `Ref` / `Fn::GetAtt`.
    pub fn set_physical(&mut self, logical_id: &str, physical: Physical) {
        self.physical.insert(logical_id.to_owned(), physical);
    }

    /// What a provisioned resource answers, if provisioned.
    pub fn physical(&self, logical_id: &str) -> Option<&Physical> {
        self.physical.get(logical_id)
    }

    /// A parameter's value.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).map(String::as_str)
    }
}

/// A scalar as a string (`5` → `"5"`, `true` → `"true"`).
pub fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Converts a resolved YAML value to JSON (for queue attributes such as `RedrivePolicy`).
pub fn to_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Route {
    /// Matches `method` and `path`; returns the path parameters on success.
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if self.method != "ANY" && !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let want: Vec<&str> = self.path.trim_end_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut params = BTreeMap::new();
        for (i, pattern) in want.iter().enumerate() {
            if let Some(name) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
                params.insert(name.to_owned(), got.get(i..)?.join("/"));
                return Some(params);
            }
            let segment = got.get(i)?;
            if let Some(name) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if segment.is_empty() {
                    return None;
                }
                params.insert(name.to_owned(), (*segment).to_owned());
            } else if pattern != segment {
                return None;
            }
        }
        (want.len() == got.len()).then_some(params)
    }

    /// The API Gateway route key (`POST /v1/orders/{id}`, `$default`).
    pub fn key(&self) -> String {
        if self.path == DEFAULT_ROUTE {
            return DEFAULT_ROUTE.to_owned();
        }
        format!("{} {}", self.method, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Parameters:
  Email: { Type: String, Default: a@b.se }
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !Sub "${AWS::StackName}-dlq" }
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-q"
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5 }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { QUEUE: !Ref Queue, SENDER: !Ref Email, JOINED: !Join ["-", [a, !Ref "AWS::Region"]] } }
      Events:
        Get: { Type: HttpApi, Properties: { Method: GET, Path: "/v1/orders/{id}" } }
        Rest: { Type: HttpApi, Properties: { ApiId: api } }
        Work: { Type: SQS, Properties: { Queue: !GetAtt Queue.Arn, BatchSize: 5 } }
        Tick: { Type: Schedule, Properties: { Schedule: rate(2 minutes) } }
        Docs:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 7
            MaximumRetryAttempts: 3
            DestinationConfig: { OnFailure: { Type: SQS, Destination: { "Fn::GetAtt": [Dlq, Arn] } } }
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT"]}'
"#;

    #[test]
    fn intrinsics_resolve_once_their_resources_exist() {
        let mut template = Template::parse(TEMPLATE, "s1", "eu-north-1", &HashMap::new()).expect("parse");
        let queue = template.resources_of("AWS::SQS::Queue").remove(1);
        assert!(matches!(template.resolve(&queue.properties), Err(TemplateError::Pending(_))));
        template.set_physical(
            "Dlq",
            Physical { reference: "u".into(), attributes: BTreeMap::from([("Arn".to_owned(), "arn:dlq".to_owned())]) },
        );
        let props = template.resolve(&queue.properties).expect("resolved");
        assert_eq!(to_json(&props)["RedrivePolicy"]["deadLetterTargetArn"], "arn:dlq");
        assert_eq!(template.string_property(&queue, "QueueName").expect("name").as_deref(), Some("s1-q"));
        template.set_physical("Queue", Physical { reference: "http://q".into(), attributes: BTreeMap::new() });
        let env = template.function_environment("Fn").expect("env");
        assert_eq!(env["QUEUE"], "http://q");
        assert_eq!(env["SENDER"], "a@b.se");
        assert_eq!(env["JOINED"], "a-eu-north-1");
    }

    #[test]
    fn event_sources_and_schedules_are_read_from_the_functions() {
        let template = Template::parse(TEMPLATE, "s1", "eu-north-1", &HashMap::new()).expect("parse");
        assert_eq!(template.sqs_event_sources(), vec![("Fn".to_owned(), "Queue".to_owned(), 5)]);
        assert_eq!(template.schedules(), vec![("Fn".to_owned(), "rate(2 minutes)".to_owned())]);
        assert_eq!(
            template.stream_event_sources(),
            vec![StreamEventSource {
                function: "Fn".into(),
                table: "Table".into(),
                batch_size: 7,
                trim_horizon: true,
                maximum_retry_attempts: Some(3),
                on_failure: Some("Dlq".into()),
                filters: vec![serde_json::json!({"eventName": ["INSERT"]})],
            }]
        );
        assert_eq!(rate_seconds("rate(2 minutes)"), Some(120));
        assert_eq!(rate_seconds("rate(1 minute)"), Some(60));
        assert_eq!(rate_seconds("cron(0 5 * * ? *)"), None);
        assert_eq!(daily_cron("cron(0 5 * * ? *)"), Some((5, 0)));
        assert_eq!(daily_cron("cron(30 23 * * ? *)"), Some((23, 30)));
        assert_eq!(daily_cron("cron(0 5 ? * MON *)"), None);
        assert_eq!(daily_cron("rate(1 day)"), None);
    }

    #[test]
    fn routes_match_with_path_parameters() {
        let template = Template::parse(TEMPLATE, "s1", "eu-north-1", &HashMap::new()).expect("parse");
        let routes = template.http_routes();
        assert_eq!(routes.len(), 1);
        let params = routes[0].matches("GET", "/v1/orders/ord_1").expect("match");
        assert_eq!(params["id"], "ord_1");
        assert!(routes[0].matches("POST", "/v1/orders/ord_1").is_none());
        assert!(routes[0].matches("GET", "/v1/orders").is_none());
        assert!(routes[0].matches("GET", "/v1/orders/a/b").is_none());
        assert_eq!(routes[0].key(), "GET /v1/orders/{id}");
        let default = template.default_route().expect("the event without Path and Method");
        assert_eq!((default.key(), default.function.as_str()), ("$default".to_owned(), "Fn"));
    }
}
