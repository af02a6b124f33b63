//! What happens to one file: read, fast-path skip, decode, analyse or rewrite with the
//! translator, position the findings, and (for `fix`) write the result back. Files are
//! independent, so this runs in parallel; the caller keeps the walk order.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use exomig_translator::{self as translator, Applicability, Finding, Options, Rule, Severity};

use crate::fsio;
use crate::source::{self, LineIndex, Pos};
use crate::triggers::Triggers;

/// Which command runs; decides what is computed and kept per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Diff,
    Fix { backup: bool },
    Report,
}

pub struct Engine {
    pub mode: Mode,
    pub opts: Options,
    triggers: Triggers,
}

/// Where a file's bytes come from.
pub enum Input {
    Path(PathBuf),
    /// `-`: the script was read from stdin.
    Stdin(Vec<u8>),
}

/// One finding with positions, ready for every output format.
#[derive(Debug, Clone)]
pub struct Diag {
    pub rule: Rule,
    pub severity: Severity,
    pub applicability: Applicability,
    pub message: String,
    pub range: Range<usize>,
    pub start: Pos,
    pub end: Pos,
    pub fix: Option<DiagFix>,
}

#[derive(Debug, Clone)]
pub struct DiagFix {
    pub applicability: Applicability,
    /// The finding's own text after its fix: what the statement becomes.
    pub replacement: String,
    pub edits: Vec<DiagEdit>,
}

#[derive(Debug, Clone)]
pub struct DiagEdit {
    pub start: Pos,
    pub end: Pos,
    pub replacement: String,
}

/// What was found in (and done to) one file.
#[derive(Debug, Default)]
pub struct Scanned {
    pub encoding: &'static str,
    pub line_ending: &'static str,
    /// Whether `fix` with the same flags changes (or, for `fix`, changed) the file.
    pub changed: bool,
    /// Findings this command reports: of the input for check/diff/report, what remains after
    /// the rewrite for fix.
    pub findings: Vec<Diag>,
    /// The text `findings` point into; kept only when there is something to show.
    pub text: Option<String>,
    /// Decoded original and rewritten text, kept for diff/report when the file changes.
    pub before: Option<String>,
    pub after: Option<String>,
    /// For `fix -`: the bytes to print (the input when nothing changed).
    pub output_bytes: Option<Vec<u8>>,
    /// Findings left after the rewrite that still gate the exit code (not `info`).
    pub remaining_blocking: usize,
    /// Unsafe fixes held back because `--unsafe` was not given.
    pub unsafe_skipped: usize,
    /// How many fixes `fix` applied (or would apply).
    pub applied: usize,
    /// The translator refused to rewrite this file; its message.
    pub rejected: Option<String>,
}

#[derive(Debug)]
pub struct FileReport {
    pub display: String,
    pub result: Result<Scanned, String>,
}

impl Engine {
    pub fn new(mode: Mode, opts: Options) -> anyhow::Result<Self> {
        Ok(Engine {
            mode,
            opts,
            triggers: Triggers::new(translator::TRIGGERS)?,
        })
    }

    pub fn run(&self, display: String, input: Input) -> FileReport {
        let result = match input {
            Input::Path(path) => with_read_buffer(|buf| {
                read_file(&path, buf).map_err(|e| format!("cannot read: {e}"))?;
                self.process(buf, Some(&path))
            }),
            Input::Stdin(bytes) => self.process(&bytes, None),
        };
        FileReport { display, result }
    }

    fn process(&self, bytes: &[u8], path: Option<&Path>) -> Result<Scanned, String> {
        let stdin_fix = path.is_none() && matches!(self.mode, Mode::Fix { .. });
        if !self.triggers.may_match(bytes) {
            let (encoding, line_ending) = sniff(bytes)?;
            return Ok(Scanned {
                encoding,
                line_ending,
                output_bytes: stdin_fix.then(|| bytes.to_vec()),
                ..Scanned::default()
            });
        }
        let decoded = source::decode(bytes).map_err(|e| format!("cannot decode: {e}"))?;
        let mut scanned = match self.mode {
            Mode::Check | Mode::Report => self.analyse(&decoded)?,
            Mode::Diff | Mode::Fix { .. } => self.rewrite(&decoded)?,
        };
        scanned.encoding = decoded.encoding;
        scanned.line_ending = decoded.line_ending;

        if let Mode::Fix { backup } = self.mode {
            let new_bytes = match &scanned.after {
                Some(after) => Some(decoded.encode(after).map_err(|e| e.to_string())?),
                None => None,
            };
            match (path, new_bytes) {
                (Some(path), Some(new_bytes)) => {
                    fsio::replace_file(path, bytes, &new_bytes, backup)
                        .map_err(|e| e.to_string())?;
                }
                (None, new_bytes) => {
                    scanned.output_bytes = Some(new_bytes.unwrap_or_else(|| bytes.to_vec()));
                }
                (Some(_), None) => {}
            }
            // Only the stdin mode needs the texts after this point.
            scanned.after = None;
            scanned.before = None;
        }
        Ok(scanned)
    }

    /// check/report: findings of the input, and whether `fix` with the same flags would
    /// change the file (report also keeps the rewritten text).
    fn analyse(&self, decoded: &source::Decoded) -> Result<Scanned, String> {
        // `changed` is what the real `fix` would do, not a guess from the findings: a rewrite
        // can still be rejected (it would add a syntax error, or never settle) or come out
        // equal to the input (interfaces.md: `changed`). `check_and_fix` gives the input's
        // findings from fix's own first pass, so a file without an applicable fix costs one
        // analysis and one with a fix costs what `fix` alone costs.
        let run = translator::check_and_fix(&decoded.text, &self.opts);
        let analysis = run.input;
        let findings = position(&decoded.text, &analysis.findings);
        let unsafe_skipped = if self.opts.unsafe_fixes {
            0
        } else {
            count_fixes(&analysis.findings, Applicability::Unsafe)
        };
        let mut scanned = Scanned {
            unsafe_skipped,
            remaining_blocking: blocking(&analysis.findings),
            ..Scanned::default()
        };
        // Without an applicable fix the outcome is the unchanged input with the same
        // findings, so it can be read the same way in every case.
        match run.outcome {
            Ok(outcome) => {
                scanned.changed = outcome.output != decoded.text;
                scanned.applied = outcome.applied.len();
                if self.mode == Mode::Report {
                    scanned.remaining_blocking = blocking(&outcome.remaining);
                    if scanned.changed {
                        scanned.after = Some(outcome.output);
                    }
                }
            }
            Err(err) => scanned.rejected = Some(err.to_string()),
        }
        if !findings.is_empty() || scanned.changed {
            scanned.text = Some(decoded.text.clone());
            if self.mode == Mode::Report {
                scanned.before = Some(decoded.text.clone());
            }
        }
        scanned.findings = findings;
        Ok(scanned)
    }

    /// diff/fix: the rewrite; diff reports the input's findings, fix what remains.
    fn rewrite(&self, decoded: &source::Decoded) -> Result<Scanned, String> {
        let run = translator::check_and_fix(&decoded.text, &self.opts);
        match run.outcome {
            Ok(outcome) => {
                let changed = outcome.output != decoded.text;
                let mut scanned = Scanned {
                    changed,
                    applied: outcome.applied.len(),
                    unsafe_skipped: outcome.unsafe_skipped,
                    remaining_blocking: blocking(&outcome.remaining),
                    ..Scanned::default()
                };
                if self.mode == Mode::Diff {
                    scanned.findings = position(&decoded.text, &run.input.findings);
                    scanned.text = (!scanned.findings.is_empty()).then(|| decoded.text.clone());
                    if changed {
                        scanned.before = Some(decoded.text.clone());
                    }
                } else {
                    let shown = if changed {
                        &outcome.output
                    } else {
                        &decoded.text
                    };
                    scanned.findings = position(shown, &outcome.remaining);
                    scanned.text = (!scanned.findings.is_empty()).then(|| shown.clone());
                }
                if changed {
                    scanned.after = Some(outcome.output);
                }
                Ok(scanned)
            }
            Err(err) => {
                let findings = position(&decoded.text, &run.input.findings);
                Ok(Scanned {
                    remaining_blocking: blocking(&run.input.findings),
                    text: (!findings.is_empty()).then(|| decoded.text.clone()),
                    findings,
                    rejected: Some(err.to_string()),
                    ..Scanned::default()
                })
            }
        }
    }
}

thread_local! {
    /// Each worker reads every file into the same buffer: a bulk run reads thousands of
    /// small scripts and most are dropped after the trigger search, so an allocation per
    /// file would be pure overhead.
    static READ_BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A buffer that grew past this for one large file is not kept for the next one.
const KEEP_BUFFER_BYTES: usize = 1 << 20;

/// Run `f` with this thread's read buffer. The buffer is taken out of the cell rather than
/// borrowed, so a nested call (rayon may run another file's job on this thread while the
/// translator works) gets a fresh buffer instead of a conflict.
fn with_read_buffer<T>(f: impl FnOnce(&mut Vec<u8>) -> T) -> T {
    let mut buf = READ_BUFFER.take();
    let result = f(&mut buf);
    if buf.capacity() <= KEEP_BUFFER_BYTES {
        READ_BUFFER.set(buf);
    }
    result
}

/// Read a whole file into `buf` (cleared first). Unlike `std::fs::read` this does not ask
/// the file system for the size first (one `statx` per file saved): the reused buffer is
/// usually big enough already.
fn read_file(path: &Path, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    // `take` hides `File`'s own `read_to_end`, which is the one that queries the size.
    File::open(path)?.take(u64::MAX).read_to_end(buf)?;
    Ok(())
}

fn blocking(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .count()
}

fn count_fixes(findings: &[Finding], applicability: Applicability) -> usize {
    findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == applicability)
        })
        .count()
}

/// Encoding and line ending of a file the fast path skipped, without building its text
/// (except for BOM files: UTF-16 line ends are not single bytes, and a BOM can lie).
fn sniff(bytes: &[u8]) -> Result<(&'static str, &'static str), String> {
    let encoding = exomig_grammar::source::sniff(bytes);
    let single_byte_lines = matches!(
        encoding,
        exomig_grammar::source::Encoding::Utf8 | exomig_grammar::source::Encoding::Windows1252
    );
    if !single_byte_lines {
        // BOM files can also be malformed; the full decoder is the one judge of that.
        let d = source::decode(bytes).map_err(|e| format!("cannot decode: {e}"))?;
        return Ok((d.encoding, d.line_ending));
    }
    Ok((encoding.as_str(), sniff_line_ending(bytes)))
}

fn sniff_line_ending(bytes: &[u8]) -> &'static str {
    // Visits line ends only (memchr), not every byte: this runs on every file the fast path
    // skips, which in a large estate is almost all of them.
    let (mut lf, mut crlf, mut cr) = (false, false, false);
    let mut after_crlf = usize::MAX;
    for i in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        if bytes[i] == b'\n' {
            if i != after_crlf {
                lf = true;
            }
        } else if bytes.get(i + 1) == Some(&b'\n') {
            crlf = true;
            after_crlf = i + 1;
        } else {
            cr = true;
        }
        if u8::from(lf) + u8::from(crlf) + u8::from(cr) > 1 {
            break; // already mixed
        }
    }
    match (lf, crlf, cr) {
        (false, false, false) => "none",
        (true, false, false) => "lf",
        (false, true, false) => "crlf",
        (false, false, true) => "cr",
        _ => "mixed",
    }
}

/// Attach 1-based positions (and fix texts) to the translator's findings.
fn position(text: &str, findings: &[Finding]) -> Vec<Diag> {
    if findings.is_empty() {
        return Vec::new();
    }
    let index = LineIndex::new(text);
    findings
        .iter()
        .map(|f| {
            let range = clamp(text, &f.range);
            Diag {
                rule: f.rule,
                severity: f.severity,
                applicability: f.applicability,
                message: f.message.clone(),
                start: index.pos(range.start),
                end: index.pos(range.end),
                fix: f.fix.as_ref().map(|fix| DiagFix {
                    applicability: fix.applicability,
                    replacement: replacement_text(text, &range, &fix.edits),
                    edits: fix
                        .edits
                        .iter()
                        .map(|e| {
                            let r = clamp(text, &e.range);
                            DiagEdit {
                                start: index.pos(r.start),
                                end: index.pos(r.end),
                                replacement: e.replacement.clone(),
                            }
                        })
                        .collect(),
                }),
                range,
            }
        })
        .collect()
}

/// A byte range made safe to slice `text` with, whatever the translator handed over.
fn clamp(text: &str, range: &Range<usize>) -> Range<usize> {
    let mut start = range.start.min(text.len());
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// What the finding's text becomes: its span (widened to the edits that touch it) with those
/// edits applied. Edits elsewhere (e.g. the removed import of a group) are not part of it.
fn replacement_text(text: &str, range: &Range<usize>, edits: &[translator::Edit]) -> String {
    let touching: Vec<_> = edits
        .iter()
        .map(|e| (clamp(text, &e.range), e.replacement.as_str()))
        .filter(|(r, _)| r.start <= range.end && r.end >= range.start)
        .collect();
    if touching.is_empty() {
        return edits
            .iter()
            .map(|e| e.replacement.as_str())
            .collect::<Vec<_>>()
            .join("\n");
    }
    let start = touching
        .iter()
        .map(|(r, _)| r.start)
        .min()
        .unwrap_or(range.start)
        .min(range.start);
    let end = touching
        .iter()
        .map(|(r, _)| r.end)
        .max()
        .unwrap_or(range.end)
        .max(range.end);
    let mut out = String::new();
    let mut at = start;
    for (r, replacement) in touching {
        if r.start < at {
            continue; // overlapping edits violate the contract; keep the first
        }
        out.push_str(&text[at..r.start]);
        out.push_str(replacement);
        at = r.end;
    }
    out.push_str(&text[at..end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use translator::Edit;

    #[test]
    fn replacement_text_applies_the_edits_inside_the_finding() {
        let text = "a\n$s = New-PSSession x\nImport-PSSession $s\n";
        let stmt = 2..22;
        let edits = vec![
            Edit {
                range: 2..22,
                replacement: "Connect-ExchangeOnline".into(),
            },
            Edit {
                range: 23..43,
                replacement: String::new(),
            },
        ];
        assert_eq!(
            replacement_text(text, &stmt, &edits),
            "Connect-ExchangeOnline"
        );
    }

    #[test]
    fn replacement_text_keeps_untouched_parts_of_the_statement() {
        let text = "New-PSSession -Authentication Basic -X 1";
        let edits = vec![Edit {
            range: 14..36,
            replacement: String::new(),
        }];
        assert_eq!(
            replacement_text(text, &(0..text.len()), &edits),
            "New-PSSession -X 1"
        );
    }

    #[test]
    fn clamp_survives_out_of_range_and_mid_char_offsets() {
        let text = "é!";
        assert_eq!(clamp(text, &(1..99)), 0..3);
        // A reversed range must not panic either.
        let reversed = Range { start: 5, end: 2 };
        assert_eq!(clamp(text, &reversed), 3..3);
    }

    #[test]
    fn line_endings_are_sniffed_like_the_json_contract_names_them() {
        assert_eq!(sniff_line_ending(b"a\r\nb\r\n"), "crlf");
        assert_eq!(sniff_line_ending(b"a\nb\r\n"), "mixed");
        assert_eq!(sniff_line_ending(b"a\rb"), "cr");
        assert_eq!(sniff_line_ending(b"ab"), "none");
        assert_eq!(sniff_line_ending(b"a\r\n\r\nb\r\n"), "crlf");
        assert_eq!(sniff_line_ending(b"a\r\n\nb"), "mixed");
        assert_eq!(sniff_line_ending(b"a\r\rb\r"), "cr");
        assert_eq!(sniff_line_ending(b"a\r"), "cr");
        assert_eq!(sniff_line_ending(b"\n\r"), "mixed");
    }
}
