//! Text edits at statement granularity (replace a statement keeping its indentation, delete a
//! statement with or without its line) and applying non-overlapping edit sets.

use crate::Edit;
use std::ops::Range;

fn is_nl(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Start of the line holding `pos`.
pub fn line_start(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let mut i = pos.min(b.len());
    while i > 0 && !is_nl(b[i - 1]) {
        i -= 1;
    }
    i
}

/// Position of the line terminator (or end of text) at or after `pos`.
pub fn line_end(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let mut i = pos.min(b.len());
    while i < b.len() && !is_nl(b[i]) {
        i += 1;
    }
    i
}

/// Length of the terminator starting at `pos` (CRLF, LF, lone CR, or none at the end).
pub fn term_len(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    match b.get(pos) {
        Some(b'\r') if b.get(pos + 1) == Some(&b'\n') => 2,
        Some(b'\r') | Some(b'\n') => 1,
        _ => 0,
    }
}

/// The line terminator used at `pos`'s line, else the file's first one, else LF.
pub fn eol_at(src: &str, pos: usize) -> &str {
    let e = line_end(src, pos);
    let n = term_len(src, e);
    if n > 0 {
        return &src[e..e + n];
    }
    let first = line_end(src, 0);
    let n = term_len(src, first);
    if n > 0 {
        &src[first..first + n]
    } else {
        "\n"
    }
}

/// Indentation of the line on which `pos` starts, when only whitespace precedes `pos`.
pub fn indent_of(src: &str, pos: usize) -> &str {
    let ls = line_start(src, pos);
    let pre = &src[ls..pos];
    if pre.chars().all(|c| c == ' ' || c == '\t') {
        pre
    } else {
        let n = pre.len() - pre.trim_start_matches([' ', '\t']).len();
        &pre[..n]
    }
}

/// Replaces a statement with one emitted line. Comments that sat inside the statement are
/// kept on their own lines above it, at the same indentation.
pub fn replace_stmt(src: &str, range: Range<usize>, text: &str, comments: &[Range<usize>]) -> Edit {
    let indent = indent_of(src, range.start);
    let eol = eol_at(src, range.start);
    let mut out = String::new();
    // Comments copied along inside a carried argument are already in `text`.
    for c in comments
        .iter()
        .filter(|c| c.start >= range.start && c.end <= range.end)
        .filter(|c| !text.contains(&src[(*c).clone()]))
    {
        out.push_str(&src[c.clone()]);
        out.push_str(eol);
        out.push_str(indent);
    }
    out.push_str(text);
    Edit {
        range,
        replacement: out,
    }
}

/// Deletes a statement: its whole line(s) when nothing else is on them, else the statement
/// text and one adjacent `;`.
pub fn delete_stmt(src: &str, range: Range<usize>) -> Edit {
    let ls = line_start(src, range.start);
    let le = line_end(src, range.end);
    let before = &src[ls..range.start];
    let after = &src[range.end..le];
    let blank = |s: &str| s.chars().all(|c| c == ' ' || c == '\t' || c == '\u{feff}');
    // A statement terminated by its own `;` still owns the whole line.
    let after_own = after.trim_start_matches([' ', '\t']);
    let after_own = after_own.strip_prefix(';').unwrap_or(after_own);
    if blank(before) && blank(after_own) {
        let t = term_len(src, le);
        if t > 0 {
            return Edit {
                range: ls..le + t,
                replacement: String::new(),
            };
        }
        // Last line without a terminator: take the previous terminator so the file keeps
        // its "no final newline" shape.
        if ls > 0 {
            let mut s = ls - 1;
            if s > 0 && &src[s - 1..=s] == "\r\n" {
                s -= 1;
            }
            return Edit {
                range: s..le,
                replacement: String::new(),
            };
        }
        return Edit {
            range: ls..le,
            replacement: String::new(),
        };
    }
    let trimmed_after = after.trim_start_matches([' ', '\t']);
    if let Some(rest) = trimmed_after.strip_prefix(';') {
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let end = range.end + (after.len() - trimmed_after.len()) + 1 + spaces;
        return Edit {
            range: range.start..end,
            replacement: String::new(),
        };
    }
    let trimmed_before = before.trim_end_matches([' ', '\t']);
    if trimmed_before.ends_with(';') {
        let start = ls + trimmed_before.len() - 1;
        return Edit {
            range: start..range.end,
            replacement: String::new(),
        };
    }
    Edit {
        range,
        replacement: String::new(),
    }
}

/// Applies `edits` to `src`; edits that overlap an earlier one or fall outside `src` are
/// skipped. Also returns the changes actually made, in order, for an incremental re-parse.
pub fn apply_with_changes(src: &str, edits: &[Edit]) -> (String, Vec<exomig_grammar::Change>) {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(src.len());
    let mut changes = Vec::with_capacity(sorted.len());
    let mut last = 0;
    for e in sorted {
        if e.range.start < last || e.range.end > src.len() || e.range.start > e.range.end {
            continue;
        }
        out.push_str(&src[last..e.range.start]);
        out.push_str(&e.replacement);
        changes.push(exomig_grammar::Change {
            old: e.range.clone(),
            new_len: e.replacement.len(),
        });
        last = e.range.end;
    }
    out.push_str(&src[last..]);
    (out, changes)
}

pub fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end || (a.start == b.start && (a.is_empty() || b.is_empty()))
}

/// Sorts and removes exact duplicates; reports whether the set is non-overlapping.
pub fn normalize(edits: &mut Vec<Edit>) -> bool {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    // Overlapping deletions (neighbouring entries each taking a shared `;`) merge into one.
    let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits.drain(..) {
        match merged.last_mut() {
            Some(last)
                if last.replacement.is_empty()
                    && e.replacement.is_empty()
                    && e.range.start < last.range.end =>
            {
                last.range.end = last.range.end.max(e.range.end);
            }
            _ => merged.push(e),
        }
    }
    *edits = merged;
    edits.windows(2).all(|w| w[0].range.end <= w[1].range.start)
}
