//! `exomig parse`: parse only, report syntax errors as `path:line:col`, or print one file's
//! syntax tree. Exit codes (interfaces.md §1): 0 clean, 1 syntax errors, 2 error.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use exomig_grammar::source::{LineIndex, SourceFile};
use rayon::prelude::*;
use serde_json::json;

use crate::walk::{self, WalkOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (default: `.`); `-` reads one script from stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Name used for the stdin script in reports
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Print the syntax tree of one file (indented kinds with byte spans and token texts)
    #[arg(long)]
    pub tree: bool,
    /// Output format
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    pub format: Format,
    /// Skip files and folders matching a gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and git exclude files
    #[arg(long)]
    pub no_ignore: bool,
    /// Parallel jobs (default: one per core)
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No summary line; errors are still printed
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

/// One input: where it came from, and its bytes when they are already in memory (stdin);
/// files are read by the worker that parses them.
struct Input {
    display: String,
    source: Source,
}

enum Source {
    Stdin(Vec<u8>),
    File(PathBuf),
}

impl Input {
    fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match &self.source {
            Source::Stdin(bytes) => Ok(bytes.into()),
            Source::File(path) => std::fs::read(path)
                .map(Into::into)
                .map_err(|e| format!("{}: cannot read: {e}", self.display)),
        }
    }
}

/// The outcome for one file.
struct FileReport {
    display: String,
    encoding: &'static str,
    line_ending: &'static str,
    errors: Vec<ErrorPosition>,
}

struct ErrorPosition {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (inputs, walk_errors) = gather_inputs(&args)?;
    for e in &walk_errors {
        if e.display.is_empty() {
            eprintln!("error: {}", e.message);
        } else {
            eprintln!("error: {}: {}", e.display, e.message);
        }
    }
    if args.tree {
        if !walk_errors.is_empty() {
            return Ok(ExitCode::from(2));
        }
        return print_tree(&inputs);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.map(usize::from).unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let results: Vec<Result<FileReport, String>> =
        pool.install(|| inputs.par_iter().map(check_input).collect());

    let mut failed = !walk_errors.is_empty();
    let mut reports = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(report) => reports.push(report),
            Err(message) => {
                eprintln!("error: {message}");
                failed = true;
            }
        }
    }
    let error_count: usize = reports.iter().map(|r| r.errors.len()).sum();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Text => {
            for report in &reports {
                for e in &report.errors {
                    writeln!(
                        out,
                        "{}:{}:{}: error: {}",
                        report.display, e.line, e.column, e.message
                    )?;
                }
            }
            if !args.quiet {
                eprintln!(
                    "{} file{} parsed, {} syntax error{}",
                    reports.len(),
                    plural(reports.len()),
                    error_count,
                    plural(error_count)
                );
            }
        }
        Format::Github => {
            for report in &reports {
                for e in &report.errors {
                    writeln!(
                        out,
                        "::error file={},line={},col={},endLine={},endColumn={}::{}",
                        report.display, e.line, e.column, e.end_line, e.end_column, e.message
                    )?;
                }
            }
        }
        Format::Json => {
            let files: Vec<_> = reports
                .iter()
                .map(|r| {
                    json!({
                        "path": r.display,
                        "encoding": r.encoding,
                        "line_ending": r.line_ending,
                        "errors": r.errors.iter().map(|e| json!({
                            "line": e.line,
                            "column": e.column,
                            "end_line": e.end_line,
                            "end_column": e.end_column,
                            "message": e.message,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let doc = json!({
                "files": files,
                "summary": { "files": reports.len(), "errors": error_count },
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(2)
    } else if error_count > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn check_input(input: &Input) -> Result<FileReport, String> {
    let bytes = input.bytes()?;
    let file = SourceFile::decode(&bytes).map_err(|e| format!("{}: {e}", input.display))?;
    let parse = exomig_grammar::parse(&file.text);
    let index = LineIndex::new(&file.text);
    let errors = parse
        .errors
        .iter()
        .map(|e| {
            let (line, column) = index.line_col(e.span.start);
            let (end_line, end_column) = index.line_col(e.span.end);
            ErrorPosition {
                line,
                column,
                end_line,
                end_column,
                message: e.message.clone(),
            }
        })
        .collect();
    Ok(FileReport {
        display: input.display.clone(),
        encoding: file.encoding.as_str(),
        line_ending: file.line_ending.as_str(),
        errors,
    })
}

fn print_tree(inputs: &[Input]) -> anyhow::Result<ExitCode> {
    let [input] = inputs else {
        bail!("--tree needs exactly one file, got {}", inputs.len());
    };
    let bytes = input.bytes().map_err(anyhow::Error::msg)?;
    let file = SourceFile::decode(&bytes).with_context(|| input.display.clone())?;
    let parse = exomig_grammar::parse(&file.text);
    let mut out = io::BufWriter::new(io::stdout().lock());
    out.write_all(parse.root.debug_dump(&file.text).as_bytes())?;
    out.flush()?;
    let index = LineIndex::new(&file.text);
    for e in &parse.errors {
        let (line, column) = index.line_col(e.span.start);
        eprintln!("{}:{line}:{column}: error: {}", input.display, e.message);
    }
    Ok(if parse.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Stdin (for `-`) and every script file under the given paths, found by the same walker as
/// check/fix (ignore files, `--exclude`, hidden folders, sorted order), plus the paths that
/// could not be walked.
fn gather_inputs(args: &Args) -> anyhow::Result<(Vec<Input>, Vec<walk::WalkError>)> {
    let implicit = args.paths.is_empty();
    let paths = if implicit {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut inputs = Vec::new();
    let mut on_disk = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
            let display = args.stdin_filename.clone().unwrap_or_else(|| "-".into());
            inputs.push(Input {
                display,
                source: Source::Stdin(bytes),
            });
        } else {
            on_disk.push(path);
        }
    }
    if on_disk.is_empty() {
        return Ok((inputs, Vec::new()));
    }
    let walked = walk::walk(
        &on_disk,
        implicit,
        &WalkOptions {
            excludes: args.exclude.clone(),
            no_ignore: args.no_ignore,
            jobs: args.jobs.map_or(0, usize::from),
        },
    )?;
    inputs.extend(walked.files.into_iter().map(|f| Input {
        display: f.display,
        source: Source::File(f.path),
    }));
    Ok((inputs, walked.errors))
}
