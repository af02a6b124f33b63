//! `report --html FILE`: one self-contained review page. Inline CSS, no scripts, no external
//! asset (a Content-Security-Policy forbids any load), every script text HTML-escaped. A
//! summary table, an index of files, then per file the findings and a side-by-side
//! before/after with changed lines highlighted.

use std::fmt::Write as _;

use exomig_translator::Applicability;
use similar::{DiffOp, TextDiff};

use super::{PathError, Run};
use crate::engine::{Diag, Scanned};
use crate::source::{split_lines, LineIndex};

/// Unchanged lines shown around each change; longer unchanged runs are folded.
const CONTEXT: usize = 4;

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.15rem; margin-top: 2.5rem; word-break: break-all; }
table.summary, table.index { border-collapse: collapse; margin: 1rem 0; }
table.summary td, table.summary th, table.index td, table.index th { border: 1px solid #d0d7de; padding: .3rem .7rem; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #57606a; font-size: .9rem; }
ul.findings { padding-left: 1.2rem; }
ul.findings li { margin: .35rem 0; }
.rule { font-family: ui-monospace, SFMono-Regular, Consolas, monospace; font-weight: 600; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .55em; font-size: .8rem; border: 1px solid; }
.safe { color: #116329; border-color: #4ac26b; } .unsafe { color: #9a6700; border-color: #d4a72c; } .manual { color: #82071e; border-color: #ff8182; }
.sev-error { color: #cf222e; } .sev-warning { color: #9a6700; } .sev-info { color: #0969da; }
pre.repl { background: #f6f8fa; padding: .4rem .6rem; margin: .3rem 0; white-space: pre-wrap; }
table.sbs { border-collapse: collapse; width: 100%; table-layout: fixed; font-family: ui-monospace, SFMono-Regular, Consolas, monospace; font-size: .82rem; }
table.sbs col.no { width: 3.5rem; }
table.sbs td { padding: 0 .4rem; vertical-align: top; white-space: pre-wrap; word-break: break-all; }
table.sbs td.no { color: #8c959f; text-align: right; user-select: none; }
table.sbs th { font-weight: 600; text-align: left; padding: .2rem .4rem; }
tr .del { background: #ffebe9; } tr .ins { background: #dafbe1; } tr .empty { background: #f6f8fa; }
tr.fold td { background: #f6f8fa; color: #57606a; text-align: center; }
.errors li { color: #cf222e; }
"#;

pub fn render(run: &Run) -> String {
    let s = run.summary();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>exomig migration review</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<h1>exomig migration review</h1>\n");

    h.push_str("<table class=\"summary\">\n<tr><th>Files scanned</th><th>Would change</th><th>Findings</th><th>Safe</th><th>Unsafe</th><th>Manual</th><th>Errors</th></tr>\n");
    let _ = writeln!(
        h,
        "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n</table>",
        s.files, s.changed, s.findings, s.safe, s.unsafe_, s.manual, s.errors
    );
    if s.unsafe_skipped > 0 && !run.unsafe_enabled {
        let _ = writeln!(
            h,
            "<p class=\"meta\">{} unsafe fixes are not included in the “after” column; run with --unsafe to include them.</p>",
            s.unsafe_skipped
        );
    }

    let shown: Vec<(&str, &Scanned)> = run
        .scanned()
        .filter(|(_, sc)| !sc.findings.is_empty() || sc.changed || sc.rejected.is_some())
        .collect();
    if shown.is_empty() {
        h.push_str("<p>Nothing to migrate: no file has a finding.</p>\n");
    } else {
        h.push_str("<h2>Files</h2>\n<table class=\"index\">\n<tr><th>File</th><th>Changes</th><th>Findings</th><th>Safe</th><th>Unsafe</th><th>Manual</th></tr>\n");
        for (i, (path, sc)) in shown.iter().enumerate() {
            let count = |a| sc.findings.iter().filter(|d| d.applicability == a).count();
            let _ = writeln!(
                h,
                "<tr><td><a href=\"#file-{i}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(path),
                if sc.changed { "rewritten" } else { "unchanged" },
                sc.findings.len(),
                count(Applicability::Safe),
                count(Applicability::Unsafe),
                count(Applicability::Manual),
            );
        }
        h.push_str("</table>\n");
    }

    let errors = run.all_errors();
    if !errors.is_empty() {
        write_errors(&mut h, &errors);
    }

    for (i, (path, sc)) in shown.iter().enumerate() {
        write_file(&mut h, i, path, sc);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn write_errors(h: &mut String, errors: &[PathError]) {
    h.push_str("<h2>Errors</h2>\n<ul class=\"errors\">\n");
    for e in errors {
        let _ = writeln!(h, "<li>{}: {}</li>", esc(&e.display), esc(&e.message));
    }
    h.push_str("</ul>\n");
}

fn write_file(h: &mut String, i: usize, path: &str, sc: &Scanned) {
    let _ = writeln!(h, "<section id=\"file-{i}\">\n<h2>{}</h2>", esc(path));
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · line endings {} · {}</p>",
        esc(sc.encoding),
        esc(sc.line_ending),
        if sc.changed {
            "rewritten by exomig fix"
        } else {
            "not changed by exomig fix"
        }
    );
    if let Some(reason) = &sc.rejected {
        let _ = writeln!(
            h,
            "<p class=\"sev-error\">Not rewritten: {}</p>",
            esc(reason)
        );
    }
    if !sc.findings.is_empty() {
        let text = sc.text.as_deref().unwrap_or("");
        let index = LineIndex::new(text);
        h.push_str("<ul class=\"findings\">\n");
        for d in &sc.findings {
            write_finding(h, &index, d);
        }
        h.push_str("</ul>\n");
    }
    if let (Some(before), Some(after)) = (&sc.before, &sc.after) {
        write_side_by_side(h, before, after);
    }
    h.push_str("</section>\n");
}

fn write_finding(h: &mut String, index: &LineIndex<'_>, d: &Diag) {
    let app = d.applicability.as_str();
    let _ = write!(
        h,
        "<li><span class=\"rule\">{}</span> <span class=\"badge {app}\">{app}</span> <span class=\"sev-{sev}\">{sev}</span> line {}, column {}: {}",
        d.rule.id(),
        d.start.line,
        d.start.column,
        esc(&d.message),
        sev = d.severity.as_str(),
    );
    let line = index.line_text(d.start.line);
    if !line.trim().is_empty() {
        let _ = write!(h, "<pre class=\"repl\">{}</pre>", esc(line));
    }
    if let Some(fix) = &d.fix {
        if fix.replacement.trim().is_empty() {
            h.push_str("<div class=\"meta\">becomes: (removed)</div>");
        } else {
            let _ = write!(
                h,
                "<div class=\"meta\">becomes:</div><pre class=\"repl\">{}</pre>",
                esc(&fix.replacement)
            );
        }
    }
    h.push_str("</li>\n");
}

fn write_side_by_side(h: &mut String, before: &str, after: &str) {
    let (old, _) = split_lines(before);
    let (new, _) = split_lines(after);
    let diff = TextDiff::from_slices(&old, &new);
    h.push_str("<table class=\"sbs\">\n<colgroup><col class=\"no\"><col><col class=\"no\"><col></colgroup>\n<tr><th></th><th>Before</th><th></th><th>After</th></tr>\n");
    for (g, group) in diff.grouped_ops(CONTEXT).iter().enumerate() {
        if g > 0 {
            h.push_str("<tr class=\"fold\"><td colspan=\"4\">⋯</td></tr>\n");
        }
        for op in group {
            write_op(h, op, &old, &new);
        }
    }
    h.push_str("</table>\n");
}

fn write_op(h: &mut String, op: &DiffOp, old: &[&str], new: &[&str]) {
    let (o, olen, n, nlen, changed) = match *op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => (old_index, len, new_index, len, false),
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => (old_index, old_len, new_index, 0, true),
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => (old_index, 0, new_index, new_len, true),
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => (old_index, old_len, new_index, new_len, true),
    };
    for row in 0..olen.max(nlen) {
        h.push_str("<tr>");
        cell(
            h,
            (row < olen).then(|| (o + row, old.get(o + row))),
            changed,
            "del",
        );
        cell(
            h,
            (row < nlen).then(|| (n + row, new.get(n + row))),
            changed,
            "ins",
        );
        h.push_str("</tr>\n");
    }
}

fn cell(h: &mut String, line: Option<(usize, Option<&&str>)>, changed: bool, class: &str) {
    match line {
        Some((i, text)) => {
            let class = if changed { class } else { "" };
            let _ = write!(
                h,
                "<td class=\"no {class}\">{}</td><td class=\"{class}\">{}</td>",
                i + 1,
                esc(text.copied().unwrap_or(""))
            );
        }
        None => h.push_str("<td class=\"no empty\"></td><td class=\"empty\"></td>"),
    }
}

/// HTML-escape text for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn side_by_side_marks_changed_rows_only() {
        let mut h = String::new();
        write_side_by_side(&mut h, "a\r\nold <b>\r\nc\r\n", "a\r\nnew\r\nc\r\n");
        assert!(h.contains("<td class=\"del\">old &lt;b&gt;</td>"), "{h}");
        assert!(h.contains("<td class=\"ins\">new</td>"), "{h}");
        assert!(h.contains("<td class=\"\">a</td>"), "{h}");
        assert_eq!(h.matches("class=\"del\"").count(), 1);
    }
}
