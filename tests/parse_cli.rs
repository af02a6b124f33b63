//! `exomig parse`: exit codes, text/JSON/GitHub output, `--tree`, stdin and directory walking.
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn exomig(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exomig"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run exomig");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn clean_directory_exits_zero_and_skips_ignored_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ps1"), "Get-Date\n").unwrap();
    std::fs::write(dir.path().join("b.psm1"), "function f { 1 }\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "if ( {\n").unwrap();
    std::fs::create_dir(dir.path().join("skip")).unwrap();
    std::fs::write(dir.path().join("skip/bad.ps1"), "if ( {\n").unwrap();
    std::fs::write(dir.path().join(".ignore"), "skip/\n").unwrap();
    let out = exomig(
        &["parse", "--format", "json", dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 2);
    assert_eq!(json["summary"]["errors"], 0);
}

#[test]
fn syntax_errors_are_reported_as_path_line_col_and_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ps1");
    std::fs::write(&path, "Get-Date\r\nfunction f {\r\n  'x'\r\n").unwrap();
    let out = exomig(&["parse", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(
        text.trim_end(),
        format!(
            "{}:2:12: error: missing closing `}}` for `{{`",
            path.display()
        )
    );
}

#[test]
fn json_reports_encoding_line_ending_and_positions() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("\"abc\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    let out = exomig(
        &[
            "parse",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "in.ps1",
        ],
        Some(&bytes),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["path"], "in.ps1");
    assert_eq!(file["encoding"], "utf-16le-bom");
    assert_eq!(file["line_ending"], "crlf");
    let error = &file["errors"][0];
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (error["end_line"].as_u64(), error["end_column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(json["summary"]["errors"], 1);
}

#[test]
fn github_format_prints_workflow_commands() {
    let out = exomig(
        &["parse", "--format", "github", "-"],
        Some(b"Get-Date\n)\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("::error file=-,line=2,col=1,"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn tree_prints_kinds_spans_and_token_texts() {
    let out = exomig(&["parse", "--tree", "-"], Some(b"$x = 1\n"));
    assert_eq!(out.status.code(), Some(0));
    let tree = stdout(&out);
    assert!(
        tree.starts_with("Script@0..7\n  Assignment@0..6\n    Variable@0..2 \"$x\"\n"),
        "{tree}"
    );
}

#[test]
fn tree_of_several_files_and_unreadable_paths_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.ps1"), "1\n").unwrap();
    std::fs::write(dir.path().join("b.ps1"), "2\n").unwrap();
    let out = exomig(&["parse", "--tree", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let missing = dir.path().join("missing.ps1");
    let out = exomig(&["parse", missing.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn samples_and_corpus_parse_cleanly() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut args = vec!["parse".to_owned(), "--quiet".to_owned()];
    for dir in ["samples", "tests/corpus"] {
        let path = format!("{root}/{dir}");
        if std::path::Path::new(&path).is_dir() {
            args.push(path);
        }
    }
    if args.len() == 2 {
        return;
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = exomig(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
