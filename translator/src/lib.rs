//! Finds legacy Exchange Online remote PowerShell connections in a script and rewrites them to
//! the modern module. Works on text it is given; no I/O.
//!
//! PUBLIC API CONTRACT (the CLI depends on exactly this surface; extend, do not break):
//! - [`Rule`], [`Severity`], [`Applicability`], [`Edit`], [`Fix`], [`Finding`]
//! - [`AuthPolicy`], [`Options`]
//! - [`check`] analyses a text; [`fix`] applies the rewrites and re-verifies.
//! - [`TRIGGERS`]: ASCII texts without which a file cannot hold anything this crate reports.
#![forbid(unsafe_code)]

use std::ops::Range;

mod analysis;
mod docs;
mod edits;
mod emit;
mod lower;
mod model;
mod pipeline;
mod suppress;

/// Stable rule ids (`exomig explain ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    Exo001,
    Exo002,
    Exo003,
    Exo004,
    Exo005,
    Exo006,
    Exo007,
    Exo008,
    Exo009,
    Exo010,
    Sec001,
    Syn001,
}

impl Rule {
    pub const ALL: [Rule; 12] = [
        Rule::Exo001,
        Rule::Exo002,
        Rule::Exo003,
        Rule::Exo004,
        Rule::Exo005,
        Rule::Exo006,
        Rule::Exo007,
        Rule::Exo008,
        Rule::Exo009,
        Rule::Exo010,
        Rule::Sec001,
        Rule::Syn001,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::Exo001 => "EXO001",
            Rule::Exo002 => "EXO002",
            Rule::Exo003 => "EXO003",
            Rule::Exo004 => "EXO004",
            Rule::Exo005 => "EXO005",
            Rule::Exo006 => "EXO006",
            Rule::Exo007 => "EXO007",
            Rule::Exo008 => "EXO008",
            Rule::Exo009 => "EXO009",
            Rule::Exo010 => "EXO010",
            Rule::Sec001 => "SEC001",
            Rule::Syn001 => "SYN001",
        }
    }

    /// Case-insensitive lookup of a rule id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(id))
    }

    /// Documentation for `exomig explain` and SARIF rule metadata.
    pub fn doc(self) -> RuleDoc {
        docs::doc(self)
    }
}

/// What `exomig explain RULE` prints.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    /// One line, e.g. "New-PSSession to Exchange Online remote PowerShell (Basic auth)".
    pub title: &'static str,
    /// What the rule finds.
    pub finds: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// Example script before the rewrite.
    pub before: &'static str,
    /// The same example after the rewrite (or what a person should do, for manual rules).
    pub after: &'static str,
    /// When the rewrite is safe, unsafe or manual.
    pub applicability: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// ruff's Safe / Unsafe / DisplayOnly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Applicability {
    Safe,
    Unsafe,
    Manual,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::Manual => "manual",
        }
    }
}

/// Replace `range` (byte offsets into the analysed text) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

/// A set of edits applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Sorted by range start, non-overlapping.
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// Byte range in the analysed text: the statement, or the parameter for parameter-level
    /// findings. Line/column are derived from it by the caller (`grammar::source::LineIndex`).
    pub range: Range<usize>,
    pub severity: Severity,
    pub applicability: Applicability,
    pub message: String,
    pub fix: Option<Fix>,
}

/// What a Basic-auth credential becomes (`--auth`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AuthPolicy {
    #[default]
    Credential,
    Interactive,
    Device,
    Certificate {
        app_id: String,
        organization: String,
        /// Exactly one of `thumbprint` / `file` is set.
        thumbprint: Option<String>,
        file: Option<String>,
    },
    ManagedIdentity {
        organization: String,
        account_id: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub auth: AuthPolicy,
    /// Also apply fixes whose applicability is `Unsafe`.
    pub unsafe_fixes: bool,
}

/// Findings of one text, sorted by position; suppression comments already honoured;
/// syntax errors are included as `SYN001` findings.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
}

/// Analyse `text` (the decoded script).
pub fn check(text: &str, opts: &Options) -> Analysis {
    Analysis {
        findings: pipeline::check(text, opts).findings,
    }
}

/// Result of [`fix`].
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The rewritten text (equal to the input when nothing applied).
    pub output: String,
    /// Findings of the input whose fixes were applied.
    pub applied: Vec<Finding>,
    /// Findings of the *output* text (positions relative to `output`): what still needs a
    /// person, or unsafe fixes not applied.
    pub remaining: Vec<Finding>,
    /// How many unsafe fixes were held back because `unsafe_fixes` was off.
    pub unsafe_skipped: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("rewriting did not converge after {iterations} passes; please report this file")]
    DidNotConverge { iterations: usize },
    #[error("the rewrite would introduce a syntax error ({message}); file left unchanged")]
    IntroducedSyntaxError { message: String },
}

/// Apply safe fixes (and unsafe ones when `opts.unsafe_fixes`), re-analysing until nothing
/// changes; the output is re-parsed and rejected if it has new syntax errors.
pub fn fix(text: &str, opts: &Options) -> Result<FixOutcome, FixError> {
    pipeline::fix(text, opts).outcome
}

/// [`check`] and [`fix`] of the same text in one go.
#[derive(Debug, Clone)]
pub struct CheckAndFix {
    /// Exactly what [`check`] returns for the input.
    pub input: Analysis,
    /// Exactly what [`fix`] returns for the input.
    pub outcome: Result<FixOutcome, FixError>,
}

/// [`check`] and [`fix`] together for the price of `fix` alone: the first pass of `fix`
/// analyses the input, which is what `check` returns, so callers that need both (a report of
/// the input's findings plus whether and how the file would be rewritten) analyse once less.
pub fn check_and_fix(text: &str, opts: &Options) -> CheckAndFix {
    pipeline::fix(text, opts)
}

/// ASCII texts (compare case-insensitively) of which a file must contain at least one for
/// [`check`] to report anything. The CLI's fast path skips parsing files with none of them.
pub const TRIGGERS: &[&str] = &[
    "pssession",
    "powershell-liveid",
    "exopssession",
    "microsoft.exchange",
    "convertto-securestring",
    "connect-exchangeonline",
    "connect-ippssession",
    "exchangeonlinemanagement",
    "exopowershellmodule",
];
