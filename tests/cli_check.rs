//! `exomig check`: exit codes, the JSON report's shape, errors, stdin and the fast path.
//! Tests marked TRANSLATOR depend on the translator's findings (interfaces.md §1).

mod cli_support;

use cli_support::*;

#[test]
fn modern_scripts_exit_0_and_report_every_file_scanned() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    write(dir.path(), "sub/b.psm1", MODERN);
    write(dir.path(), "sub/c.psd1", "@{ ModuleVersion = '1.0' }\n");
    write(
        dir.path(),
        "notes.txt",
        "New-PSSession in a text file is not a script",
    );
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(json_paths(&report), ["a.ps1", "sub/b.psm1", "sub/c.psd1"]);
    let summary = &report["summary"];
    for (key, value) in [
        ("files", 3),
        ("changed", 0),
        ("findings", 0),
        ("safe", 0),
        ("unsafe", 0),
        ("manual", 0),
        ("errors", 0),
    ] {
        assert_eq!(summary[key], value, "summary.{key} in {summary}");
    }
    let first = &report["files"][0];
    assert_eq!(first["encoding"], "utf-8");
    assert_eq!(first["line_ending"], "lf");
    assert_eq!(first["changed"], false);
    assert_eq!(first["findings"], serde_json::json!([]));
}

#[test]
fn encodings_and_line_endings_are_reported_with_the_contract_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "crlf.ps1", crlf(MODERN));
    write(
        dir.path(),
        "bom.ps1",
        [b"\xEF\xBB\xBF".as_slice(), MODERN.as_bytes()].concat(),
    );
    write(dir.path(), "u16.ps1", utf16le_bom(&crlf(MODERN)));
    write(dir.path(), "cp1252.ps1", b"# caf\xe9\rGet-Mailbox\r");
    write(dir.path(), "none.ps1", "Get-Mailbox");
    write(dir.path(), "mixed.ps1", "a\nb\r\n");
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let by_path = |p: &str| {
        report["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|f| f["path"] == p)
            .cloned()
            .unwrap_or_else(|| panic!("{p} missing from {report}"))
    };
    let expect = [
        ("crlf.ps1", "utf-8", "crlf"),
        ("bom.ps1", "utf-8-bom", "lf"),
        ("u16.ps1", "utf-16le-bom", "crlf"),
        ("cp1252.ps1", "windows-1252", "cr"),
        ("none.ps1", "utf-8", "none"),
        ("mixed.ps1", "utf-8", "mixed"),
    ];
    for (path, encoding, line_ending) in expect {
        let file = by_path(path);
        assert_eq!(file["encoding"], encoding, "{path}");
        assert_eq!(file["line_ending"], line_ending, "{path}");
    }
}

#[test]
fn missing_path_is_an_error_exit_2_and_other_files_are_still_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let run = run_in(
        dir.path(),
        &["check", "--format", "json", "a.ps1", "does-not-exist.ps1"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does-not-exist.ps1"), "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(json_paths(&report), ["a.ps1"]);
}

#[test]
fn undecodable_bytes_are_an_error_with_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A UTF-16 BOM followed by an odd number of bytes cannot be UTF-16.
    write(
        dir.path(),
        "broken.ps1",
        b"\xFF\xFEN\0e\0w\0-\0P\0S\0S\0e\0s\0s\0i\0o\0n\0!",
    );
    write(dir.path(), "ok.ps1", MODERN);
    let run = run_in(dir.path(), &["check"]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("broken.ps1"), "{}", run.stderr);
    assert!(run.stdout.contains("files scanned: 1"), "{}", run.stdout);
    assert!(run.stdout.contains("errors:        1"), "{}", run.stdout);
}

#[test]
fn bad_flags_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["check", "--no-such-flag"][..],
        &["check", "--format", "xml"],
        &["check", "--jobs", "0"],
        &["fix", "--color", "sometimes"],
        &["diff", "--auth", "certificate", "x.ps1"],
        &["check", "--exclude", "a[", "."],
        &["report", "."],
    ] {
        let run = run_in(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?} must say what is wrong");
    }
}

#[test]
fn stdin_is_reported_under_the_stdin_filename() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "ci/connect.ps1",
        ],
        MODERN.as_bytes(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json_paths(&json(&run)), ["ci/connect.ps1"]);
}

#[test]
fn stdin_cannot_be_mixed_with_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let run = run_stdin(dir.path(), &["check", "-", "a.ps1"], b"");
    assert_eq!(run.code, 2);
}

#[test]
fn quiet_text_output_has_no_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let loud = run_in(dir.path(), &["check"]);
    assert!(loud.stdout.contains("files scanned: 1"), "{}", loud.stdout);
    let quiet = run_in(dir.path(), &["check", "--quiet"]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stdout, "");
}

// TRANSLATOR: the canonical legacy script has safe findings that `fix` would apply.
#[test]
fn legacy_script_exits_1_with_positioned_safe_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy.ps1", LEGACY);
    write(dir.path(), "modern.ps1", MODERN);
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let legacy = &report["files"][0];
    assert_eq!(legacy["path"], "legacy.ps1");
    assert_eq!(legacy["changed"], true);
    let findings = legacy["findings"].as_array().expect("findings");
    let exo001 = findings
        .iter()
        .find(|f| f["rule"] == "EXO001")
        .unwrap_or_else(|| panic!("no EXO001 in {legacy}"));
    assert_eq!(exo001["path"], "legacy.ps1");
    assert_eq!(exo001["line"], 2);
    assert_eq!(exo001["end_line"], 2);
    assert!(exo001["column"].as_u64().is_some_and(|c| c >= 1));
    assert_eq!(exo001["applicability"], "safe");
    assert!(["warning", "error"].contains(&exo001["severity"].as_str().unwrap_or("")));
    assert!(
        exo001["fix"]["replacement"]
            .as_str()
            .is_some_and(|r| r.contains("Connect-ExchangeOnline")),
        "{exo001}"
    );
    assert_eq!(report["files"][1]["changed"], false);
    let summary = &report["summary"];
    assert_eq!(summary["files"], 2);
    assert_eq!(summary["changed"], 1);
    assert_eq!(summary["findings"], findings.len());
    let safe = findings
        .iter()
        .filter(|f| f["applicability"] == "safe")
        .count();
    assert_eq!(summary["safe"], safe);
}

// TRANSLATOR: text diagnostics point at the statement with a snippet and a help line.
#[test]
fn legacy_text_diagnostics_show_rule_location_snippet_and_help() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy.ps1", LEGACY);
    let run = run_in(dir.path(), &["check"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("[EXO001]"), "{}", run.stdout);
    assert!(run.stdout.contains("[safe]"), "{}", run.stdout);
    assert!(run.stdout.contains("--> legacy.ps1:2:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("2 | $Session = New-PSSession"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains('^'), "{}", run.stdout);
    assert!(run.stdout.contains("help:"), "{}", run.stdout);
    assert!(run.stdout.contains("would change:  1"), "{}", run.stdout);
}

// TRANSLATOR: info findings (on-premises) never change the exit code.
#[test]
fn on_premises_only_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "onprem.ps1", ON_PREMISES);
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = json(&run);
    for f in report["files"][0]["findings"].as_array().expect("findings") {
        assert_eq!(f["severity"], "info", "{f}");
    }
    assert_eq!(report["files"][0]["changed"], false);
}

// TRANSLATOR: a plaintext password is reported (SEC001, manual) and fails the check.
#[test]
fn plaintext_password_is_a_manual_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pw.ps1", PLAINTEXT_PASSWORD);
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let report = json(&run);
    let f = &report["files"][0]["findings"][0];
    assert_eq!(f["rule"], "SEC001");
    assert_eq!(f["applicability"], "manual");
    assert_eq!(f["line"], 1);
    assert_eq!(report["summary"]["manual"], 1);
}

// TRANSLATOR: the fast path is per encoding; a UTF-16 legacy script is still found.
#[test]
fn utf16_legacy_script_is_not_skipped_by_the_fast_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "u16.ps1", utf16le_bom(&crlf(LEGACY)));
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = json(&run);
    assert_eq!(report["files"][0]["encoding"], "utf-16le-bom");
    assert!(report["summary"]["findings"]
        .as_u64()
        .is_some_and(|n| n > 0));
}

/// The progress bar needs a terminal, so the test forces it with `EXOMIG_PROGRESS=always`
/// (drawn to stderr whatever it is connected to): it must show up on stderr and never in
/// stdout, which stays one parseable JSON document.
#[test]
fn forced_progress_bar_draws_on_stderr_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..30 {
        let body = if i % 5 == 0 { LEGACY } else { MODERN };
        write(dir.path(), &format!("d{}/f{i}.ps1", i % 3), body);
    }
    let forced = |args: &[&str]| {
        let out = exomig()
            .args(args)
            .current_dir(dir.path())
            .env("EXOMIG_PROGRESS", "always")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run exomig");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = forced(&["check", "--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("/30 files"),
        "no progress on stderr: {stderr:?}"
    );
    assert!(
        !stdout.contains("files (") && !stdout.contains('\x1b'),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(report["summary"]["files"], 30);
    assert_eq!(report["summary"]["changed"], 6);

    // Text output too: diagnostics on stdout are not interleaved with bar frames.
    let (_, stdout, stderr) = forced(&["check"]);
    assert!(stderr.contains("/30 files"), "{stderr:?}");
    assert!(
        !stdout.contains("/30 files") && !stdout.contains("\x1b[2K"),
        "{stdout}"
    );

    // --quiet wins over the environment.
    let (_, _, stderr) = forced(&["check", "--quiet", "--format", "json"]);
    assert!(!stderr.contains("files"), "{stderr:?}");
}
