//! Walking: ignore files, excludes, hidden folders, symlinks, ordering and a large tree.

mod cli_support;

use cli_support::*;

fn paths(dir: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let run = run_in(dir, &full);
    assert_ne!(run.code, 2, "{}", run.stderr);
    json_paths(&json(&run))
}

#[test]
fn gitignore_and_ignore_files_are_honoured_unless_no_ignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".gitignore", "build/\n*.generated.ps1\n");
    write(dir.path(), "tools/.ignore", "vendored.ps1\n");
    write(dir.path(), "keep.ps1", MODERN);
    write(dir.path(), "build/out.ps1", MODERN);
    write(dir.path(), "x.generated.ps1", MODERN);
    write(dir.path(), "tools/vendored.ps1", MODERN);
    write(dir.path(), "tools/own.ps1", MODERN);
    assert_eq!(paths(dir.path(), &[]), ["keep.ps1", "tools/own.ps1"]);
    assert_eq!(
        paths(dir.path(), &["--no-ignore"]),
        [
            "build/out.ps1",
            "keep.ps1",
            "tools/own.ps1",
            "tools/vendored.ps1",
            "x.generated.ps1"
        ]
    );
}

#[test]
fn excludes_match_names_anywhere_and_paths_from_the_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/vendor/x.ps1", MODERN);
    write(dir.path(), "a/y.ps1", MODERN);
    write(dir.path(), "old/z.ps1", MODERN);
    write(dir.path(), "old/deep/w.ps1", MODERN);
    write(dir.path(), "m.psd1", MODERN);
    assert_eq!(
        paths(
            dir.path(),
            &[
                "--exclude",
                "vendor",
                "--exclude",
                "old/*.ps1",
                "--exclude",
                "*.psd1"
            ]
        ),
        ["a/y.ps1", "old/deep/w.ps1"]
    );
    assert_eq!(
        paths(dir.path(), &["--exclude", "old/**"]),
        ["a/vendor/x.ps1", "a/y.ps1", "m.psd1"]
    );
}

#[test]
fn hidden_folders_are_walked_but_vcs_folders_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".github/scripts/deploy.ps1", MODERN);
    write(dir.path(), ".git/hooks/pre-commit.ps1", MODERN);
    write(dir.path(), ".hidden.ps1", MODERN);
    assert_eq!(
        paths(dir.path(), &[]),
        [".github/scripts/deploy.ps1", ".hidden.ps1"]
    );
}

#[test]
fn explicit_files_are_read_whatever_their_extension_and_paths_keep_their_spelling() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scripts/job.txt", MODERN);
    write(dir.path(), "scripts/a.ps1", MODERN);
    assert_eq!(
        paths(dir.path(), &["scripts/job.txt", "./scripts"]),
        ["./scripts/a.ps1", "scripts/job.txt"]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_trap_the_walk() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/real.ps1", MODERN);
    std::os::unix::fs::symlink("..", dir.path().join("a/loop")).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("a/self")).expect("symlink");
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json_paths(&json(&run)), ["a/real.ps1"]);
}

#[test]
fn output_order_does_not_depend_on_parallelism() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..60 {
        write(dir.path(), &format!("d{}/f{i}.ps1", i % 7), MODERN);
    }
    let one = run_in(dir.path(), &["check", "--format", "json", "--jobs", "1"]);
    let many = run_in(dir.path(), &["check", "--format", "json", "--jobs", "8"]);
    assert_eq!(one.stdout, many.stdout);
    let walked = json_paths(&json(&one));
    let mut sorted = walked.clone();
    sorted.sort();
    assert_eq!(walked, sorted);
    assert_eq!(walked.len(), 60);
}

/// A tree like a real estate: thousands of small modern scripts, a few legacy ones.
fn generate_tree(root: &std::path::Path, files: usize, legacy_every: usize) -> usize {
    let mut legacy = 0;
    for i in 0..files {
        let rel = format!("team{:02}/area{:02}/script{i:05}.ps1", i % 37, i % 11);
        if i % legacy_every == 0 {
            legacy += 1;
            write(root, &rel, LEGACY);
        } else {
            write(root, &rel, format!("# job {i}\n{MODERN}"));
        }
    }
    legacy
}

// Partly TRANSLATOR: the `changed` count needs the translator to find the legacy scripts.
#[test]
fn a_tree_of_5000_files_is_scanned_completely_and_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let legacy = generate_tree(dir.path(), 5000, 20);
    let run = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["summary"]["files"], 5000);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["changed"], legacy);
    let walked = json_paths(&report);
    assert_eq!(walked.len(), 5000);
    assert!(walked.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    // The progress bar is for terminals only; a piped stderr stays silent.
    assert_eq!(run.stderr, "");
}

/// `exomig parse` walks with the same walker as check: same ignore files, excludes, hidden
/// and VCS folders, display paths and order.
#[test]
fn parse_walks_exactly_the_files_check_walks() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), ".gitignore", "build/\n");
    write(dir.path(), "build/out.ps1", MODERN);
    write(dir.path(), ".github/scripts/deploy.ps1", MODERN);
    write(dir.path(), ".git/hooks/pre-commit.ps1", MODERN);
    write(dir.path(), "a/vendor/x.ps1", MODERN);
    write(dir.path(), "b/y.psm1", MODERN);
    write(dir.path(), "b/notes.txt", MODERN);
    write(dir.path(), "Z.PS1", MODERN);
    for extra in [&[][..], &["--exclude", "vendor"][..], &["--no-ignore"][..]] {
        let check = paths(dir.path(), extra);
        let mut args = vec!["parse", "--format", "json"];
        args.extend_from_slice(extra);
        let run = run_in(dir.path(), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(json_paths(&json(&run)), check, "flags {extra:?}");
    }
    assert_eq!(
        paths(dir.path(), &["--exclude", "vendor"]),
        [".github/scripts/deploy.ps1", "Z.PS1", "b/y.psm1"]
    );
}

#[test]
fn parse_reports_a_missing_path_and_still_parses_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "ok.ps1", MODERN);
    let run = run_in(
        dir.path(),
        &["parse", "--format", "json", "missing", "ok.ps1"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing"), "{}", run.stderr);
    assert_eq!(json_paths(&json(&run)), ["ok.ps1"]);
}
