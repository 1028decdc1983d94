//! The T01 rules intake checks agree with the official schematron (../shared/peppol): every official T01 example
//! passes them, the kit's broken examples are refused for the kit's reason, and for hundreds of mutations of the
//! examples (each basic element removed or its text spoiled, each code and currency attribute spoiled) intake names exactly the rules
//! the kit names — apart from XSD findings (intake checks only that numbers are numbers) and the rules
//! `pending_rules()` lists. All documents go through one
//! validator call. No emulator needed.

use std::collections::BTreeSet;

use orders_domain::peppol_order::{check_rules, pending_rules, Flag};
use orders_testkit::validate_peppol;
use serde_json::Value;

fn examples(dir: &str, prefix: &str) -> Vec<(String, String)> {
    let dir = orders_testkit::peppol_kit_dir().join("examples").join(dir);
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix) && name.ends_with(".xml"))
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(&name)).expect("example");
            (name.trim_end_matches(".xml").to_owned(), text)
        })
        .collect();
    found.sort();
    found
}

fn ours(text: &str) -> BTreeSet<String> {
    match check_rules(text) {
        Ok(findings) => findings.into_iter().filter(|f| f.flag == Flag::Fatal).map(|f| f.rule.to_owned()).collect(),
        Err(_) => BTreeSet::from(["XML-WELLFORMED".to_owned()]),
    }
}

fn kits(result: &Value) -> BTreeSet<String> {
    result["fatal"].as_array().into_iter().flatten().filter_map(|f| f["rule"].as_str()).map(str::to_owned).collect()
}

/// Each simple element (`<cbc:X …>text</cbc:X>`) removed in turn and its text spoiled in turn, and each code-list
/// attribute spoiled in turn.
fn mutations(name: &str, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut n = 0;
    while let Some(start) = text[at..].find("<cbc:").map(|i| i + at) {
        let tag_end = text[start..].find(['>', ' ']).map(|i| i + start).expect("tag");
        let tag = &text[start + 1..tag_end];
        let close = format!("</{tag}>");
        if let Some(end) = text[start..].find(&close).map(|i| i + start + close.len()) {
            n += 1;
            out.push((format!("{name}-drop{n}"), format!("{}{}", &text[..start], &text[end..])));
            let open_end = text[start..].find('>').map(|i| i + start + 1).expect("start tag end");
            let spoiled = format!("{}QQ9{}", &text[..open_end], &text[end - close.len()..]);
            out.push((format!("{name}-text{n}"), spoiled));
        }
        at = start + 1;
    }
    for attribute in ["currencyID=\"", "unitCode=\"", "schemeID=\"", "mimeCode=\"", "listID=\""] {
        let mut at = 0;
        let mut n = 0;
        while let Some(start) = text[at..].find(attribute).map(|i| i + at + attribute.len()) {
            let end = text[start..].find('"').map(|i| i + start).expect("attribute end");
            n += 1;
            let spoiled = format!("{}QQ9{}", &text[..start], &text[end..]);
            out.push((format!("{name}-{}{n}", attribute.trim_end_matches("=\"")), spoiled));
            at = end;
        }
    }
    out
}

#[test]
fn intake_names_the_rules_the_official_schematron_names() {
    let valid = examples("valid", "t01-");
    assert!(valid.len() >= 7, "the kit's T01 examples: {}", valid.len());
    let invalid = examples("invalid", "ord-T01-");
    let mut documents = valid.clone();
    documents.extend(invalid.iter().cloned());
    for (name, text) in &valid {
        documents.extend(mutations(name, text));
    }
    let Some(results) = validate_peppol(&documents) else { return };
    assert_eq!(results.len(), documents.len());
    // A spoiled number stops the schematron (`KIT-SCHEMATRON-ERROR`): the XSD refuses such a document.
    let ignored =
        |rule: &String| rule == "XSD" || rule == "KIT-SCHEMATRON-ERROR" || pending_rules().contains(&rule.as_str());
    let mut disagreements = Vec::new();
    let mut refused = 0;
    for ((name, text), result) in documents.iter().zip(&results) {
        let all = kits(result);
        let kit: BTreeSet<String> = all.iter().filter(|r| !ignored(r)).cloned().collect();
        let mut ours = ours(text);
        // Of the schema intake checks only numbers, without which the schematron cannot run: when it stops, its other
        // findings are not all there, and intake must refuse the number.
        if all.contains("KIT-SCHEMATRON-ERROR") {
            if !ours.contains("XSD") {
                disagreements.push(format!("{name}: the kit cannot read a number, intake took it"));
            }
            continue;
        }
        if ours.remove("XSD") && !all.contains("XSD") {
            disagreements.push(format!("{name}: intake refused a number the schema takes"));
        }
        if !kit.is_empty() {
            refused += 1;
        }
        if kit != ours {
            disagreements.push(format!("{name}: kit {kit:?}, intake {ours:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
    for (name, _) in &valid {
        let result = results.iter().find(|r| r["file"].as_str().is_some_and(|f| f.ends_with(&format!("{name}.xml"))));
        assert_eq!(result.map(|r| r["ok"].clone()), Some(Value::Bool(true)), "{name} is valid to the kit");
    }
    assert!(refused > 200, "the mutations must break rules the kit checks: {refused} of {}", documents.len());
    eprintln!("{} documents, {refused} refused by both for the same rules", documents.len());
}

#[test]
fn the_rule_tables_are_generated_from_the_kits_schematron() {
    let root = devstack::stack::project_root();
    let schematron = orders_testkit::peppol_kit_dir().join("rules/t01/PEPPOLBIS-T01.sch");
    if !schematron.is_file() {
        orders_testkit::cannot_run(&format!("rule tables: no schematron at {}", schematron.display()));
        return;
    }
    let output = std::process::Command::new("python3")
        .arg(root.join("scripts/peppol_t01_rules.py"))
        .arg(&schematron)
        .output()
        .expect("python3 runs the generator");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stored = std::fs::read_to_string(root.join("shared/domain/src/peppol_order/t01_rules.rs")).expect("tables");
    assert!(
        stored == String::from_utf8_lossy(&output.stdout),
        "shared/domain/src/peppol_order/t01_rules.rs differs from what scripts/peppol_t01_rules.py writes: regenerate it"
    );
}
