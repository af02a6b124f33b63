//! Unified diffs (`--- a/PATH` / `+++ b/PATH`, 3 lines of context) of the proposed rewrite.
//! Lines are compared as decoded text with their endings normalised, so a CRLF file's
//! endings are not noise in the diff; colour only when asked for.

use std::io::{self, Write};

use similar::{ChangeTag, TextDiff};

use super::Run;
use crate::source::split_lines;

const CONTEXT: usize = 3;

pub fn write(out: &mut dyn Write, run: &Run, color: bool) -> io::Result<()> {
    for (path, scanned) in run.scanned() {
        if let (Some(before), Some(after)) = (&scanned.before, &scanned.after) {
            write_file(out, path, before, after, color)?;
        }
    }
    Ok(())
}

/// The text with every line ending replaced by `\n` (a missing final one stays missing).
fn normalise(text: &str) -> String {
    let (lines, terminated) = split_lines(text);
    let mut out = lines.join("\n");
    if terminated {
        out.push('\n');
    }
    out
}

pub fn write_file(
    out: &mut dyn Write,
    path: &str,
    before: &str,
    after: &str,
    color: bool,
) -> io::Result<()> {
    let old = normalise(before);
    let new = normalise(after);
    let diff = TextDiff::from_lines(&old, &new);
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let mut unified = diff.unified_diff();
    unified.context_radius(CONTEXT);
    let mut header_written = false;
    for hunk in unified.iter_hunks() {
        if !header_written {
            writeln!(out, "{}", paint("1", &format!("--- a/{path}")))?;
            writeln!(out, "{}", paint("1", &format!("+++ b/{path}")))?;
            header_written = true;
        }
        writeln!(out, "{}", paint("36", &hunk.header().to_string()))?;
        for change in hunk.iter_changes() {
            let value = change.value();
            let line = value.strip_suffix('\n').unwrap_or(value);
            let (sign, code) = match change.tag() {
                ChangeTag::Delete => ("-", "31"),
                ChangeTag::Insert => ("+", "32"),
                ChangeTag::Equal => (" ", ""),
            };
            let text = format!("{sign}{line}");
            if code.is_empty() {
                writeln!(out, "{text}")?;
            } else {
                writeln!(out, "{}", paint(code, &text))?;
            }
            if change.missing_newline() {
                writeln!(out, "\\ No newline at end of file")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(before: &str, after: &str) -> String {
        let mut out = Vec::new();
        write_file(&mut out, "s/a.ps1", before, after, false).expect("write to vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn crlf_endings_do_not_show_and_headers_name_the_path() {
        let out = diff("a\r\nold\r\nb\r\n", "a\r\nnew\r\nb\r\n");
        assert!(
            out.starts_with("--- a/s/a.ps1\n+++ b/s/a.ps1\n@@ -1,3 +1,3 @@\n"),
            "{out}"
        );
        assert!(out.contains("\n-old\n+new\n"), "{out}");
        assert!(!out.contains('\r'));
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let out = diff("x\nold", "x\nnew");
        assert!(
            out.contains(
                "-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn identical_texts_give_no_output() {
        assert_eq!(diff("same\n", "same\n"), "");
    }
}
