//! Suppression comments: `# exomig: ignore`, `# exomig: ignore[EXO001,SEC001]` (on the
//! statement's line or the line before) and `# exomig: ignore-file`.

use crate::Rule;
use exomig_grammar::source::LineIndex;
use std::ops::Range;

#[derive(Debug, Default)]
pub struct Suppressions {
    pub file: bool,
    /// (1-based line of the comment, rules or `None` for all).
    lines: Vec<(usize, Option<Vec<Rule>>)>,
    /// Built only when a line-level suppression exists: finding each finding's line by
    /// scanning from the start of the file was 7% of `fix` on large scripts, and most files
    /// have no suppression comment at all.
    index: Option<LineIndex>,
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
        let index = s.index.get_or_insert_with(|| LineIndex::new(src));
        s.lines.push((index.line(c.start), rules));
    }
    s
}

impl Suppressions {
    /// Whether a finding of `rule` for a statement starting at byte `pos` is silenced.
    pub fn silences(&self, rule: Rule, pos: usize) -> bool {
        if self.file {
            return true;
        }
        let Some(index) = &self.index else {
            return false;
        };
        let line = index.line(pos);
        self.lines.iter().any(|(l, rules)| {
            (*l == line || *l + 1 == line) && rules.as_ref().is_none_or(|rs| rs.contains(&rule))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comment ranges the pipeline passes in, from the grammar's parse.
    fn comments(src: &str) -> Vec<Range<usize>> {
        let parse = exomig_grammar::parse(src);
        exomig_grammar::ast::comments(&parse.root)
            .map(|t| t.span.clone())
            .collect()
    }

    #[test]
    fn a_comment_silences_its_line_and_the_next_with_any_line_break() {
        for nl in ["\n", "\r\n", "\r"] {
            let src = format!("a{nl}# exomig: ignore[EXO001]{nl}b{nl}c{nl}d # exomig: ignore{nl}");
            let sup = collect(&src, &comments(&src));
            let at = |text: &str| src.find(text).unwrap();
            assert!(!sup.silences(Rule::Exo001, at("a")), "{nl:?}");
            assert!(
                sup.silences(Rule::Exo001, at("# exomig: ignore[")),
                "{nl:?}"
            );
            assert!(sup.silences(Rule::Exo001, at("b")), "{nl:?}");
            assert!(!sup.silences(Rule::Sec001, at("b")), "{nl:?}: other rule");
            assert!(
                !sup.silences(Rule::Exo001, at("c")),
                "{nl:?}: two lines below"
            );
            assert!(
                sup.silences(Rule::Sec001, at("d")),
                "{nl:?}: same line, all rules"
            );
        }
    }

    #[test]
    fn without_suppression_comments_nothing_is_silenced() {
        let src = "# a comment\nNew-PSSession\n";
        let sup = collect(src, &comments(src));
        assert!(sup.index.is_none());
        assert!(!sup.silences(Rule::Exo001, 12));
    }
}
