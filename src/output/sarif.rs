//! `--format sarif`: SARIF 2.1.0 for code-scanning tools. One run; `tool.driver.rules` has
//! one entry per rule that has a result, and each result points at it by `ruleIndex`.
//! Columns count Unicode code points (declared in `columnKind`); regions end exclusively.

use std::collections::BTreeMap;
use std::io::{self, Write};

use exomig_translator::{Rule, Severity};
use serde_json::{json, Value};

use super::Run;
use crate::engine::Diag;
use crate::source::Pos;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The tool's documentation: the repository when the package names one, otherwise the
/// Microsoft article the rewrites follow.
const INFORMATION_URI: &str = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(uri) if !uri.is_empty() => uri,
    _ => "https://learn.microsoft.com/powershell/exchange/connect-to-exchange-online-powershell",
};

pub fn write(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(run))?;
    writeln!(out)
}

pub fn log(run: &Run) -> Value {
    // Rules in their stable order, each with the most severe level any of its results has.
    let mut used: BTreeMap<Rule, Severity> = BTreeMap::new();
    for (_, scanned) in run.scanned() {
        for d in &scanned.findings {
            used.entry(d.rule)
                .and_modify(|s| *s = (*s).min(d.severity))
                .or_insert(d.severity);
        }
    }
    let index: BTreeMap<Rule, usize> = used.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let rules: Vec<Value> = used
        .iter()
        .map(|(rule, severity)| rule_descriptor(*rule, *severity))
        .collect();

    let mut results = Vec::new();
    for (path, scanned) in run.scanned() {
        for d in &scanned.findings {
            results.push(result(path, d, index.get(&d.rule).copied().unwrap_or(0)));
        }
    }
    let errors = run.all_errors();
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut n = json!({
                "level": "error",
                "message": { "text": e.message },
            });
            if !e.display.is_empty() {
                n["locations"] = json!([{
                    "physicalLocation": { "artifactLocation": { "uri": uri(&e.display) } }
                }]);
            }
            n
        })
        .collect();

    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "exomig",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn non_empty<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

fn rule_descriptor(rule: Rule, severity: Severity) -> Value {
    let doc = rule.doc();
    let short = non_empty(doc.title, rule.id());
    let full = non_empty(doc.finds, short);
    let mut help = String::new();
    for part in [doc.why, doc.applicability] {
        if !part.trim().is_empty() {
            if !help.is_empty() {
                help.push_str("\n\n");
            }
            help.push_str(part);
        }
    }
    let mut descriptor = json!({
        "id": rule.id(),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "defaultConfiguration": { "level": level(severity) },
    });
    if !help.is_empty() {
        descriptor["help"] = json!({ "text": help });
    }
    descriptor
}

fn region(start: Pos, end: Pos) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

fn result(path: &str, d: &Diag, rule_index: usize) -> Value {
    let mut r = json!({
        "ruleId": d.rule.id(),
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": d.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(path) },
                "region": region(d.start, d.end),
            }
        }],
        "properties": { "applicability": d.applicability.as_str() },
    });
    if let Some(fix) = d.fix.as_ref().filter(|f| !f.edits.is_empty()) {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(e.start, e.end),
                    "insertedContent": { "text": e.replacement },
                })
            })
            .collect();
        r["fixes"] = json!([{
            "description": { "text": format!("{} fix for {}", fix.applicability.as_str(), d.rule.id()) },
            "artifactChanges": [{
                "artifactLocation": { "uri": uri(path) },
                "replacements": replacements,
            }],
        }]);
    }
    r
}

/// A path as a URI reference: relative paths stay relative (code scanning resolves them
/// against the checkout), absolute ones become `file://` URIs; reserved bytes are escaped.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let absolute = path.starts_with('/');
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if absolute {
        out.push_str("file://");
    } else if windows_drive {
        out.push_str("file:///");
    }
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            || (windows_drive && i == 1 && b == b':');
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_reserved_bytes_and_mark_absolute_paths() {
        assert_eq!(uri("scripts/a b.ps1"), "scripts/a%20b.ps1");
        assert_eq!(uri("x:y.ps1"), "x%3Ay.ps1");
        assert_eq!(uri("/tmp/é.ps1"), "file:///tmp/%C3%A9.ps1");
        assert_eq!(uri("C:/s/a.ps1"), "file:///C:/s/a.ps1");
        assert_eq!(uri("100%.ps1"), "100%25.ps1");
    }
}
