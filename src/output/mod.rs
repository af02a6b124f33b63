//! Output formats. Each takes the finished, ordered [`Run`] and writes it; none of them
//! decides anything about exit codes or files.

pub mod diff;
pub mod github;
pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::IsTerminal;

use exomig_translator::{Applicability, Severity};

use crate::engine::{FileReport, Mode, Scanned};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream: `always` wins, `auto` means a terminal and no `NO_COLOR`.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    pub fn stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }

    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

/// A problem with one path that stopped it from being processed.
#[derive(Debug, Clone)]
pub struct PathError {
    pub display: String,
    pub message: String,
}

/// Everything a command found, in output order.
pub struct Run {
    pub mode: Mode,
    pub files: Vec<FileReport>,
    pub errors: Vec<PathError>,
    pub unsafe_enabled: bool,
}

impl Run {
    /// The successfully scanned files with their reports.
    pub fn scanned(&self) -> impl Iterator<Item = (&str, &Scanned)> {
        self.files
            .iter()
            .filter_map(|f| f.result.as_ref().ok().map(|s| (f.display.as_str(), s)))
    }

    /// Per-path errors, walk errors first in path order then file errors.
    pub fn all_errors(&self) -> Vec<PathError> {
        let mut all = self.errors.clone();
        all.extend(self.files.iter().filter_map(|f| {
            f.result.as_ref().err().map(|message| PathError {
                display: f.display.clone(),
                message: message.clone(),
            })
        }));
        all.sort_by(|a, b| a.display.cmp(&b.display));
        all
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            errors: self.all_errors().len(),
            ..Summary::default()
        };
        for (_, scanned) in self.scanned() {
            s.files += 1;
            s.changed += usize::from(scanned.changed);
            s.applied += scanned.applied;
            s.unsafe_skipped += scanned.unsafe_skipped;
            s.rejected += usize::from(scanned.rejected.is_some());
            s.remaining_blocking += scanned.remaining_blocking;
            for d in &scanned.findings {
                s.findings += 1;
                match d.applicability {
                    Applicability::Safe => s.safe += 1,
                    Applicability::Unsafe => s.unsafe_ += 1,
                    Applicability::Manual => s.manual += 1,
                }
                if d.severity != Severity::Info {
                    s.blocking += 1;
                }
            }
        }
        s
    }
}

/// The counts every format ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub changed: usize,
    pub findings: usize,
    pub safe: usize,
    pub unsafe_: usize,
    pub manual: usize,
    pub errors: usize,
    /// Reported findings that are not `info` (they gate `check`'s exit code).
    pub blocking: usize,
    /// Findings left after the rewrite that are not `info` (they gate diff/fix).
    pub remaining_blocking: usize,
    pub applied: usize,
    pub unsafe_skipped: usize,
    pub rejected: usize,
}

/// Plural helper for human-readable counts.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
