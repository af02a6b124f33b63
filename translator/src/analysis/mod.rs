//! The analysis: walks the tree once ([`index`]), then runs the rules. Each rewrite is a
//! [`Unit`]: a set of edits applied together or not at all (a connection group, a cleanup
//! pipeline, a V1 loader). Findings point at their unit.

pub mod bind;
pub mod creds;
pub mod endpoint;
pub mod groups;
pub mod index;
pub mod others;

use crate::emit::Shadowed;
use crate::model::Block;
use crate::{Applicability, Edit, Options, Rule, Severity};
use index::Index;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: Rule,
    pub range: Range<usize>,
    /// Start of the statement the finding belongs to (suppression comments key on its line).
    pub stmt_start: usize,
    pub severity: Severity,
    pub applicability: Applicability,
    pub message: String,
    /// This finding's share of its unit's edits (what the CLI shows as the fix).
    pub edits: Vec<Edit>,
    pub unit: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

#[derive(Debug, Default)]
pub struct Output {
    pub findings: Vec<RawFinding>,
    pub units: Vec<Unit>,
}

pub struct Analyzer<'i, 'a> {
    pub src: &'a str,
    /// Every comment of the text (kept above a replaced statement when not carried).
    pub comments: &'i [Range<usize>],
    pub ix: &'i Index<'a>,
    pub opts: &'i Options,
    pub shadowed: Shadowed,
    /// Ranges with syntax errors: statements overlapping them are never rewritten.
    pub blocked: &'i [Range<usize>],
    pub out: Output,
}

impl<'i, 'a> Analyzer<'i, 'a> {
    pub fn text(&self, r: &Range<usize>) -> &'a str {
        self.src.get(r.clone()).unwrap_or("")
    }

    pub fn is_blocked(&self, r: &Range<usize>) -> bool {
        self.blocked
            .iter()
            .any(|b| crate::edits::overlaps(b, r) || (b.start >= r.start && b.start <= r.end))
    }

    pub fn add_unit(
        &mut self,
        mut edits: Vec<Edit>,
        applicability: Applicability,
    ) -> Option<usize> {
        if applicability == Applicability::Manual || edits.is_empty() {
            return None;
        }
        if !crate::edits::normalize(&mut edits) {
            return None;
        }
        self.out.units.push(Unit {
            edits,
            applicability,
        });
        Some(self.out.units.len() - 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn finding(
        &mut self,
        rule: Rule,
        range: Range<usize>,
        stmt_start: usize,
        severity: Severity,
        applicability: Applicability,
        message: String,
        edits: Vec<Edit>,
        unit: Option<usize>,
    ) {
        self.out.findings.push(RawFinding {
            rule,
            range,
            stmt_start,
            severity,
            applicability,
            message,
            edits,
            unit,
        });
    }
}

pub fn analyze(
    src: &str,
    root: &Block,
    comments: &[Range<usize>],
    opts: &Options,
    blocked: &[Range<usize>],
) -> Output {
    let ix = Index::build(root);
    let shadowed = Shadowed(
        ix.function_names()
            .map(|n| n.rsplit(':').next().unwrap_or(n).to_ascii_lowercase())
            .filter(|n| {
                matches!(
                    n.as_str(),
                    "connect-exchangeonline" | "disconnect-exchangeonline" | "connect-ippssession"
                )
            })
            .collect(),
    );
    let mut a = Analyzer {
        src,
        comments,
        ix: &ix,
        opts,
        shadowed,
        blocked,
        out: Output::default(),
    };
    let groups = groups::run(&mut a);
    others::run(&mut a, &groups);
    a.out.findings.sort_by_key(|f| (f.range.start, f.rule));
    // A statement shared by several definitions of one session is reported once.
    a.out.findings.dedup_by(|later, kept| {
        if later.rule == kept.rule && later.range == kept.range {
            kept.applicability = kept.applicability.max(later.applicability);
            true
        } else {
            false
        }
    });
    a.out
}
