//! `exomig report --html FILE`: a self-contained, escaped review page, rendered in headless
//! Chromium ($EXOMIG_CHROMIUM, set by ./test.sh; else `chromium` on PATH).
//! Tests marked TRANSLATOR depend on the translator's findings.

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::*;

fn report(dir: &Path, args: &[&str]) -> String {
    let mut full = vec!["report", "--html", "review.html"];
    full.extend_from_slice(args);
    let run = run_in(dir, &full);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("wrote review.html"), "{}", run.stderr);
    std::fs::read_to_string(dir.join("review.html")).expect("page written")
}

/// No element may load anything: no src/href to a URL, no CSS url()/@import, and a CSP that
/// forbids every load should one slip in.
fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for needle in [
        "src=", "<script", "<link", "url(", "@import", "<iframe", "<img",
    ] {
        assert!(!lower.contains(needle), "page contains {needle}");
    }
    for href in lower.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#'),
            "non-local link: {}",
            &href[..href.len().min(60)]
        );
    }
    assert!(lower.contains("content-security-policy"));
    assert!(lower.contains("default-src 'none'"));
}

#[test]
fn page_is_written_self_contained_with_a_summary_and_exit_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a.ps1", MODERN);
    let page = report(dir.path(), &[]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<table class=\"summary\">"));
    assert!(page.contains("Files scanned"));
    assert!(page.contains("Nothing to migrate"));
    assert_self_contained(&page);
}

#[test]
fn markup_in_paths_and_errors_is_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Undecodable (BOM says UTF-8, bytes are not), so the page lists it among the errors.
    write(
        dir.path(),
        "<script>alert(1)</script>.ps1",
        b"\xEF\xBB\xBFNew-PSSession \xFF\xFE\xFD",
    );
    let page = report(dir.path(), &[]);
    assert!(!page.contains("<script>alert(1)</script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.ps1"),
        "{page}"
    );
    assert_self_contained(&page);
}

// TRANSLATOR: changed files get a side-by-side table with highlighted lines and findings.
#[test]
fn changed_files_get_side_by_side_before_and_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = format!("# <script>alert('x')</script>\n{LEGACY}");
    write(dir.path(), "legacy.ps1", &script);
    write(dir.path(), "modern.ps1", MODERN);
    let page = report(dir.path(), &[]);
    assert_self_contained(&page);
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(!page.contains("<script>"));
    assert!(
        page.contains("<a href=\"#file-0\">legacy.ps1</a>"),
        "{page}"
    );
    assert!(
        !page.contains(">modern.ps1<"),
        "unchanged clean files are not listed"
    );
    assert!(page.contains("<table class=\"sbs\">"));
    assert!(
        page.contains("class=\"del\">$Session = New-PSSession"),
        "{page}"
    );
    assert!(
        page.contains("class=\"ins\">Connect-ExchangeOnline"),
        "{page}"
    );
    assert!(page.contains("<span class=\"rule\">EXO001</span>"));
}

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("EXOMIG_CHROMIUM").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("chromium"))
                .find(|p| p.is_file())
        })
        .expect("headless Chromium is needed: run ./test.sh (installs Debian's chromium) or set EXOMIG_CHROMIUM")
}

/// Run Chromium headless with a hard stop, so a wedged browser fails the test, not the run.
fn run_chromium(profile: &Path, args: &[String]) -> std::process::Output {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("poll chromium").is_some() {
            return child.wait_with_output().expect("chromium output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within the guard time");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn page_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "scripts/legacy.ps1", LEGACY);
    write(dir.path(), "scripts/modern.ps1", MODERN);
    report(dir.path(), &["scripts"]);
    let page = dir.path().join("review.html");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().expect("profile dir");

    let dom = run_chromium(profile.path(), &["--dump-dom".into(), url.clone()]);
    let rendered = String::from_utf8_lossy(&dom.stdout);
    assert!(
        rendered.contains("exomig migration review"),
        "stderr: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    assert!(rendered.contains("Files scanned"));
    // The scanned count cell: two scripts.
    assert!(rendered.contains("<td class=\"num\">2</td>"), "{rendered}");

    let shot = profile.path().join("shot.png");
    let out = run_chromium(
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            url,
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "suspiciously small screenshot: {} bytes",
        png.len()
    );
}
