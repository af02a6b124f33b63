//! `exomig explain`, and `--help` on every translator command.

mod cli_support;

use cli_support::*;

#[test]
fn every_rule_can_be_explained_case_insensitively() {
    let dir = tempfile::tempdir().expect("tempdir");
    for id in [
        "EXO001", "EXO002", "EXO003", "EXO004", "EXO005", "EXO006", "EXO007", "EXO008", "EXO009",
        "EXO010", "SEC001", "SYN001",
    ] {
        let run = run_in(dir.path(), &["explain", &id.to_lowercase()]);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        assert!(run.stdout.starts_with(id), "{id}: {}", run.stdout);
    }
}

#[test]
fn unknown_rule_exits_2_and_lists_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(dir.path(), &["explain", "EXO999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("EXO999"), "{}", run.stderr);
    assert!(run.stderr.contains("SEC001"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn without_a_rule_every_rule_is_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(dir.path(), &["explain"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), 12, "{}", run.stdout);
}

// TRANSLATOR: the rule texts come from `Rule::doc`.
#[test]
fn explain_has_every_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(dir.path(), &["explain", "EXO001"]);
    for section in [
        "What it finds",
        "Why it matters",
        "Before:",
        "After:",
        "Applicability",
    ] {
        assert!(run.stdout.contains(section), "{section}: {}", run.stdout);
    }
    assert!(run.stdout.contains("New-PSSession"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Connect-ExchangeOnline"),
        "{}",
        run.stdout
    );
}

#[test]
fn help_has_examples_on_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    for command in ["check", "diff", "fix", "report", "explain"] {
        let run = run_in(dir.path(), &[command, "--help"]);
        assert_eq!(run.code, 0, "{command}");
        assert!(
            run.stdout.contains("Examples:"),
            "{command}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("exomig {command}")),
            "{command}"
        );
    }
    let top = run_in(dir.path(), &["--help"]);
    assert!(top.stdout.contains("Examples:"));
}
