//! `--format json`: one object, `{"files":[…],"summary":{…}}`, field names as the contract
//! (interfaces.md §1) spells them. The translator's types are not `Serialize`; these mirror
//! them for the wire only.

use std::io::{self, Write};

use serde::Serialize;

use super::Run;
use crate::engine::{Diag, DiagEdit};

#[derive(Serialize)]
struct Report<'a> {
    files: Vec<File<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    encoding: &'a str,
    line_ending: &'a str,
    changed: bool,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Finding<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    rule: &'static str,
    severity: &'static str,
    applicability: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Fix<'a> {
    applicability: &'static str,
    /// The text the finding's statement becomes (empty when it is removed).
    replacement: &'a str,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    changed: usize,
    findings: usize,
    safe: usize,
    #[serde(rename = "unsafe")]
    unsafe_: usize,
    manual: usize,
    errors: usize,
}

pub fn write(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    let s = run.summary();
    let report = Report {
        files: run
            .scanned()
            .map(|(path, scanned)| File {
                path,
                encoding: scanned.encoding,
                line_ending: scanned.line_ending,
                changed: scanned.changed,
                findings: scanned.findings.iter().map(|d| finding(path, d)).collect(),
            })
            .collect(),
        summary: Summary {
            files: s.files,
            changed: s.changed,
            findings: s.findings,
            safe: s.safe,
            unsafe_: s.unsafe_,
            manual: s.manual,
            errors: s.errors,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn finding<'a>(path: &'a str, d: &'a Diag) -> Finding<'a> {
    Finding {
        path,
        line: d.start.line,
        column: d.start.column,
        end_line: d.end.line,
        end_column: d.end.column,
        rule: d.rule.id(),
        severity: d.severity.as_str(),
        applicability: d.applicability.as_str(),
        message: &d.message,
        fix: d.fix.as_ref().map(|f| Fix {
            applicability: f.applicability.as_str(),
            replacement: &f.replacement,
            edits: f.edits.iter().map(edit).collect(),
        }),
    }
}

fn edit(e: &DiagEdit) -> Edit<'_> {
    Edit {
        line: e.start.line,
        column: e.start.column,
        end_line: e.end.line,
        end_column: e.end.column,
        replacement: &e.replacement,
    }
}
