//! Resolving the intrinsic functions of the template (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, short or long
//! form) and the values built from them: resolved properties and function environments.

use std::collections::{BTreeMap, HashMap};

use serde_norway::Value;

use crate::template::{scalar_string, Resource, Template, TemplateError, LOCAL_ACCOUNT_ID};

impl Template {
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
}
