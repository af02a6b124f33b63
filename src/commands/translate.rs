//! `exomig check | diff | fix | report`: flags, the walk → parallel per-file work → ordered
//! output pipeline, and the exit codes of interfaces.md §1 (GNU diff convention).

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use exomig_translator::{AuthPolicy, Options};
use rayon::prelude::*;

use crate::engine::{Engine, Input, Mode};
use crate::output::{self, ColorChoice, Format, PathError, Run};
use crate::progress;
use crate::walk::{self, WalkOptions};

/// Flags shared by check, diff, fix and report.
#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// Files or directories (default: `.`); `-` reads one script from stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Name used for the stdin script in reports
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Skip files and folders matching a gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour .gitignore, .ignore and git exclude files
    #[arg(long)]
    pub no_ignore: bool,
    /// Parallel jobs (default: one per core)
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No summary and no progress bar; findings and errors are still printed
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// When to colour the output (honours NO_COLOR in `auto`)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--auth` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthKind {
    #[default]
    Credential,
    Interactive,
    Device,
    Certificate,
    ManagedIdentity,
}

/// What a Basic-auth credential becomes in the rewritten connection.
#[derive(clap::Args, Debug)]
pub struct AuthArgs {
    /// Authentication of the emitted Connect-ExchangeOnline call
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = AuthKind::Credential)]
    pub auth: AuthKind,
    /// Application (client) id, for --auth certificate
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// Tenant domain (contoso.onmicrosoft.com), for --auth certificate/managed-identity
    #[arg(long, value_name = "DOMAIN")]
    pub organization: Option<String>,
    /// Certificate thumbprint, for --auth certificate
    #[arg(long, value_name = "THUMBPRINT", conflicts_with = "certificate_file")]
    pub certificate_thumbprint: Option<String>,
    /// Certificate file path, for --auth certificate
    #[arg(long, value_name = "PATH")]
    pub certificate_file: Option<String>,
    /// User-assigned managed identity id, for --auth managed-identity
    #[arg(long, value_name = "ID")]
    pub managed_identity_id: Option<String>,
}

impl AuthArgs {
    fn policy(&self) -> anyhow::Result<AuthPolicy> {
        let need = |value: &Option<String>, flag: &str| -> anyhow::Result<String> {
            value
                .clone()
                .with_context(|| format!("--auth {} needs {flag}", self.kind_name()))
        };
        Ok(match self.auth {
            AuthKind::Credential => AuthPolicy::Credential,
            AuthKind::Interactive => AuthPolicy::Interactive,
            AuthKind::Device => AuthPolicy::Device,
            AuthKind::Certificate => {
                if self.certificate_thumbprint.is_none() && self.certificate_file.is_none() {
                    bail!(
                        "--auth certificate needs --certificate-thumbprint or --certificate-file"
                    );
                }
                AuthPolicy::Certificate {
                    app_id: need(&self.app_id, "--app-id")?,
                    organization: need(&self.organization, "--organization")?,
                    thumbprint: self.certificate_thumbprint.clone(),
                    file: self.certificate_file.clone(),
                }
            }
            AuthKind::ManagedIdentity => AuthPolicy::ManagedIdentity {
                organization: need(&self.organization, "--organization")?,
                account_id: self.managed_identity_id.clone(),
            },
        })
    }

    fn kind_name(&self) -> &'static str {
        match self.auth {
            AuthKind::Credential => "credential",
            AuthKind::Interactive => "interactive",
            AuthKind::Device => "device",
            AuthKind::Certificate => "certificate",
            AuthKind::ManagedIdentity => "managed-identity",
        }
    }
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 nothing to migrate, 1 findings, 2 error.\n\n\
Examples:\n  exomig check scripts/\n  exomig check --format sarif . > exomig.sarif\n  \
exomig check --format github --exclude 'archive/**' .\n  \
Get-Content a.ps1 | exomig check - --stdin-filename a.ps1"
)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Count unsafe rewrites as applicable (what `fix --unsafe` would do)
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 no change and no finding, 1 changes proposed or findings left, 2 error.\n\n\
Examples:\n  exomig diff scripts/\n  exomig diff --unsafe --auth device legacy.ps1\n  \
exomig diff --color always . | less -R"
)]
pub struct DiffArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Output format (`text` is the unified diff; the others report the findings)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also show rewrites whose applicability is unsafe
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 everything migrated, 1 findings remain that need a person (or were not applied), 2 error.\n\n\
Examples:\n  exomig fix --backup scripts/\n  exomig fix --unsafe --auth certificate --app-id ID \
--organization contoso.onmicrosoft.com --certificate-thumbprint THUMB .\n  \
exomig fix - < legacy.ps1 > modern.ps1"
)]
pub struct FixArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Output format of the findings that remain
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Keep the original of every changed file as FILE.bak
    #[arg(long)]
    pub backup: bool,
    /// Also apply rewrites whose applicability is unsafe
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Exit status: 0 when the page was written, 2 error.\n\n\
Examples:\n  exomig report --html review.html scripts/\n  exomig report --html review.html --unsafe --exclude 'old/**' .")]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Where to write the self-contained HTML page
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
    /// Include rewrites whose applicability is unsafe in the "after" column
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
}

pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let run = execute(Mode::Check, &args.common, &args.auth, args.unsafe_fixes)?;
    let summary = run.summary();
    let color = args.common.color.stdout();
    let mut out = stdout();
    print_report(&mut out, &run, args.format, color, !args.common.quiet)?;
    finish(out)?;
    report_errors_to_stderr(&run, args.format, args.common.color)?;
    Ok(code(if summary.errors > 0 {
        2
    } else {
        u8::from(summary.blocking > 0)
    }))
}

pub fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let run = execute(Mode::Diff, &args.common, &args.auth, args.unsafe_fixes)?;
    let s = run.summary();
    let mut out = stdout();
    if args.format == Format::Text {
        output::diff::write(&mut out, &run, args.common.color.stdout())?;
        finish(out)?;
        let color = args.common.color.stderr();
        let mut err = io::stderr().lock();
        output::text::write_errors(&mut err, &run.all_errors(), color)?;
        output::text::write_rejections(&mut err, &run, color)?;
        if !args.common.quiet {
            output::text::write_summary(&mut err, &run, &s, color)?;
        }
    } else {
        print_report(&mut out, &run, args.format, false, false)?;
        finish(out)?;
        report_errors_to_stderr(&run, args.format, args.common.color)?;
    }
    let pending = s.changed > 0 || s.remaining_blocking > 0 || s.rejected > 0;
    Ok(code(if s.errors > 0 { 2 } else { u8::from(pending) }))
}

pub fn fix(args: FixArgs) -> anyhow::Result<ExitCode> {
    let mode = Mode::Fix {
        backup: args.backup,
    };
    let run = execute(mode, &args.common, &args.auth, args.unsafe_fixes)?;
    let s = run.summary();
    let stdin_mode = is_stdin(&args.common.paths);
    if stdin_mode {
        // stdout carries exactly the bytes an in-place fix would write; reports go to stderr.
        let mut out = stdout();
        for (_, scanned) in run.scanned() {
            if let Some(bytes) = &scanned.output_bytes {
                out.write_all(bytes)?;
            }
        }
        finish(out)?;
        let color = args.common.color.stderr();
        let mut err = BufWriter::new(io::stderr().lock());
        print_report(&mut err, &run, args.format, color, !args.common.quiet)?;
        finish(err)?;
        if args.format != Format::Text {
            report_errors_to_stderr(&run, Format::Text, args.common.color)?;
        }
    } else {
        let mut out = stdout();
        let color = args.common.color.stdout();
        if args.format == Format::Text && !args.common.quiet {
            output::text::write_fixed_files(&mut out, &run, color)?;
        }
        print_report(&mut out, &run, args.format, color, !args.common.quiet)?;
        finish(out)?;
        report_errors_to_stderr(&run, args.format, args.common.color)?;
        if args.format == Format::Text {
            output::text::write_rejections(
                &mut io::stderr().lock(),
                &run,
                args.common.color.stderr(),
            )?;
        }
    }
    let pending = s.remaining_blocking > 0 || s.rejected > 0;
    Ok(code(if s.errors > 0 { 2 } else { u8::from(pending) }))
}

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let run = execute(Mode::Report, &args.common, &args.auth, args.unsafe_fixes)?;
    let page = output::html::render(&run);
    write_page(&args.html, page.as_bytes())
        .with_context(|| format!("cannot write {}", args.html.display()))?;
    let color = args.common.color.stderr();
    let mut err = io::stderr().lock();
    output::text::write_errors(&mut err, &run.all_errors(), color)?;
    if !args.common.quiet {
        let s = run.summary();
        writeln!(
            err,
            "wrote {} ({}, {} would change, {})",
            args.html.display(),
            output::plural(s.files, "file scanned", "files scanned"),
            s.changed,
            output::plural(s.findings, "finding", "findings"),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn code(n: u8) -> ExitCode {
    ExitCode::from(n)
}

fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Flush, treating a closed pipe (`exomig check | head`) as a normal end.
fn finish(mut w: impl Write) -> io::Result<()> {
    match w.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn is_stdin(paths: &[PathBuf]) -> bool {
    paths.len() == 1 && paths[0] == Path::new("-")
}

/// The findings in the chosen format; text also gets the summary block when `summary`.
fn print_report(
    out: &mut dyn Write,
    run: &Run,
    format: Format,
    color: bool,
    summary: bool,
) -> io::Result<()> {
    let result = match format {
        Format::Text => output::text::write_diagnostics(out, run, color).and_then(|()| {
            if summary {
                output::text::write_summary(out, run, &run.summary(), color)
            } else {
                Ok(())
            }
        }),
        Format::Json => output::json::write(out, run),
        Format::Sarif => output::sarif::write(out, run),
        Format::Github => output::github::write(out, run),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Per-path errors always reach stderr as text; machine formats also carry them inside.
fn report_errors_to_stderr(run: &Run, _format: Format, color: ColorChoice) -> io::Result<()> {
    let mut err = io::stderr().lock();
    output::text::write_errors(&mut err, &run.all_errors(), color.stderr())?;
    Ok(())
}

/// Walk, then process every file in parallel, keeping the walk's (sorted) order.
fn execute(
    mode: Mode,
    common: &CommonArgs,
    auth: &AuthArgs,
    unsafe_fixes: bool,
) -> anyhow::Result<Run> {
    let opts = Options {
        auth: auth.policy()?,
        unsafe_fixes,
    };
    let engine = Engine::new(mode, opts)?;
    let jobs = common.jobs.map_or(0, usize::from);

    if common.paths.iter().any(|p| p == Path::new("-")) {
        if common.paths.len() > 1 {
            bail!("`-` (stdin) cannot be combined with other paths");
        }
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
        let display = common
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "-".to_owned());
        let report = engine.run(display, Input::Stdin(bytes));
        return Ok(Run {
            mode,
            files: vec![report],
            errors: Vec::new(),
            unsafe_enabled: unsafe_fixes,
        });
    }

    let implicit = common.paths.is_empty();
    let roots = if implicit {
        vec![PathBuf::from(".")]
    } else {
        common.paths.clone()
    };
    let walked = walk::walk(
        &roots,
        implicit,
        &WalkOptions {
            excludes: common.exclude.clone(),
            no_ignore: common.no_ignore,
            jobs,
        },
    )?;

    // The global pool, so output rendering (also parallel) honours --jobs too. It can only
    // be set once per process, and this runs once.
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .context("cannot start worker threads")?;
    let bar = progress::bar(walked.files.len(), common.quiet);
    let files = walked
        .files
        .into_par_iter()
        .map(|f| {
            let report = engine.run(f.display, Input::Path(f.path));
            bar.inc(1);
            report
        })
        .collect::<Vec<_>>();
    bar.finish_and_clear();

    Ok(Run {
        mode,
        files,
        errors: walked
            .errors
            .into_iter()
            .map(|e| PathError {
                display: e.display,
                message: e.message,
            })
            .collect(),
        unsafe_enabled: unsafe_fixes,
    })
}

/// The report page is replaced atomically too: a reader never sees half a page.
fn write_page(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    // Temp files are private (0600); a review page is meant to be shared like any document.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => default_permissions(temp.as_file())?,
    };
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions(_file: &std::fs::File) -> io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}
