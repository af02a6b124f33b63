//! `exomig fix` and `exomig diff`: what is written (and what is not), backups, stdin/stdout,
//! byte fidelity and exit codes. Tests marked TRANSLATOR depend on the translator's rewrites.

mod cli_support;

use std::fs;

use cli_support::*;
use filetime::FileTime;

fn set_old_mtime(path: &std::path::Path) -> FileTime {
    let old = FileTime::from_unix_time(1_500_000_000, 0);
    filetime::set_file_mtime(path, old).expect("set mtime");
    old
}

#[test]
fn unchanged_files_are_not_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "modern.ps1", MODERN);
    write(dir.path(), "pw.ps1", PLAINTEXT_PASSWORD);
    let modern = dir.path().join("modern.ps1");
    let pw = dir.path().join("pw.ps1");
    let old = set_old_mtime(&modern);
    set_old_mtime(&pw);
    let run = run_in(dir.path(), &["fix", "--backup"]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    for path in [&modern, &pw] {
        let meta = fs::metadata(path).expect("meta");
        assert_eq!(
            FileTime::from_last_modification_time(&meta),
            old,
            "{path:?}"
        );
    }
    assert_eq!(fs::read_to_string(&modern).expect("read"), MODERN);
    assert!(!dir.path().join("modern.ps1.bak").exists());
    assert!(!dir.path().join("pw.ps1.bak").exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temp files left: {leftovers:?}");
}

#[test]
fn fix_stdin_echoes_a_script_with_nothing_to_fix_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    for input in [
        MODERN.as_bytes().to_vec(),
        crlf(MODERN).into_bytes(),
        utf16le_bom(MODERN),
        b"# caf\xe9\r\nGet-Mailbox".to_vec(),
    ] {
        let run = run_stdin(dir.path(), &["fix", "-"], &input);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout_bytes, input);
    }
}

#[test]
fn diff_of_modern_scripts_is_empty_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let run = run_in(dir.path(), &["diff"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

// TRANSLATOR: the canonical script is rewritten in place, everything else kept.
#[test]
fn fix_rewrites_legacy_scripts_keeps_a_backup_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy.ps1", LEGACY);
    write(dir.path(), "modern.ps1", MODERN);
    let run = run_in(dir.path(), &["fix", "--backup"]);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let fixed = fs::read_to_string(dir.path().join("legacy.ps1")).expect("read");
    assert!(fixed.contains("Connect-ExchangeOnline"), "{fixed}");
    assert!(!fixed.contains("New-PSSession"), "{fixed}");
    assert!(!fixed.contains("Import-PSSession"), "{fixed}");
    assert!(fixed.contains("Get-Mailbox -ResultSize 10\n"), "{fixed}");
    assert_eq!(
        fs::read_to_string(dir.path().join("legacy.ps1.bak")).expect("backup"),
        LEGACY
    );
    assert!(!dir.path().join("modern.ps1.bak").exists());
    assert!(run.stdout.contains("files changed: 1"), "{}", run.stdout);
    assert!(run.stdout.contains("fixed legacy.ps1 ("), "{}", run.stdout);
    assert!(!run.stdout.contains("fixed modern.ps1"), "{}", run.stdout);

    // Idempotent: a second run changes nothing and finds nothing left.
    let again = run_in(dir.path(), &["fix"]);
    assert_eq!(again.code, 0);
    assert_eq!(
        fs::read_to_string(dir.path().join("legacy.ps1")).expect("read"),
        fixed
    );
    assert_eq!(run_in(dir.path(), &["check"]).code, 0);
}

// TRANSLATOR: `fix -` prints exactly the bytes the in-place fix writes, in every encoding.
#[test]
fn fix_stdin_writes_what_in_place_fix_writes() {
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("lf", LEGACY.as_bytes().to_vec()),
        ("crlf", crlf(LEGACY).into_bytes()),
        (
            "utf8-bom",
            [b"\xEF\xBB\xBF".as_slice(), LEGACY.as_bytes()].concat(),
        ),
        ("utf16", utf16le_bom(&crlf(LEGACY))),
        ("no-final-newline", LEGACY.trim_end().as_bytes().to_vec()),
    ];
    for (name, input) in inputs {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "s.ps1", &input);
        let piped = run_stdin(
            dir.path(),
            &["fix", "-", "--stdin-filename", "s.ps1"],
            &input,
        );
        assert_eq!(piped.code, 0, "{name}: {}", piped.stderr);
        assert_ne!(piped.stdout_bytes, input, "{name}: something must change");
        let in_place = run_in(dir.path(), &["fix", "s.ps1"]);
        assert_eq!(in_place.code, 0, "{name}: {}", in_place.stderr);
        let written = fs::read(dir.path().join("s.ps1")).expect("read");
        assert_eq!(piped.stdout_bytes, written, "{name}");
        if name == "crlf" || name == "utf16" {
            let text = String::from_utf8_lossy(&written).replace('\0', "");
            assert!(
                !text.replace("\r\n", "").contains('\n'),
                "{name}: LF crept into CRLF"
            );
        }
    }
}

// TRANSLATOR: a script whose findings need a person makes fix exit 1 and stays untouched.
#[test]
fn manual_findings_make_fix_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "pw.ps1", PLAINTEXT_PASSWORD);
    let run = run_in(dir.path(), &["fix", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["files"][0]["findings"][0]["rule"], "SEC001");
    assert_eq!(report["summary"]["changed"], 0);
    assert_eq!(
        fs::read_to_string(dir.path().join("pw.ps1")).expect("read"),
        PLAINTEXT_PASSWORD
    );
}

// TRANSLATOR: the diff shows the rewrite with a/ b/ headers and exits 1.
#[test]
fn diff_shows_the_proposed_rewrite_and_never_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "legacy.ps1", crlf(LEGACY));
    let run = run_in(dir.path(), &["diff"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("--- a/legacy.ps1\n+++ b/legacy.ps1\n@@ "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n-$Session = New-PSSession"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n+Connect-ExchangeOnline"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\r'), "CRLF must not show in the diff");
    assert!(
        !run.stdout.contains("\x1b["),
        "no colour when not a terminal"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("legacy.ps1")).expect("read"),
        crlf(LEGACY)
    );
    let colored = run_in(dir.path(), &["diff", "--color", "always"]);
    assert!(colored.stdout.contains("\x1b[31m-"), "{}", colored.stdout);
    assert!(colored.stdout.contains("\x1b[32m+"), "{}", colored.stdout);
}

fn copy_samples(to: &std::path::Path) {
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for entry in fs::read_dir(samples).expect("samples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "ps1") {
            let name = path.file_name().expect("file name");
            fs::copy(&path, to.join(name)).expect("copy sample");
        }
    }
}

fn changed_paths(report: &serde_json::Value) -> Vec<String> {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["changed"] == true)
        .map(|f| f["path"].as_str().expect("path").to_owned())
        .collect()
}

// TRANSLATOR: check's `changed` must agree with what fix actually changes, with and without
// --unsafe, on every sample.
#[test]
fn check_predicts_exactly_the_files_fix_changes() {
    for flags in [&[][..], &["--unsafe"][..]] {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_samples(dir.path());
        let mut check = vec!["check", "--format", "json"];
        check.extend_from_slice(flags);
        let predicted = changed_paths(&json(&run_in(dir.path(), &check)));
        assert!(!predicted.is_empty(), "samples hold legacy scripts");
        let mut fix = vec!["fix", "--format", "json"];
        fix.extend_from_slice(flags);
        let run = run_in(dir.path(), &fix);
        assert_ne!(run.code, 2, "{}", run.stderr);
        assert_eq!(predicted, changed_paths(&json(&run)), "flags {flags:?}");
    }
}

/// Every script the repository holds as input, grouped by the flags it is meant to run with:
/// translator fixtures with their `args.txt`, and the samples and the hand-written corpus
/// both without flags and with `--unsafe`.
fn inputs_by_flags() -> std::collections::BTreeMap<String, Vec<(String, Vec<u8>)>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut groups: std::collections::BTreeMap<String, Vec<(String, Vec<u8>)>> = Default::default();
    let fixtures = root.join("translator/tests/fixtures");
    for entry in fs::read_dir(&fixtures).expect("translator/tests/fixtures") {
        let dir = entry.expect("entry").path();
        let Ok(input) = fs::read(dir.join("input.ps1")) else {
            continue;
        };
        let flags = fs::read_to_string(dir.join("args.txt")).unwrap_or_default();
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        groups
            .entry(flags.split_whitespace().collect::<Vec<_>>().join(" "))
            .or_default()
            .push((format!("{name}.ps1"), input));
    }
    for dir in ["samples", "tests/corpus"] {
        for entry in fs::read_dir(root.join(dir)).expect("inputs dir") {
            let path = entry.expect("entry").path();
            let script = path
                .extension()
                .is_some_and(|e| ["ps1", "psm1", "psd1"].iter().any(|x| e == *x));
            if !script {
                continue;
            }
            let name = format!(
                "{}-{}",
                dir.replace('/', "-"),
                path.file_name().expect("name").to_string_lossy()
            );
            let bytes = fs::read(&path).expect("read input");
            for flags in ["", "--unsafe"] {
                groups
                    .entry(flags.to_owned())
                    .or_default()
                    .push((name.clone(), bytes.clone()));
            }
        }
    }
    groups
}

// TRANSLATOR: interfaces.md: `changed` "tells whether `fix` (with the same flags) would change
// the file". Checked against the bytes `fix` really writes (not fix's own report), over every
// fixture input with its flags and every sample and corpus script.
#[test]
fn check_changed_is_exactly_whether_fix_rewrites_the_bytes_for_every_known_input() {
    let mut changed_somewhere = 0;
    for (flags, files) in inputs_by_flags() {
        let flags: Vec<&str> = flags.split_whitespace().collect();
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, bytes) in &files {
            write(dir.path(), name, bytes);
        }
        let mut check = vec!["check", "--format", "json"];
        check.extend_from_slice(&flags);
        let report = json(&run_in(dir.path(), &check));
        let mut predicted = changed_paths(&report);
        predicted.sort();
        let mut fix = vec!["fix", "--quiet"];
        fix.extend_from_slice(&flags);
        let run = run_in(dir.path(), &fix);
        assert_ne!(run.code, 2, "flags {flags:?}: {}", run.stderr);
        let mut rewritten: Vec<String> = files
            .iter()
            .filter(|(name, bytes)| fs::read(dir.path().join(name)).expect("read back") != *bytes)
            .map(|(name, _)| name.clone())
            .collect();
        rewritten.sort();
        assert_eq!(predicted, rewritten, "flags {flags:?}");
        assert_eq!(
            report["summary"]["changed"],
            rewritten.len(),
            "flags {flags:?}"
        );
        changed_somewhere += rewritten.len();
    }
    assert!(
        changed_somewhere > 50,
        "the inputs hold many legacy scripts"
    );
}
