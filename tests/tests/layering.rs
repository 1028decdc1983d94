//! The floors of docs/architecture.md, checked on the workspace as `cargo metadata` sees it: no function crate
//! depends on another function crate (shared orchestration lives in `orders-app`), the AWS adapters do not
//! depend on the email content (`orders-mail`), the domain depends on no other crate of the project, and no
//! crate of `shared/` depends on a function or on the development tools.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Each workspace package: (its folder relative to the workspace, the project crates it depends on — normal
/// and build dependencies, not dev-dependencies).
fn project_graph() -> BTreeMap<String, (String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    let root = metadata["workspace_root"].as_str().expect("workspace root").to_owned();
    let packages = metadata["packages"].as_array().expect("packages");
    let names: Vec<String> = packages.iter().filter_map(|p| p["name"].as_str().map(str::to_owned)).collect();
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().expect("name").to_owned();
            let manifest = package["manifest_path"].as_str().expect("manifest path");
            let folder = manifest
                .strip_prefix(&root)
                .unwrap_or(manifest)
                .trim_start_matches('/')
                .trim_end_matches("/Cargo.toml")
                .to_owned();
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.iter().any(|n| n == d))
                .map(str::to_owned)
                .collect();
            (name, (folder, dependencies))
        })
        .collect()
}

fn folder_of<'a>(graph: &'a BTreeMap<String, (String, Vec<String>)>, name: &str) -> &'a str {
    graph.get(name).map(|(folder, _)| folder.as_str()).unwrap_or_default()
}

#[test]
fn function_crates_depend_on_no_other_function() {
    let graph = project_graph();
    let functions: Vec<&String> =
        graph.iter().filter(|(_, (f, _))| f.starts_with("functions/")).map(|(n, _)| n).collect();
    assert!(functions.len() >= 12, "the functions are found: {functions:?}");
    let mut wrong = Vec::new();
    for name in &functions {
        for dependency in &graph[*name].1 {
            if folder_of(&graph, dependency).starts_with("functions/") {
                wrong.push(format!("{name} -> {dependency}"));
            }
        }
    }
    assert!(wrong.is_empty(), "function crates import functions: {wrong:?}");
}

#[test]
fn shared_crates_keep_their_floor() {
    let graph = project_graph();
    let depends = |name: &str, on: &str| graph.get(name).is_some_and(|(_, deps)| deps.iter().any(|d| d == on));
    assert!(graph.contains_key("orders-aws") && graph.contains_key("orders-mail"), "the crates are found");
    assert!(!depends("orders-aws", "orders-mail"), "the AWS adapters choose no email content");
    assert!(!depends("orders-aws", "orders-app"), "the adapters call no use case");
    let domain = &graph["orders-domain"].1;
    assert!(domain.is_empty(), "the domain depends on no project crate: {domain:?}");
    let mut wrong = Vec::new();
    for (name, (folder, deps)) in &graph {
        if !folder.starts_with("shared/") {
            continue;
        }
        for dependency in deps {
            let target = folder_of(&graph, dependency);
            if target.starts_with("functions/") || target.starts_with("tools/") {
                wrong.push(format!("{name} -> {dependency}"));
            }
        }
    }
    assert!(wrong.is_empty(), "shared crates depend on functions or tools: {wrong:?}");
}
