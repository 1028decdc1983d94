//! Conformance checks: responses against openapi.yaml and UBL documents against the Peppol rules.

use serde_json::Value;

use crate::unique;

/// A check whose tool is missing: under `CI=true` the test fails (a check that cannot run never passes there);
/// elsewhere it is said on stderr and the check is left out.
pub fn cannot_run(what: &str) {
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{what}; under CI=true a check that cannot run fails");
    }
    eprintln!("SKIPPED {what}");
}

/// The Peppol kit: `$PEPPOL_KIT_DIR`, else `../shared/peppol` next to the project.
pub fn peppol_kit_dir() -> std::path::PathBuf {
    std::env::var_os("PEPPOL_KIT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| devstack::stack::project_root().join("../shared/peppol"))
}

/// Validates UBL documents with the Peppol kit (`$PEPPOL_KIT_DIR`, else `../shared/peppol` next to the project) in
/// one call: one JSON result per file, or `None` (said on stderr) when the kit is not there — a failure under
/// `CI=true` ([`cannot_run`]).
pub fn validate_peppol(documents: &[(String, String)]) -> Option<Vec<Value>> {
    let kit = peppol_kit_dir();
    if !kit.join("validate.py").is_file() {
        cannot_run(&format!("Peppol validation: no kit at $PEPPOL_KIT_DIR or {}", kit.display()));
        return None;
    }
    let dir = std::env::temp_dir().join(unique("peppol-"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let paths: Vec<std::path::PathBuf> = documents
        .iter()
        .map(|(name, xml)| {
            let path = dir.join(format!("{name}.xml"));
            std::fs::write(&path, xml).expect("write document");
            path
        })
        .collect();
    let output = std::process::Command::new("python3")
        .arg(kit.join("validate.py"))
        .arg("--json")
        .args(&paths)
        .output()
        .expect("python3 runs the validator");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let results: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("validator output ({e}): {stdout} {}", String::from_utf8_lossy(&output.stderr)));
    let _ = std::fs::remove_dir_all(&dir);
    Some(results)
}

// ---- openapi.yaml conformance (used by the spec test and the tests of each API)

/// openapi.yaml as JSON.
pub fn openapi_spec() -> Value {
    let text = std::fs::read_to_string(devstack::stack::project_root().join("openapi.yaml")).expect("openapi.yaml");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("yaml");
    serde_json::to_value(yaml).expect("json")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec, spec.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}")))
        }
        None => schema,
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    let one = |t: &str| match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => true,
    };
    match expected {
        Value::String(t) => one(t),
        Value::Array(types) => types.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

/// Every way `value` departs from `schema`: wrong types, missing required or undocumented fields, values outside enums.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged_props = serde_json::Map::new();
        for part in all {
            let part = resolve(spec, part);
            check(
                spec,
                &serde_json::json!({ "required": part.get("required").cloned().unwrap_or(serde_json::json!([])) }),
                value,
                at,
                problems,
            );
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                merged_props.extend(props.clone());
            }
        }
        check(spec, &serde_json::json!({ "type": "object", "properties": merged_props }), value, at, problems);
        return;
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|o| {
            let mut p = Vec::new();
            check(spec, o, value, at, &mut p);
            p.is_empty()
        });
        if !fits {
            problems.push(format!("{at}: fits none of oneOf"));
        }
        return;
    }
    if let Some(expected) = schema.get("type") {
        if !type_matches(expected, value) {
            problems.push(format!("{at}: {value} is not of type {expected}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                problems.push(format!("{at}: required {required} missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, item) in object {
                match properties.get(key) {
                    Some(property) => check(spec, property, item, &format!("{at}/{key}"), problems),
                    None => problems.push(format!("{at}/{key}: not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, item) in values.iter().enumerate() {
            check(spec, items, item, &format!("{at}/{i}"), problems);
        }
    }
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: u16) -> &'a Value {
    let response = resolve(spec, &spec["paths"][path][method]["responses"][status.to_string()]);
    let content = &response["content"];
    let media = content.get("application/json").or_else(|| content.get("application/problem+json")).expect("content");
    &media["schema"]
}

/// Asserts that `body` is what the spec documents for `method path` answering `status`.
pub fn assert_conforms(spec: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let mut problems = Vec::new();
    check(spec, response_schema(spec, path, method, status), body, "", &mut problems);
    assert!(problems.is_empty(), "{method} {path} {status}: {problems:#?}");
}
