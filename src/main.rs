//! The `exomig` command line: a thin shell over the `exomig-translator`, `exomig-grammar`,
//! `exomig-proxy` and `exomig-emulator` crates. Flag parsing and output formats live here;
//! analysis, rewriting and networking do not.
#![forbid(unsafe_code)]

mod commands;
mod engine;
mod fsio;
mod output;
mod progress;
mod shutdown;
mod source;
mod triggers;
mod walk;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "exomig",
    version,
    about = "Migrate legacy Exchange Online remote PowerShell scripts to the modern module",
    long_about = "exomig finds legacy Exchange Online remote PowerShell connections \
(New-PSSession to PowerShell-LiveID, Basic auth, the V1 MFA module) in PowerShell scripts and \
rewrites them into Connect-ExchangeOnline / Connect-IPPSSession calls. It also runs a local \
compatibility proxy so unmodified legacy tooling keeps working against modern auth.",
    after_help = "Examples:\n  exomig check scripts/\n  exomig diff samples/\n  exomig fix --backup scripts/\n  exomig report --html review.html scripts/\n  exomig explain EXO001"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report legacy connections and related findings (never writes files)
    Check(commands::translate::CheckArgs),
    /// Print a unified diff of the proposed rewrite (never writes files)
    Diff(commands::translate::DiffArgs),
    /// Apply the rewrite in place, atomically
    Fix(commands::translate::FixArgs),
    /// Write a self-contained HTML review page
    Report(commands::translate::ReportArgs),
    /// Parse only; print syntax errors as file:line:col
    Parse(commands::parse::Args),
    /// Print the documentation of one rule
    Explain(commands::explain::Args),
    /// Run a local stand-in for the Exchange Online REST API and its identity provider
    Emulate(commands::emulate::Args),
    /// Run the PowerShell-LiveID compatibility proxy
    Proxy(commands::proxy::Args),
    /// Manage the proxy's local users file
    Users(commands::users::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => commands::translate::check(args),
        Command::Diff(args) => commands::translate::diff(args),
        Command::Fix(args) => commands::translate::fix(args),
        Command::Report(args) => commands::translate::report(args),
        Command::Parse(args) => commands::parse::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Emulate(args) => commands::emulate::run(args),
        Command::Proxy(args) => commands::proxy::run(args),
        Command::Users(args) => commands::users::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
