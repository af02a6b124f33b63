//! `exomig emulate` as a process: flags, the stdout line, a token + Get-Mailbox round trip over
//! plain HTTP (as the README's curl commands do), and a graceful SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Emulator {
    child: Child,
    host: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exomig"))
        .args(["emulate", "--listen", "127.0.0.1:0"])
        .args(extra)
        // The fixed development key: generating one is slow in debug builds.
        .env(
            "EXOMIG_EMULATOR_SIGNING_KEY",
            repo().join("proxy/emulator/src/dev-signing-key.pem"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("exomig starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line on stdout");
    let host = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .map(|rest| rest.trim_end_matches([';', ',']).to_owned())
        .and_then(|rest| rest.split('/').next().map(str::to_owned))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    Emulator { child, host }
}

/// One HTTP/1.1 exchange; returns status and body.
fn http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(host).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("headers end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, body.to_owned())
}

fn token(emu: &Emulator, tenant: &str, form: &str) -> (u16, serde_json::Value) {
    let (status, body) = http(
        &emu.host,
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form,
    );
    (status, serde_json::from_str(&body).expect("JSON"))
}

fn get_mailbox(emu: &Emulator, access_token: &str) -> (u16, serde_json::Value) {
    let (status, body) = http(
        &emu.host,
        "POST",
        "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand",
        &[
            ("Authorization", &format!("Bearer {access_token}")),
            ("Content-Type", "application/json"),
            ("X-ResponseFormat", "json"),
        ],
        r#"{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}"#,
    );
    (status, serde_json::from_str(&body).expect("JSON"))
}

const SCOPE: &str = "https%3A%2F%2Foutlook.office365.com%2F.default";
const CLIENT_ID: &str = "3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b";

#[test]
fn secret_and_password_grants_then_get_mailbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "my-app-secret\r\n").expect("write secret");
    let emu = start(&[
        "--client-id",
        CLIENT_ID,
        "--client-secret-file",
        secret.to_str().expect("UTF-8 path"),
        "--user",
        "admin@contoso.onmicrosoft.com:Pa:ss",
    ]);
    let (status, body) = token(
        &emu,
        "contoso.onmicrosoft.com",
        &format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret=my-app-secret&scope={SCOPE}"),
    );
    assert_eq!(status, 200, "the CRLF was stripped from the secret: {body}");
    let (status, mailboxes) = get_mailbox(&emu, body["access_token"].as_str().expect("token"));
    assert_eq!(status, 200, "{mailboxes}");
    assert!(mailboxes["value"].as_array().is_some_and(|v| v.len() >= 5));

    // The password may contain ':'; only the first one separates the name.
    let (status, body) = token(
        &emu,
        "organizations",
        &format!("grant_type=password&client_id=fb78d390-0c51-40cd-8e17-fdbfab77341b&username=admin%40contoso.onmicrosoft.com&password=Pa%3Ass&scope={SCOPE}"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        get_mailbox(&emu, body["access_token"].as_str().expect("token")).0,
        200
    );
    let (status, _) = http(&emu.host, "GET", "/healthz", &[], "");
    assert_eq!(status, 200);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_gracefully_with_exit_0() {
    let mut emu = start(&[]);
    let (status, _) = http(&emu.host, "GET", "/healthz", &[], "");
    assert_eq!(status, 200);
    let exit = terminate(&mut emu);
    assert_eq!(exit.code(), Some(0));
}

/// Sends SIGTERM and waits for the process to exit.
#[cfg(unix)]
fn terminate(emu: &mut Emulator) -> std::process::ExitStatus {
    let killed = Command::new("kill")
        .args(["-TERM", &emu.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    emu.child.wait().expect("exits")
}

/// A SIGTERM sent the moment a script sees the listening line is a graceful stop (exit 0),
/// not death by the default action (143): the handlers must be in place before that line.
#[cfg(unix)]
#[test]
fn sigterm_right_after_the_listening_line_is_graceful() {
    for _ in 0..5 {
        let mut emu = start(&[]);
        let exit = terminate(&mut emu);
        assert_eq!(exit.code(), Some(0), "{exit:?}");
    }
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        vec!["--user", "no-password-separator"],
        vec!["--throttle", "0"],
        vec!["--client-secret-file", "/nonexistent/secret"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_exomig"))
            .args(["emulate", "--listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
