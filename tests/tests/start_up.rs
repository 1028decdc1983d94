//! Decision 0015 (docs/decisions/0015-bootstrap-start-up.md) on the workspace: every function's bootstrap runs a
//! current-thread tokio runtime and is linked by the one shared build script (`functions/build.rs`, `-no-pie`), and
//! nothing the functions run calls `block_in_place`, which panics on a current-thread runtime.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace's packages as `cargo metadata` sees them.
fn packages() -> Vec<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    metadata["packages"].as_array().expect("packages").clone()
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
    let functions: Vec<Value> = packages()
        .into_iter()
        .filter(|p| p["manifest_path"].as_str().is_some_and(|m| m.contains("/functions/")))
        .collect();
    assert!(functions.len() >= 12, "the functions are found: {}", functions.len());
    for package in &functions {
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
