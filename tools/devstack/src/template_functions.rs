//! What the template says of its functions besides their environments: layers, SQS and DynamoDB stream event
//! sources, schedules and HTTP routes.

use serde_norway::Value;

use crate::template::{Route, Template};

impl Template {
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

    /// The HTTP API routes of every function (`Events` of type `HttpApi` with a `Path`), without the `$default`
    /// route ([`Template::default_route`]).
    pub fn http_routes(&self) -> Vec<Route> {
        self.events_of_type(&["HttpApi"])
            .into_iter()
            .filter_map(|(function, event)| {
                let props = event.get("Properties");
                let method = props.and_then(|p| p.get("Method")).and_then(Value::as_str);
                let path = props.and_then(|p| p.get("Path")).and_then(Value::as_str);
                if is_default_route(path, method) {
                    return None;
                }
                let method = method.unwrap_or("ANY").to_ascii_uppercase();
                Some(Route { method, path: path.unwrap_or("/").to_owned(), function })
            })
            .collect()
    }

    /// The function of the HTTP API's `$default` route, which takes every request no other route does: an
    /// `HttpApi` event with neither `Path` nor `Method` (SAM makes it the `$default` route), or `Path: $default`.
    pub fn default_route(&self) -> Option<Route> {
        self.events_of_type(&["HttpApi"]).into_iter().find_map(|(function, event)| {
            let props = event.get("Properties");
            let method = props.and_then(|p| p.get("Method")).and_then(Value::as_str);
            let path = props.and_then(|p| p.get("Path")).and_then(Value::as_str);
            is_default_route(path, method).then(|| Route { method: "ANY".into(), path: DEFAULT_ROUTE.into(), function })
        })
    }
}

/// The route key (and SAM `Path`) of the HTTP API's catch-all route.
pub const DEFAULT_ROUTE: &str = "$default";

/// Whether an `HttpApi` event's `Path` and `Method` make it the `$default` route (both left out, as SAM reads it).
fn is_default_route(path: Option<&str>, method: Option<&str>) -> bool {
    path.is_none_or(|path| path == DEFAULT_ROUTE)
        && method.is_none_or(|method| method.eq_ignore_ascii_case("ANY") || method == "x-amazon-apigateway-any-method")
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
