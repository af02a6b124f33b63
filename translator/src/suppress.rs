//! Suppression comments: `# exomig: ignore`, `# exomig: ignore[EXO001,SEC001]` (on the
//! statement's line or the line before) and `# exomig: ignore-file`.

use crate::Rule;
use std::ops::Range;

#[derive(Debug, Default)]
pub struct Suppressions {
    pub file: bool,
    /// (line of the comment, rules or `None` for all).
    lines: Vec<(usize, Option<Vec<Rule>>)>,
}

/// 0-based line of a byte offset, counting CRLF, LF and lone CR as one break each.
pub fn line_of(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let mut line = 0;
    let mut i = 0;
    let end = pos.min(b.len());
    while i < end {
        if b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
        i += 1;
    }
    line
}

pub fn collect(src: &str, comments: &[Range<usize>]) -> Suppressions {
    let mut s = Suppressions::default();
    for c in comments {
        let text = &src[c.clone()];
        let body = text
            .trim_start_matches(['#', '<'])
            .trim_end_matches(['#', '>'])
            .trim();
        let lower = body.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("exomig:") else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with("ignore-file") {
            s.file = true;
            continue;
        }
        let Some(after) = rest.strip_prefix("ignore") else {
            continue;
        };
        let rules = after
            .trim_start()
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(list, _)| {
                list.split(',')
                    .filter_map(|id| Rule::from_id(id.trim()))
                    .collect::<Vec<_>>()
            });
        s.lines.push((line_of(src, c.start), rules));
    }
    s
}

impl Suppressions {
    /// Whether a finding of `rule` for a statement starting on `line` is silenced.
    pub fn silences(&self, rule: Rule, line: usize) -> bool {
        if self.file {
            return true;
        }
        self.lines.iter().any(|(l, rules)| {
            (*l == line || *l + 1 == line) && rules.as_ref().is_none_or(|rs| rs.contains(&rule))
        })
    }
}
