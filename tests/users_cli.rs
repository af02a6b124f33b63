//! `exomig users add|remove|list` as a process: passwords only through stdin, argon2 hashes on
//! disk, replacement of an existing name, exit codes.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use exomig_proxy::users::Users;

fn exomig(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exomig"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("exomig starts");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("exomig exits")
}

fn add(file: &Path, name: &str, password: &str) -> Output {
    let file = file.to_str().expect("utf-8 path");
    exomig(
        &[
            "users",
            "add",
            "--file",
            file,
            "--name",
            name,
            "--password-stdin",
        ],
        Some(password),
    )
}

fn list(file: &Path) -> Vec<String> {
    let out = exomig(
        &[
            "users",
            "list",
            "--file",
            file.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn add_list_replace_remove() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("users.txt");
    assert!(add(&file, "alice", "correct horse\n").status.success());
    assert!(add(&file, "bob", "b0b-pass\r\n").status.success());
    assert_eq!(list(&file), vec!["alice", "bob"]);

    let text = std::fs::read_to_string(&file).expect("file written");
    assert!(text.contains("alice:$argon2id$"), "{text}");
    assert!(
        !text.contains("correct horse") && !text.contains("b0b-pass"),
        "{text}"
    );
    let users = Users::load(&file).expect("loads");
    // One trailing newline (LF or CRLF) is not part of the password.
    assert!(users.verify("alice", "correct horse"));
    assert!(users.verify("bob", "b0b-pass"));
    assert!(!users.verify("bob", "b0b-pass\r"));

    let replaced = add(&file, "ALICE", "new-password");
    assert!(replaced.status.success());
    assert!(String::from_utf8_lossy(&replaced.stderr).contains("updated"));
    let users = Users::load(&file).expect("loads");
    assert!(users.verify("alice", "new-password"));
    assert!(!users.verify("alice", "correct horse"));
    assert_eq!(list(&file).len(), 2);

    let file_arg = file.to_str().expect("utf-8 path");
    let removed = exomig(
        &["users", "remove", "--file", file_arg, "--name", "bob"],
        None,
    );
    assert!(removed.status.success(), "{removed:?}");
    assert_eq!(list(&file), vec!["ALICE"]);
    let again = exomig(
        &["users", "remove", "--file", file_arg, "--name", "bob"],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn passwords_are_never_taken_from_arguments_and_never_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("users.txt");
    let file_arg = file.to_str().expect("utf-8 path");
    let no_stdin = exomig(
        &["users", "add", "--file", file_arg, "--name", "carol"],
        None,
    );
    assert_eq!(no_stdin.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_stdin.stderr).contains("--password-stdin"));
    let empty = add(&file, "carol", "\n");
    assert_eq!(empty.status.code(), Some(2));
    assert!(!file.exists(), "nothing written on failure");
    let bad_name = add(&file, "ca:rol", "pw");
    assert_eq!(bad_name.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_name.stderr).contains("invalid user name"));
}

#[test]
fn a_corrupt_file_is_reported_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("users.txt");
    std::fs::write(&file, "# users\nalice:plaintext\n").expect("write");
    let out = exomig(
        &[
            "users",
            "list",
            "--file",
            file.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2"),
        "{out:?}"
    );
}
