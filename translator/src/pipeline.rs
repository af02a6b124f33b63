//! `check` and `fix`: parse, analyse, honour suppressions, apply units until a fixed point,
//! and verify the result still parses.

use crate::analysis::{self, RawFinding, Unit};
use crate::edits;
use crate::lower;
use crate::suppress;
use crate::{
    Analysis, Applicability, CheckAndFix, Edit, Finding, Fix, FixError, FixOutcome, Options, Rule,
    Severity,
};
use std::ops::Range;

/// More passes than any real file needs: each pass removes at least one legacy statement.
const MAX_PASSES: usize = 8;

pub struct Checked {
    pub findings: Vec<Finding>,
    /// The grammar's syntax errors of the checked text (to compare before/after a fix).
    pub syntax_errors: Vec<exomig_grammar::SyntaxError>,
    /// Units that may be applied, with the indices of the findings they resolve.
    pub units: Vec<(Unit, Vec<usize>)>,
}

/// Analyses `text`, parsing it once with the grammar: the same parse gives the syntax errors
/// (SYN001 and the ranges never rewritten) and the tree the analysis model is built from.
pub fn check(text: &str, opts: &Options) -> Checked {
    check_parsed(text, &exomig_grammar::parse(text), opts)
}

/// [`check`] of a text already parsed.
fn check_parsed(text: &str, parse: &exomig_grammar::Parse, opts: &Options) -> Checked {
    let lowered = lower::lower(text, &parse.root);
    let comments: Vec<Range<usize>> = exomig_grammar::ast::comments(&parse.root)
        .map(|t| t.span.clone())
        .collect();
    let gerrs = parse.errors.clone();
    let mut blocked: Vec<Range<usize>> = gerrs.iter().map(|e| e.span.clone()).collect();
    blocked.extend(lowered.opaque.iter().cloned());
    let out = analysis::analyze(text, &lowered.root, &comments, opts, &blocked);
    let sup = suppress::collect(text, &comments);

    let mut silenced_units: Vec<usize> = Vec::new();
    for f in &out.findings {
        if sup.silences(f.rule, f.stmt_start) {
            if let Some(u) = f.unit {
                silenced_units.push(u);
            }
        }
    }
    let mut raws: Vec<RawFinding> = out
        .findings
        .into_iter()
        .filter(|f| !sup.silences(f.rule, f.stmt_start))
        .filter(|f| f.unit.is_none_or(|u| !silenced_units.contains(&u)))
        .collect();
    // Syntax errors matter only where a legacy connection could be (see `TRIGGERS`: the CLI
    // skips files without one, and `check` must agree with that fast path).
    let relevant = !gerrs.is_empty() && {
        let lower = text.to_ascii_lowercase();
        crate::TRIGGERS.iter().any(|t| lower.contains(t))
    };
    for e in gerrs.iter().filter(|_| relevant) {
        let start = e.span.start.min(text.len());
        if sup.silences(Rule::Syn001, start) {
            continue;
        }
        raws.push(RawFinding {
            rule: Rule::Syn001,
            range: start..e.span.end.clamp(start, text.len()),
            stmt_start: start,
            severity: Severity::Warning,
            applicability: Applicability::Manual,
            message: format!(
                "syntax error: {}; statements it touches are not rewritten",
                e.message
            ),
            edits: vec![],
            unit: None,
        });
    }
    raws.sort_by_key(|f| (f.range.start, f.rule));

    let mut findings = Vec::with_capacity(raws.len());
    let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); out.units.len()];
    for (i, f) in raws.into_iter().enumerate() {
        if let Some(u) = f.unit {
            if let Some(v) = by_unit.get_mut(u) {
                v.push(i);
            }
        }
        let fix = f.unit.and_then(|u| out.units.get(u)).map(|u| Fix {
            edits: if f.edits.is_empty() {
                u.edits.clone()
            } else {
                f.edits.clone()
            },
            applicability: u.applicability,
        });
        findings.push(Finding {
            rule: f.rule,
            range: f.range,
            severity: f.severity,
            applicability: f.applicability,
            message: f.message,
            fix,
        });
    }
    let units = out
        .units
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !silenced_units.contains(i))
        .map(|(i, u)| (u, std::mem::take(&mut by_unit[i])))
        .filter(|(_, members)| !members.is_empty())
        .collect();
    Checked {
        findings,
        syntax_errors: gerrs,
        units,
    }
}

fn wanted(a: Applicability, opts: &Options) -> bool {
    match a {
        Applicability::Safe => true,
        Applicability::Unsafe => opts.unsafe_fixes,
        Applicability::Manual => false,
    }
}

/// Chooses the units of one pass: wanted, and not overlapping a unit chosen before.
fn select(c: &Checked, opts: &Options) -> (Vec<Edit>, Vec<usize>) {
    let mut edits: Vec<Edit> = Vec::new();
    let mut members = Vec::new();
    for (u, m) in &c.units {
        if !wanted(u.applicability, opts) {
            continue;
        }
        let clash = u
            .edits
            .iter()
            .any(|e| edits.iter().any(|x| edits::overlaps(&x.range, &e.range)));
        if clash {
            continue;
        }
        edits.extend(u.edits.iter().cloned());
        members.extend(m.iter().copied());
    }
    (edits, members)
}

pub fn fix(text: &str, opts: &Options) -> CheckAndFix {
    let mut cur = text.to_string();
    let mut applied = Vec::new();
    // The input's check: its findings are what `check` returns, its syntax errors the
    // baseline a rewrite may not exceed.
    let mut input: Option<(Vec<Finding>, usize)> = None;
    // The check of the final text, once a pass finds nothing more to apply.
    let mut last: Option<Checked> = None;
    let mut parse = exomig_grammar::parse(&cur);
    for _ in 0..MAX_PASSES {
        let c = check_parsed(&cur, &parse, opts);
        input.get_or_insert_with(|| (c.findings.clone(), c.syntax_errors.len()));
        let (edits, members) = select(&c, opts);
        if edits.is_empty() {
            last = Some(c);
            break;
        }
        let (next, changes) = edits::apply_with_changes(&cur, &edits);
        applied.extend(members.iter().filter_map(|&i| c.findings.get(i).cloned()));
        if next == cur {
            last = Some(c);
            break;
        }
        // Only the edited statements need parsing again; the grammar re-uses the rest of
        // the tree (and re-parses everything when it cannot prove that is equivalent).
        parse = exomig_grammar::reparse(parse, &changes, &next);
        // Every debug-build test that fixes a file checks the incremental parse against a
        // full one.
        #[cfg(debug_assertions)]
        {
            let full = exomig_grammar::parse(&next);
            assert_eq!(parse.errors, full.errors);
            assert!(
                parse.root.debug_dump(&next) == full.root.debug_dump(&next),
                "incremental re-parse differs from a full parse"
            );
        }
        cur = next;
    }
    let (input_findings, before_errors) = input.unwrap_or_default();
    let input = Analysis {
        findings: input_findings,
    };
    let Some(remaining) = last else {
        return CheckAndFix {
            input,
            outcome: Err(FixError::DidNotConverge {
                iterations: MAX_PASSES,
            }),
        };
    };
    if remaining.syntax_errors.len() > before_errors {
        let message = remaining
            .syntax_errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "unknown".into());
        return CheckAndFix {
            input,
            outcome: Err(FixError::IntroducedSyntaxError { message }),
        };
    }
    let unsafe_skipped = remaining
        .units
        .iter()
        .filter(|(u, _)| u.applicability == Applicability::Unsafe && !opts.unsafe_fixes)
        .count();
    CheckAndFix {
        input,
        outcome: Ok(FixOutcome {
            output: cur,
            applied,
            remaining: remaining.findings,
            unsafe_skipped,
        }),
    }
}
