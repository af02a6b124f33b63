//! Human-readable diagnostics in the rustc/ruff style (rule, applicability, location, source
//! snippet with a caret underline, the replacement as a help line) and the summary block.

use std::io::{self, Write};

use annotate_snippets::{Level, Renderer, Snippet};
use exomig_translator::{Applicability, Severity};
use rayon::prelude::*;

use super::{plural, PathError, Run, Summary};
use crate::engine::{Diag, Mode};
use crate::source::LineIndex;

/// More lines than this in one snippet are folded by the renderer.
const MAX_SNIPPET_LINES: usize = 8;

pub fn write_diagnostics(out: &mut dyn Write, run: &Run, color: bool) -> io::Result<()> {
    // Rendering is a visible share of a large run, so files render in parallel; writing
    // stays in walk order.
    let files: Vec<_> = run
        .scanned()
        .filter(|(_, s)| !s.findings.is_empty())
        .collect();
    let rendered: Vec<String> = files
        .par_iter()
        .map(|(path, scanned)| {
            let Some(text) = scanned.text.as_deref() else {
                return String::new();
            };
            let index = LineIndex::new(text);
            let mut block = String::new();
            for diag in &scanned.findings {
                block.push_str(&render(color, &index, path, diag));
                block.push_str("\n\n");
            }
            block
        })
        .collect();
    for block in rendered {
        out.write_all(block.as_bytes())?;
    }
    Ok(())
}

fn render(color: bool, index: &LineIndex<'_>, path: &str, diag: &Diag) -> String {
    let (source, span) = snippet_source(index, diag);
    let title = format!("[{}] {}", diag.applicability.as_str(), diag.message);
    let help = help_line(diag);
    let level = match diag.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    };
    let mut message = level.title(&title).id(diag.rule.id()).snippet(
        Snippet::source(&source)
            .line_start(diag.start.line)
            .origin(path)
            .fold(true)
            // This renderer draws carets only for error-level spans; the caret underline is
            // wanted for every finding, the title keeps the finding's own level.
            .annotation(Level::Error.span(span).label("")),
    );
    if let Some(help) = &help {
        message = message.footer(Level::Help.title(help));
    }
    // The renderer borrows for as long as the message does, so it lives here.
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let rendered = renderer.render(message).to_string();
    rendered
}

/// The lines the finding covers, joined with `\n` whatever the file's line endings (the
/// renderer knows only `\n`), and the finding's span relative to them.
fn snippet_source(index: &LineIndex<'_>, diag: &Diag) -> (String, std::ops::Range<usize>) {
    let first = diag.start.line;
    let last = diag.end.line.max(first);
    // An end at column 1 of a later line means the span ended with the previous line's break.
    let last = if last > first && diag.end.column == 1 {
        last - 1
    } else {
        last
    };
    let last = last.min(first + MAX_SNIPPET_LINES * 4);
    let mut source = String::new();
    let mut start = None;
    let mut end = None;
    for line in first..=last {
        let range = index.line_range(line);
        let offset = source.len();
        if (range.start..=range.end).contains(&diag.range.start) && start.is_none() {
            start = Some(offset + diag.range.start - range.start);
        }
        if (range.start..=range.end).contains(&diag.range.end) {
            end = Some(offset + diag.range.end - range.start);
        }
        source.push_str(index.line_text(line));
        source.push('\n');
    }
    let start = start.unwrap_or(0);
    let end = end.unwrap_or(source.len().saturating_sub(1)).max(start);
    // An empty span still deserves one caret.
    let end = if end == start { start + 1 } else { end };
    (source, start..end)
}

fn help_line(diag: &Diag) -> Option<String> {
    let fix = diag.fix.as_ref()?;
    let what = match fix.applicability {
        Applicability::Safe => "safe fix",
        Applicability::Unsafe => "unsafe fix, applied with --unsafe",
        Applicability::Manual => "suggestion",
    };
    if fix.replacement.trim().is_empty() {
        return Some(format!("{what}: remove this statement"));
    }
    if fix.replacement.contains(['\n', '\r']) {
        let body: Vec<&str> = fix.replacement.lines().collect();
        return Some(format!("{what}: replace with\n    {}", body.join("\n    ")));
    }
    Some(format!("{what}: replace with `{}`", fix.replacement))
}

pub fn write_errors(out: &mut dyn Write, errors: &[PathError], color: bool) -> io::Result<()> {
    let label = if color {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    for e in errors {
        if e.display.is_empty() {
            writeln!(out, "{label}: {}", e.message)?;
        } else {
            writeln!(out, "{label}: {}: {}", e.display, e.message)?;
        }
    }
    Ok(())
}

/// Files the translator refused to rewrite (left untouched).
pub fn write_rejections(out: &mut dyn Write, run: &Run, color: bool) -> io::Result<()> {
    let label = if color {
        "\x1b[1;33mwarning\x1b[0m"
    } else {
        "warning"
    };
    for (path, scanned) in run.scanned() {
        if let Some(reason) = &scanned.rejected {
            writeln!(out, "{label}: {path}: not rewritten: {reason}")?;
        }
    }
    Ok(())
}

/// `fix`: one line per file written, so the summary says what changed where.
pub fn write_fixed_files(out: &mut dyn Write, run: &Run, color: bool) -> io::Result<()> {
    let label = if color {
        "\x1b[1;32mfixed\x1b[0m"
    } else {
        "fixed"
    };
    for (path, scanned) in run.scanned() {
        if scanned.changed {
            writeln!(
                out,
                "{label} {path} ({} applied)",
                plural(scanned.applied, "fix", "fixes")
            )?;
        }
    }
    Ok(())
}

pub fn write_summary(out: &mut dyn Write, run: &Run, s: &Summary, color: bool) -> io::Result<()> {
    let bold = |t: &str| {
        if color {
            format!("\x1b[1m{t}\x1b[0m")
        } else {
            t.to_owned()
        }
    };
    writeln!(out, "{}", bold("Summary"))?;
    writeln!(out, "  files scanned: {}", s.files)?;
    let changed_label = match run.mode {
        Mode::Fix { .. } => "files changed:",
        _ => "would change: ",
    };
    writeln!(out, "  {changed_label} {}", s.changed)?;
    if matches!(run.mode, Mode::Fix { .. }) {
        writeln!(out, "  fixes applied: {}", s.applied)?;
    }
    let findings_label = match run.mode {
        Mode::Fix { .. } => "findings left:",
        _ => "findings:     ",
    };
    writeln!(
        out,
        "  {findings_label} {} ({} safe, {} unsafe, {} manual)",
        s.findings, s.safe, s.unsafe_, s.manual
    )?;
    writeln!(out, "  errors:        {}", s.errors)?;
    if s.rejected > 0 {
        writeln!(
            out,
            "  {} left untouched because the rewrite was rejected",
            plural(s.rejected, "file", "files")
        )?;
    }
    if s.unsafe_skipped > 0 && !run.unsafe_enabled {
        writeln!(
            out,
            "{} {} not applied, use --unsafe",
            bold("hint:"),
            plural(s.unsafe_skipped, "unsafe fix", "unsafe fixes")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::DiagFix;
    use crate::source::Pos;
    use exomig_translator::Rule;

    fn diag(text: &str, needle: &str, replacement: &str) -> Diag {
        let start = text.find(needle).expect("needle present");
        let range = start..start + needle.len();
        let index = LineIndex::new(text);
        Diag {
            rule: Rule::Exo001,
            severity: Severity::Warning,
            applicability: Applicability::Safe,
            message: "legacy session".into(),
            start: index.pos(range.start),
            end: index.pos(range.end),
            range,
            fix: Some(DiagFix {
                applicability: Applicability::Safe,
                replacement: replacement.into(),
                edits: vec![],
            }),
        }
    }

    #[test]
    fn renders_rule_location_snippet_caret_and_help() {
        let text = "# header\r\n$s = New-PSSession -X\r\nGet-Mailbox\r\n";
        let d = diag(text, "New-PSSession -X", "Connect-ExchangeOnline");
        let out = render(false, &LineIndex::new(text), "a/b.ps1", &d);
        assert!(
            out.contains("warning[EXO001]: [safe] legacy session"),
            "{out}"
        );
        assert!(out.contains("--> a/b.ps1:2:6"), "{out}");
        assert!(out.contains("2 | $s = New-PSSession -X"), "{out}");
        assert!(out.contains("^^^^^^^^^^^^^^^^"), "{out}");
        assert!(
            out.contains("help: safe fix: replace with `Connect-ExchangeOnline`"),
            "{out}"
        );
        assert!(
            !out.contains('\r'),
            "line endings must not leak into output"
        );
    }

    #[test]
    fn multi_line_findings_render_every_line() {
        let text = "$s = New-PSSession `\n  -Authentication Basic\nx\n";
        let d = diag(text, "New-PSSession `\n  -Authentication Basic", "");
        let out = render(false, &LineIndex::new(text), "m.ps1", &d);
        assert!(out.contains("-Authentication Basic"), "{out}");
        assert!(out.contains("remove this statement"), "{out}");
        assert_eq!(d.start, Pos { line: 1, column: 6 });
    }
}
