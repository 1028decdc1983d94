//! The floors of docs/architecture.md, checked on the workspace as `cargo metadata` sees it: no function crate
//! depends on another function crate (shared orchestration lives in `orders-app`), the AWS adapters do not
//! depend on the email content (`orders-mail`), the domain depends on no other crate of the project, and no
//! crate of `shared/` depends on a function or on the development tools. And decision 0015
//! (docs/decisions/0015-bootstrap-start-up.md): every function's bootstrap runs a current-thread tokio runtime and
//! is linked by the one shared build script (`functions/build.rs`, `-no-pie`), and nothing the functions run calls
//! `block_in_place`, which panics on a current-thread runtime.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace as `cargo metadata` sees it (its own packages only).
fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("metadata JSON")
}

/// Each workspace package: (its folder relative to the workspace, the project crates it depends on — normal
/// and build dependencies, not dev-dependencies).
fn project_graph() -> BTreeMap<String, (String, Vec<String>)> {
    let metadata = metadata();
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

/// A target of `package` of `kind` (`bin`, `custom-build`): its source file.
fn target_source(package: &Value, kind: &str) -> Option<PathBuf> {
    package["targets"].as_array()?.iter().find_map(|target| {
        let kinds = target["kind"].as_array()?;
        kinds.iter().any(|k| k == kind).then(|| PathBuf::from(target["src_path"].as_str().unwrap_or_default()))
    })
}

#[test]
fn every_function_starts_on_a_current_thread_runtime_and_links_through_the_shared_build_script() {
    let shared_script = workspace_root().join("functions/build.rs").canonicalize().expect("functions/build.rs");
    let metadata = metadata();
    let functions: Vec<&Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| p["manifest_path"].as_str().is_some_and(|m| m.contains("/functions/")))
        .collect();
    assert!(functions.len() >= 12, "the functions are found: {}", functions.len());
    for package in functions {
        let name = package["name"].as_str().unwrap_or_default();
        let script = target_source(package, "custom-build").unwrap_or_else(|| panic!("{name} has no build script"));
        assert_eq!(
            script.canonicalize().ok().as_ref(),
            Some(&shared_script),
            "{name} links through functions/build.rs"
        );
        let main = target_source(package, "bin").unwrap_or_else(|| panic!("{name} has no bootstrap"));
        let source = std::fs::read_to_string(&main).expect("read main.rs");
        assert!(
            source.contains("#[tokio::main(flavor = \"current_thread\")]"),
            "{name}: {} starts a current-thread runtime",
            main.display()
        );
    }
    let script = std::fs::read_to_string(&shared_script).expect("read functions/build.rs");
    assert!(script.contains("cargo:rustc-link-arg-bins=-no-pie"), "{script}");
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn nothing_the_functions_run_blocks_in_place() {
    let mut files = Vec::new();
    for dir in ["functions", "shared"] {
        sources(&workspace_root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "the sources are found: {}", files.len());
    let blocking: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).is_ok_and(|text| text.contains("block_in_place")))
        .map(|f| f.display().to_string())
        .collect();
    assert!(blocking.is_empty(), "block_in_place panics on the functions' current-thread runtime: {blocking:?}");
}
