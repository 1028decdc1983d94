//! Pure business rules of the order pipeline.
//!
//! Nothing in this crate talks to AWS or needs an async runtime: it parses and validates what webshops send
//! ([`intake`]), prices orders exactly with `rust_decimal` ([`pricing`]), and defines the vocabulary every other
//! crate shares ([`ids`], [`money`], [`order`], [`events`]).
//!
//! Modules import each other in one direction only, never in a circle (the `domain_modules_import_no_circle` test
//! checks it). Value types live in leaf modules that import nothing of the crate but other leaves — [`party`],
//! [`money`], [`tax`], [`adjustment`], [`stock`], [`ids`], [`document_kind`], [`country`], [`validation`],
//! [`parsing`], [`signing`], [`lifecycle`] — and the use-case modules (intake, pricing, confirmation, invoicing, …)
//! import them. A type a use-case module shares with another belongs in a leaf, re-exported where it was.

pub mod adjustment;
pub mod admin;
pub mod buyer_link;
pub mod catalogue;
pub mod change;
pub mod code128;
pub mod confirmation;
pub mod country;
pub mod delivery_note;
pub mod despatch;
pub mod document_kind;
pub mod documents;
pub mod events;
pub mod fingerprint;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod ids;
pub mod intake;
pub mod invoice;
pub mod invoice_ubl;
pub mod lifecycle;
pub mod listing;
pub mod mail_feedback;
pub mod money;
pub mod order;
pub mod parsing;
pub mod party;
pub mod peppol_order;
pub mod placing;
pub mod portal;
pub mod pricing;
pub mod quote;
pub mod regroup;
pub mod reports;
pub mod signing;
pub mod standing;
pub mod stock;
pub mod tax;
pub mod tenant;
pub mod ubl;
pub mod validation;
pub mod webhooks;

pub use validation::{FieldError, FieldErrors};

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Every `.rs` file under `dir`: its path relative to `src` (with `/`) and its source.
    fn read_sources(src: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).expect("the source folder is readable");
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                read_sources(src, &path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                files.push((relative, std::fs::read_to_string(&path).expect("the source file is readable")));
            }
        }
    }

    /// The top-level module a file belongs to: `order.rs` → `order`, `invoice/draft.rs` → `invoice`.
    fn top_module(relative: &str) -> &str {
        let first = relative.split('/').next().unwrap_or(relative);
        first.strip_suffix(".rs").unwrap_or(first)
    }

    /// The leading identifier of `text`.
    fn ident(text: &str) -> &str {
        let text = text.trim_start();
        &text[..text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len())]
    }

    /// The names `code` reaches as `crate::<name>`, and as each item of a `crate::{a::X, b::{Y, Z}}` group.
    fn crate_references(code: &str) -> BTreeSet<&str> {
        let mut names = BTreeSet::new();
        for (at, prefix) in code.match_indices("crate::") {
            if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[at + prefix.len()..];
            let Some(group) = rest.strip_prefix('{') else {
                names.insert(ident(rest));
                continue;
            };
            let (mut depth, mut from) = (0usize, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        names.insert(ident(&group[from..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(ident(&group[from..i]));
                        from = i + 1;
                    }
                    _ => {}
                }
            }
        }
        names
    }

    /// Which top-level modules each top-level module names as `crate::<module>`, outside its tests (a file is read
    /// up to its first `#[cfg(test)]`).
    fn import_graph(files: &[(String, String)]) -> BTreeMap<&str, BTreeSet<&str>> {
        let modules: BTreeSet<&str> = files.iter().map(|(path, _)| top_module(path)).collect();
        let mut graph: BTreeMap<&str, BTreeSet<&str>> = modules.iter().map(|m| (*m, BTreeSet::new())).collect();
        for (path, source) in files {
            let module = top_module(path);
            let code = source.find("#[cfg(test)]").map_or(source.as_str(), |at| &source[..at]);
            let imported = crate_references(code).into_iter().filter(|name| *name != module && modules.contains(name));
            graph.entry(module).or_default().extend(imported);
        }
        graph
    }

    /// A circle of imports (`a → b → a`), if there is one: depth-first from each module in name order.
    fn find_circle<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
        fn visit<'a>(
            module: &'a str,
            graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            path: &mut Vec<&'a str>,
            done: &mut BTreeSet<&'a str>,
        ) -> Option<Vec<&'a str>> {
            if let Some(at) = path.iter().position(|m| *m == module) {
                return Some(path[at..].iter().copied().chain([module]).collect());
            }
            if done.contains(module) {
                return None;
            }
            path.push(module);
            for next in graph.get(module).into_iter().flatten() {
                if let Some(circle) = visit(next, graph, path, done) {
                    return Some(circle);
                }
            }
            path.pop();
            done.insert(module);
            None
        }
        let mut done = BTreeSet::new();
        graph.keys().find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
    }

    #[test]
    fn domain_modules_import_no_circle() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        read_sources(&src, &src, &mut files);
        let graph = import_graph(&files);
        assert!(graph.contains_key("order") && graph.contains_key("invoice"), "modules found: {:?}", graph.keys());
        if let Some(circle) = find_circle(&graph) {
            panic!(
                "modules import each other in a circle: {}. Move the type they share into a leaf module (see the \
                 crate documentation) and re-export it where it was.",
                circle.join(" → ")
            );
        }
    }

    #[test]
    fn the_circle_check_reads_grouped_imports_and_skips_tests() {
        let file = |path: &str, source: &str| (path.to_owned(), source.to_owned());
        let mut files = vec![
            file("a.rs", "use crate::b::B;\n#[cfg(test)]\nmod tests { use crate::c::C; }"),
            file("b/mod.rs", "mod inner;"),
            file("b/inner.rs", "use crate::{\n    c::{C, D},\n    money::M,\n};"),
            file("c.rs", "pub struct C;\npub struct D;"),
        ];
        let graph = import_graph(&files);
        assert_eq!(graph["a"], BTreeSet::from(["b"]));
        assert_eq!(graph["b"], BTreeSet::from(["c"]));
        assert_eq!(find_circle(&graph), None);
        files.push(file("c/helpers.rs", "fn f() { crate::a::g() }"));
        assert_eq!(find_circle(&import_graph(&files)), Some(vec!["a", "b", "c", "a"]));
    }
}
