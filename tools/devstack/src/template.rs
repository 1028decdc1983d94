//! Reads infra/template.yaml: resources, parameters, function environments and HTTP routes, resolving the
//! intrinsic functions the template uses (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, short or long form).
//!
//! This is the only place the local stack learns what exists; nothing is listed twice.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_norway::Value;

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
    root: Value,
    /// Stack name (`AWS::StackName`).
    pub stack_name: String,
    /// Region (`AWS::Region`).
    pub region: String,
    parameters: HashMap<String, String>,
    physical: HashMap<String, Physical>,
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

    fn reference(&self, name: &str) -> Result<String, TemplateError> {
        match name {
            "AWS::StackName" => return Ok(self.stack_name.clone()),
            "AWS::Region" => return Ok(self.region.clone()),
            "AWS::AccountId" => return Ok(LOCAL_ACCOUNT_ID.into()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            "AWS::Partition" => return Ok("aws".into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        if let Some(physical) = self.physical.get(name) {
            return Ok(physical.reference.clone());
        }
        if self.resources().iter().any(|r| r.logical_id == name) {
            return Err(TemplateError::Pending(name.to_owned()));
        }
        Err(TemplateError::Shape(format!("Ref to unknown name {name}")))
    }

    fn attribute(&self, logical_id: &str, attribute: &str) -> Result<String, TemplateError> {
        match self.physical.get(logical_id) {
            Some(physical) => physical
                .attributes
                .get(attribute)
                .cloned()
                .ok_or_else(|| TemplateError::Shape(format!("{logical_id} has no attribute {attribute} locally"))),
            None if self.resources().iter().any(|r| r.logical_id == logical_id) => {
                Err(TemplateError::Pending(format!("{logical_id}.{attribute}")))
            }
            None => Err(TemplateError::Shape(format!("GetAtt of unknown resource {logical_id}"))),
        }
    }

    fn substitute(&self, text: &str, vars: &HashMap<String, String>) -> Result<String, TemplateError> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| TemplateError::Shape(format!("unclosed ${{ in {text:?}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = vars.get(name) {
                out.push_str(value);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Resolves every intrinsic function inside `value`.
    pub fn resolve(&self, value: &Value) -> Result<Value, TemplateError> {
        match value {
            Value::Tagged(tagged) => {
                let tag = tagged.tag.to_string();
                let name = tag.trim_start_matches('!');
                let long = if name == "Ref" || name == "Condition" { name.to_owned() } else { format!("Fn::{name}") };
                self.intrinsic(&long, &tagged.value)
            }
            Value::Mapping(map) if map.len() == 1 => match map.iter().next() {
                Some((key, inner)) if key.as_str().is_some_and(|k| k == "Ref" || k.starts_with("Fn::")) => {
                    self.intrinsic(key.as_str().unwrap_or_default(), inner)
                }
                _ => self.resolve_mapping(map),
            },
            Value::Mapping(map) => self.resolve_mapping(map),
            Value::Sequence(items) => {
                Ok(Value::Sequence(items.iter().map(|v| self.resolve(v)).collect::<Result<_, _>>()?))
            }
            other => Ok(other.clone()),
        }
    }

    fn resolve_mapping(&self, map: &serde_norway::Mapping) -> Result<Value, TemplateError> {
        let mut out = serde_norway::Mapping::new();
        for (k, v) in map {
            out.insert(k.clone(), self.resolve(v)?);
        }
        Ok(Value::Mapping(out))
    }

    fn intrinsic(&self, function: &str, argument: &Value) -> Result<Value, TemplateError> {
        let string = |s: String| Ok(Value::String(s));
        match function {
            "Ref" => string(self.reference(argument.as_str().unwrap_or_default())?),
            "Fn::GetAtt" => {
                let (resource, attribute) = match argument {
                    Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
                    Value::Sequence(items) if items.len() == 2 => Some((
                        scalar_string(&items[0]).unwrap_or_default(),
                        scalar_string(&items[1]).unwrap_or_default(),
                    )),
                    _ => None,
                }
                .ok_or_else(|| TemplateError::Shape(format!("bad Fn::GetAtt {argument:?}")))?;
                string(self.attribute(&resource, &attribute)?)
            }
            "Fn::Sub" => match argument {
                Value::String(text) => string(self.substitute(text, &HashMap::new())?),
                Value::Sequence(items) if items.len() == 2 => {
                    let text = items[0].as_str().unwrap_or_default();
                    let mut vars = HashMap::new();
                    if let Some(map) = items[1].as_mapping() {
                        for (k, v) in map {
                            let resolved = self.resolve(v)?;
                            vars.insert(
                                k.as_str().unwrap_or_default().to_owned(),
                                scalar_string(&resolved).unwrap_or_default(),
                            );
                        }
                    }
                    string(self.substitute(text, &vars)?)
                }
                _ => Err(TemplateError::Shape(format!("bad Fn::Sub {argument:?}"))),
            },
            "Fn::Join" => {
                let items = argument
                    .as_sequence()
                    .filter(|s| s.len() == 2)
                    .ok_or_else(|| TemplateError::Shape("bad Fn::Join".into()))?;
                let separator = items[0].as_str().unwrap_or_default();
                let parts = self.resolve(&items[1])?;
                let parts: Vec<String> =
                    parts.as_sequence().map(|s| s.iter().filter_map(scalar_string).collect()).unwrap_or_default();
                string(parts.join(separator))
            }
            other => Err(TemplateError::Shape(format!("intrinsic {other} is not supported locally"))),
        }
    }

    /// A resolved string property of a resource (`TableName`, `QueueName`).
    pub fn string_property(&self, resource: &Resource, name: &str) -> Result<Option<String>, TemplateError> {
        match resource.properties.get(name) {
            None => Ok(None),
            Some(value) => Ok(scalar_string(&self.resolve(value)?)),
        }
    }

    /// The environment of a function: `Globals.Function.Environment.Variables` overlaid by its own, resolved.
    pub fn function_environment(&self, function: &str) -> Result<BTreeMap<String, String>, TemplateError> {
        let mut env = BTreeMap::new();
        let global = self.root.get("Globals").and_then(|g| g.get("Function"));
        let own = self
            .resources()
            .into_iter()
            .find(|r| r.logical_id == function)
            .ok_or_else(|| TemplateError::Shape(format!("no function {function}")))?;
        for source in [global, Some(&own.properties)].into_iter().flatten() {
            if let Some(vars) = source.get("Environment").and_then(|e| e.get("Variables")).and_then(Value::as_mapping) {
                for (k, v) in vars {
                    let resolved = self.resolve(v)?;
                    env.insert(k.as_str().unwrap_or_default().to_owned(), scalar_string(&resolved).unwrap_or_default());
                }
            }
        }
        Ok(env)
    }

    /// The `ContentUri` directories (relative to the template) of the layers a function uses (`Layers:` entries
    /// that `Ref` an `AWS::Serverless::LayerVersion` of the template); Lambda mounts them under `/opt`.
    pub fn function_layer_dirs(&self, function: &str) -> Vec<String> {
        let resources = self.resources();
        let Some(own) = resources.iter().find(|r| r.logical_id == function) else { return Vec::new() };
        let layers = own.properties.get("Layers").and_then(Value::as_sequence).cloned().unwrap_or_default();
        layers
            .iter()
            .filter_map(|layer| match layer {
                Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "Ref" => {
                    tagged.value.as_str().map(str::to_owned)
                }
                Value::Mapping(map) => map.get("Ref").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .filter_map(|name| {
                resources
                    .iter()
                    .find(|r| r.logical_id == name && r.resource_type == "AWS::Serverless::LayerVersion")
                    .and_then(|r| r.properties.get("ContentUri").and_then(Value::as_str).map(str::to_owned))
            })
            .collect()
    }

    /// Every event of type `event_type` (or one of several) of every function: (function logical id, event).
    fn events_of_type<'a>(&self, event_types: &'a [&'a str]) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        for function in self.resources_of("AWS::Serverless::Function") {
            let Some(events) = function.properties.get("Events").and_then(Value::as_mapping) else { continue };
            for event in events.values() {
                if event.get("Type").and_then(Value::as_str).is_some_and(|t| event_types.contains(&t)) {
                    found.push((function.logical_id.clone(), event.clone()));
                }
            }
        }
        found
    }

    /// The SQS event sources of every function: (function, queue logical id, batch size).
    pub fn sqs_event_sources(&self) -> Vec<(String, String, i32)> {
        self.events_of_type(&["SQS"])
            .into_iter()
            .filter_map(|(function, event)| {
                let props = event.get("Properties")?;
                let queue = props.get("Queue").and_then(getatt_logical_id)?;
                let batch = props.get("BatchSize").and_then(Value::as_i64).unwrap_or(10);
                Some((function, queue, i32::try_from(batch).unwrap_or(10)))
            })
            .collect()
    }

    /// The DynamoDB stream event sources of every function.
    pub fn stream_event_sources(&self) -> Vec<StreamEventSource> {
        self.events_of_type(&["DynamoDB"])
            .into_iter()
            .filter_map(|(function, event)| {
                let props = event.get("Properties")?;
                let table = props.get("Stream").and_then(getatt_logical_id)?;
                let filters = props
                    .get("FilterCriteria")
                    .and_then(|c| c.get("Filters"))
                    .and_then(Value::as_sequence)
                    .map(|filters| {
                        filters
                            .iter()
                            .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
                            .filter_map(|p| serde_json::from_str(p).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                Some(StreamEventSource {
                    function,
                    table,
                    batch_size: props
                        .get("BatchSize")
                        .and_then(Value::as_i64)
                        .and_then(|b| i32::try_from(b).ok())
                        .unwrap_or(100),
                    trim_horizon: props.get("StartingPosition").and_then(Value::as_str) == Some("TRIM_HORIZON"),
                    maximum_retry_attempts: props
                        .get("MaximumRetryAttempts")
                        .and_then(Value::as_u64)
                        .and_then(|n| u32::try_from(n).ok()),
                    on_failure: props
                        .get("DestinationConfig")
                        .and_then(|d| d.get("OnFailure"))
                        .and_then(|d| d.get("Destination"))
                        .and_then(getatt_logical_id),
                    filters,
                })
            })
            .collect()
    }

    /// The schedules of every function: (function, schedule expression such as `rate(1 minute)`).
    pub fn schedules(&self) -> Vec<(String, String)> {
        self.events_of_type(&["Schedule", "ScheduleV2"])
            .into_iter()
            .filter_map(|(function, event)| {
                let props = event.get("Properties")?;
                let expression = props.get("Schedule").or_else(|| props.get("ScheduleExpression"))?.as_str()?;
                Some((function, expression.to_owned()))
            })
            .collect()
    }

    /// The HTTP API routes of every function (`Events` of type `HttpApi`).
    pub fn http_routes(&self) -> Vec<Route> {
        self.events_of_type(&["HttpApi"])
            .into_iter()
            .map(|(function, event)| {
                let props = event.get("Properties");
                let method = props.and_then(|p| p.get("Method")).and_then(Value::as_str).unwrap_or("ANY");
                let path = props.and_then(|p| p.get("Path")).and_then(Value::as_str).unwrap_or("/{proxy+}");
                Route { method: method.to_ascii_uppercase(), path: path.to_owned(), function }
            })
            .collect()
    }
}

/// A function's DynamoDB stream event source (`Events` of type `DynamoDB`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEventSource {
    /// The function's logical id.
    pub function: String,
    /// The logical id of the table whose stream it reads.
    pub table: String,
    /// Records per batch.
    pub batch_size: i32,
    /// `StartingPosition: TRIM_HORIZON` (else `LATEST`).
    pub trim_horizon: bool,
    /// Retries of a failing batch before it is given up (`None`: until the records expire).
    pub maximum_retry_attempts: Option<u32>,
    /// Logical id of the queue told about a batch given up.
    pub on_failure: Option<String>,
    /// `FilterCriteria` patterns; a record is delivered when one matches (or when there are none).
    pub filters: Vec<serde_json::Value>,
}

/// The logical id in `!GetAtt Id.Attribute` (short or long form).
fn getatt_logical_id(value: &Value) -> Option<String> {
    let text = match value {
        Value::Tagged(tagged) => tagged.value.as_str().map(str::to_owned),
        Value::Mapping(map) => map.get("Fn::GetAtt").and_then(|v| {
            v.as_sequence().and_then(|s| s.first()).and_then(Value::as_str).or_else(|| v.as_str()).map(str::to_owned)
        }),
        _ => None,
    }?;
    Some(text.split('.').next().unwrap_or_default().to_owned())
}

/// The (hour, minute) UTC of a daily cron expression (`cron(0 5 * * ? *)`); `None` for anything else.
pub fn daily_cron(expression: &str) -> Option<(u8, u8)> {
    let fields: Vec<&str> = expression.strip_prefix("cron(")?.strip_suffix(')')?.split_whitespace().collect();
    match fields.as_slice() {
        [minute, hour, "*", "*", "?", "*"] => {
            let (minute, hour) = (minute.parse::<u8>().ok()?, hour.parse::<u8>().ok()?);
            (minute < 60 && hour < 24).then_some((hour, minute))
        }
        _ => None,
    }
}

/// Seconds between runs of a `rate(N unit)` schedule expression; `None` for cron expressions.
pub fn rate_seconds(expression: &str) -> Option<u64> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (count, unit) = inner.trim().split_once(' ')?;
    let count: u64 = count.parse().ok()?;
    let unit_seconds = match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        _ => return None,
    };
    Some(count * unit_seconds)
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

    /// The API Gateway route key (`POST /v1/orders/{id}`).
    pub fn key(&self) -> String {
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
    }
}
