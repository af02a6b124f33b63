//! Machine-readable formats: SARIF 2.1.0 validated against the official JSON schema
//! (tests/data/sarif-schema-2.1.0.json), GitHub workflow commands, JSON for every command.
//! Tests marked TRANSLATOR depend on the translator's findings.

mod cli_support;

use cli_support::*;
use serde_json::Value;

fn sarif_schema() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let mut schema: Value = serde_json::from_str(text).expect("schema is JSON");
    // The published schema's `language` patterns have a stray `]` (not a valid ECMA-262
    // regex), so the meta-schema check would reject the whole schema. The file stays
    // verbatim; those patterns are repaired here. exomig never emits `language`.
    assert!(repair_language_patterns(&mut schema) > 0);
    jsonschema::validator_for(&schema).expect("schema compiles")
}

const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn repair_language_patterns(value: &mut Value) -> usize {
    match value {
        Value::Object(map) => {
            let mut fixed = 0;
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN_LANGUAGE_PATTERN) {
                map.insert("pattern".into(), "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into());
                fixed += 1;
            }
            fixed
                + map
                    .values_mut()
                    .map(repair_language_patterns)
                    .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(repair_language_patterns).sum(),
        _ => 0,
    }
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{log:#}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_rejects_what_it_should() {
    // Guards the validator itself: a test that cannot fail proves nothing.
    let validator = sarif_schema();
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(!validator.is_valid(&serde_json::json!({"version": "9", "runs": []})));
    assert!(validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": []})));
}

#[test]
fn sarif_without_findings_is_valid_and_reports_errors_as_notifications() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let run = run_in(
        dir.path(),
        &["check", "--format", "sarif", ".", "missing.ps1"],
    );
    assert_eq!(run.code, 2);
    let log = json(&run);
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "exomig");
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert_eq!(runs[0]["results"], serde_json::json!([]));
    assert_eq!(driver["rules"], serde_json::json!([]));
    let invocation = &runs[0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "missing.ps1"
    );
}

// TRANSLATOR: results carry rule metadata, 1-based regions and fixes, and stay valid.
#[test]
fn sarif_with_findings_is_valid_and_complete() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "dir with space/legacy.ps1", LEGACY);
    write(dir.path(), "pw.ps1", PLAINTEXT_PASSWORD);
    let run = run_in(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = json(&run);
    assert_valid_sarif(&log);
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run0["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let mut ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "one rules entry per rule");
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "{r}");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap_or("")));
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1));
        assert!(region["startColumn"].as_u64().is_some_and(|c| c >= 1));
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["defaultConfiguration"]["level"].is_string());
    }
    let exo001 = results
        .iter()
        .find(|r| r["ruleId"] == "EXO001")
        .expect("EXO001 result");
    assert_eq!(
        exo001["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/legacy.ps1"
    );
    assert_eq!(
        exo001["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    assert!(
        exo001["fixes"][0]["artifactChanges"][0]["replacements"].is_array(),
        "{exo001}"
    );
    assert!(results.iter().any(|r| r["ruleId"] == "SEC001"));
}

// TRANSLATOR: one workflow command per finding, with the contract's fields.
#[test]
fn github_format_prints_workflow_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy.ps1", LEGACY);
    let run = run_in(dir.path(), &["check", "--format", "github"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            line.starts_with("::warning file=legacy.ps1,line=")
                || line.starts_with("::error file=legacy.ps1,line="),
            "{line}"
        );
        assert!(line.contains(",col="), "{line}");
        assert!(line.contains(",endLine="), "{line}");
        assert!(line.contains(",endColumn="), "{line}");
        assert!(
            line.contains(",title=EXO0") || line.contains(",title=SEC0"),
            "{line}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.contains("line=2,") && l.contains("title=EXO001::")));
}

#[test]
fn github_format_reports_errors_as_error_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(dir.path(), &["check", "--format", "github", "gone,1.ps1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .starts_with("::error file=gone%2C1.ps1,title=exomig::gone,1.ps1: "),
        "{}",
        run.stdout
    );
}

#[test]
fn json_is_available_for_diff_and_fix_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    for command in ["diff", "fix"] {
        let run = run_in(dir.path(), &[command, "--format", "json"]);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        let report = json(&run);
        assert_eq!(report["summary"]["files"], 1, "{command}");
        assert_eq!(json_paths(&report), ["a.ps1"]);
    }
}
