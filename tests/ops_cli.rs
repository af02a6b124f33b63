//! `exomig proxy` as an operator runs it: `--check-config` exit codes and precedence, health
//! and readiness with the identity provider down, the metrics listener, the body limit on a
//! kept-alive connection, TLS with a self-signed certificate, redacted debug logs and a
//! graceful SIGTERM. Processes are real (`exomig emulate`, `exomig proxy`); HTTP is spoken
//! over raw sockets so each assertion sees exactly what went over the wire.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use base64::Engine as _;

mod support;
use support::{exomig, free_port, listening_addr, Proc};

const TENANT: &str = "contoso.onmicrosoft.com";
const APP_CLIENT_ID: &str = "3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b";
const APP_SECRET: &str = "ops-app-secret-0f3c9a";
const LOCAL_USER: &str = "opsadmin";
const LOCAL_PASSWORD: &str = "L0cal-Passw0rd-7d2e";

fn check_config(args: &[&str], envs: &[(&str, &str)]) -> Output {
    exomig()
        .arg("proxy")
        .args(args)
        .arg("--check-config")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("exomig runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn emulator(dir: &Path, extra: &[&str]) -> (Proc, SocketAddr) {
    let secret = dir.join("emulator-secret");
    std::fs::write(&secret, format!("{APP_SECRET}\n")).expect("write secret");
    let mut c = exomig();
    c.args(["emulate", "--listen", "127.0.0.1:0", "--tenant", TENANT])
        .args(["--client-id", APP_CLIENT_ID, "--client-secret-file"])
        .arg(&secret)
        .args(extra);
    let p = Proc::spawn("emulate", c, dir.join("emulator.log"));
    let addr = listening_addr(&p.line());
    (p, addr)
}

fn users_file(dir: &Path) -> PathBuf {
    let path = dir.join("users");
    exomig_proxy::users::add(&path, LOCAL_USER, LOCAL_PASSWORD).expect("users file");
    path
}

/// App-mode proxy flags against `authority` (the emulator, or a dead port).
fn app_proxy(dir: &Path, authority: &str, extra: &[&str], envs: &[(&str, &str)]) -> Proc {
    let users = users_file(dir);
    let mut c = exomig();
    c.args(["proxy", "--listen", "127.0.0.1:0"])
        .args(["--upstream", authority, "--authority", authority])
        .args(["--tenant", TENANT, "--client-id", APP_CLIENT_ID, "--users"])
        .arg(&users)
        .env("EXOMIG_CLIENT_SECRET", APP_SECRET)
        .envs(envs.iter().copied())
        .args(extra);
    Proc::spawn("proxy", c, dir.join("proxy.log"))
}

/// One HTTP/1.1 exchange on an open connection; returns status, lower-cased headers, body.
fn exchange(stream: &mut TcpStream, request: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    stream.write_all(request).expect("send");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("body");
    (status, headers, body)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    s
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = connect(addr);
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let (status, _, body) = exchange(&mut s, req.as_bytes());
    (status, text(&body))
}

fn basic(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

fn post_liveid(addr: SocketAddr, authorization: &str, body: &str) -> (u16, String) {
    let mut s = connect(addr);
    let req = format!(
        "POST /PowerShell-LiveID HTTP/1.1\r\nHost: localhost\r\nAuthorization: {authorization}\r\n\
         Content-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, _, body) = exchange(&mut s, req.as_bytes());
    (status, text(&body))
}

#[test]
fn check_config_exits_0_when_valid_and_1_with_named_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let users = users_file(dir.path());
    let config = dir.path().join("proxy.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"not an address\"\ntenant = \"{TENANT}\"\nclient-id = \"{APP_CLIENT_ID}\"\n\
             users = {:?}\nupstream = \"http://127.0.0.1:9\"\nauthority = \"http://127.0.0.1:9\"\n",
            users.display().to_string()
        ),
    )
    .expect("write config");
    let config_arg = config.to_str().expect("utf-8");
    let secret = [("EXOMIG_CLIENT_SECRET", APP_SECRET)];

    // The file's bad listen address is overridden by the flag: flags win.
    let ok = check_config(
        &["--config", config_arg, "--listen", "127.0.0.1:0"],
        &secret,
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    // ...and by the environment.
    let ok = check_config(
        &["--config", config_arg],
        &[("EXOMIG_LISTEN", "127.0.0.1:0"), secret[0]],
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");

    // Alone, the file's value is used and reported with its origin.
    let bad = check_config(&["--config", config_arg], &secret);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    let err = text(&bad.stderr);
    assert!(err.contains("listen (config file)"), "{err}");

    // Several problems at once are all listed.
    let bad = check_config(
        &["--config", config_arg, "--listen", "127.0.0.1:0"],
        &[
            ("EXOMIG_MAX_BODY", "1000"),
            ("EXOMIG_TLS_CERT", "/nonexistent/cert.pem"),
            ("EXOMIG_TLS_KEY", "/nonexistent/key.pem"),
            secret[0],
        ],
    );
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    let err = text(&bad.stderr);
    assert!(err.contains("max-body (environment)"), "{err}");
    assert!(err.contains("tls-cert"), "{err}");

    // A secret in the file is refused without echoing it.
    let leaky = dir.path().join("leaky.toml");
    std::fs::write(&leaky, "client-secret = \"do-not-print-me\"\n").expect("write");
    let bad = check_config(&["--config", leaky.to_str().expect("utf-8")], &[]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    let all = format!("{}{}", text(&bad.stdout), text(&bad.stderr));
    assert!(
        all.contains("EXOMIG_CLIENT_SECRET") && !all.contains("do-not-print-me"),
        "{all}"
    );

    // Unknown keys are errors, not silently ignored.
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "max-shels-per-user = 3\n").expect("write");
    let bad = check_config(&["--config", typo.to_str().expect("utf-8")], &[]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(text(&bad.stderr).contains("max-shels-per-user"));
}

/// Refusing to start over a bad configuration: exit 2, and with `--log-format json` every
/// line on stderr is a JSON log record (no plain-text `error:` line at the end).
#[test]
fn invalid_configuration_exits_2_and_keeps_a_json_log_json() {
    let out = exomig()
        .args(["proxy", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .env("EXOMIG_MAX_BODY", "1000")
        .stdin(Stdio::null())
        .output()
        .expect("exomig runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "{err}");
    for line in &lines {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log record ({e}): {line}"));
        assert!(record.get("level").is_some(), "{line}");
    }
    assert!(err.contains("max-body (environment)"), "{err}");
    assert!(err.contains("invalid configuration (1 problem)"), "{err}");
}

#[test]
fn readiness_follows_the_identity_provider_and_health_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on this port: the token endpoint is down.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let proxy = app_proxy(dir.path(), &dead, &[], &[]);
    let addr = listening_addr(&proxy.line());
    assert_eq!(get(addr, "/healthz").0, 200);
    assert_eq!(get(addr, "/readyz").0, 503);
    drop(proxy);

    let (_emulator, emu) = emulator(dir.path(), &[]);
    let proxy = app_proxy(dir.path(), &format!("http://{emu}"), &[], &[]);
    let addr = listening_addr(&proxy.line());
    assert_eq!(get(addr, "/readyz").0, 200, "{}", proxy.log_text());
}

#[test]
fn metrics_live_on_their_own_listener() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_emulator, emu) = emulator(dir.path(), &[]);
    let metrics_port = free_port();
    let metrics_listen = format!("127.0.0.1:{metrics_port}");
    let proxy = app_proxy(
        dir.path(),
        &format!("http://{emu}"),
        &["--metrics-listen", &metrics_listen],
        &[],
    );
    let addr = listening_addr(&proxy.line());
    assert_eq!(get(addr, "/readyz").0, 200);
    let (status, _) = post_liveid(
        addr,
        &format!("Basic {}", basic(LOCAL_USER, "wrong")),
        "<x/>",
    );
    assert_eq!(status, 401);
    // Never on the client-facing port.
    assert_eq!(get(addr, "/metrics").0, 404);
    let metrics_addr: SocketAddr = metrics_listen.parse().expect("addr");
    let (status, body) = get(metrics_addr, "/metrics");
    assert_eq!(status, 200);
    for family in [
        "exomig_requests_total",
        "exomig_requests_in_flight",
        "exomig_request_duration_seconds_bucket",
        "exomig_token_refreshes_total{result=\"ok\"}",
        "exomig_open_shells",
    ] {
        assert!(body.contains(family), "{family} missing:\n{body}");
    }
    assert!(
        body.lines()
            .any(|l| l.starts_with("exomig_requests_total{") && l.contains("status=\"401\"")),
        "{body}"
    );
}

#[test]
fn an_oversized_body_gets_413_and_the_connection_stays_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_emulator, emu) = emulator(dir.path(), &[]);
    let proxy = app_proxy(
        dir.path(),
        &format!("http://{emu}"),
        &["--max-body", "600000"],
        &[],
    );
    let addr = listening_addr(&proxy.line());
    let mut s = connect(addr);
    let body = vec![b'x'; 700_000];
    let mut req = format!(
        "POST /PowerShell-LiveID HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {}\r\n\
         Content-Length: {}\r\n\r\n",
        basic(LOCAL_USER, LOCAL_PASSWORD),
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    let (status, headers, _) = exchange(&mut s, &req);
    assert_eq!(status, 413);
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close")),
        "{headers:?}"
    );
    // The same connection answers the next request.
    let (status, _, _) = exchange(&mut s, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn self_signed_tls_is_trusted_through_the_written_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls_dir = dir.path().join("tls");
    let mut c = exomig();
    c.args([
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--tls-self-signed",
        "--tls-dir",
    ])
    .arg(&tls_dir)
    .args([
        "--authority",
        "http://127.0.0.1:9",
        "--upstream",
        "http://127.0.0.1:9",
    ]);
    let proxy = Proc::spawn("proxy", c, dir.path().join("proxy.log"));
    let first = proxy.line();
    assert!(first.contains("https://"), "{first}");
    let addr = listening_addr(&first);
    let mut cert_line = None;
    let mut fingerprint = None;
    for _ in 0..2 {
        let line = proxy.line();
        if let Some(path) = line.split("certificate ").nth(1) {
            cert_line = Some(PathBuf::from(path.trim()));
        }
        if let Some(fp) = line.split("fingerprint ").nth(1) {
            fingerprint = Some(fp.trim().to_owned());
        }
    }
    let cert_path = cert_line.expect("certificate path printed");
    assert!(cert_path.starts_with(&tls_dir), "{}", cert_path.display());
    let fingerprint = fingerprint.expect("fingerprint printed");
    assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    assert!(fingerprint
        .split(':')
        .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit())));

    let pem = std::fs::read(&cert_path).expect("certificate written");
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .resolve("localhost", addr)
        .build()
        .expect("client");
    let url = format!("https://localhost:{}/healthz", addr.port());
    let response = client.get(&url).send().await.expect("TLS request");
    assert_eq!(response.status(), 200);
    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .expect("client");
    assert!(untrusting.get(&url).send().await.is_err());
    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut s = connect(addr);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut reply = Vec::new();
    let _ = s.read_to_end(&mut reply);
    assert!(!reply.starts_with(b"HTTP/1.1 200"), "{}", text(&reply));
}

#[test]
fn debug_logs_never_contain_the_secrets_the_proxy_was_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_emulator, emu) = emulator(dir.path(), &[]);
    let mut proxy = app_proxy(
        dir.path(),
        &format!("http://{emu}"),
        &["--log-format", "json"],
        &[("EXOMIG_LOG", "trace")],
    );
    let addr = listening_addr(&proxy.line());
    // A token is fetched (readiness), a good and a bad Basic login are checked, and a
    // caller's bearer token is passed through.
    assert_eq!(get(addr, "/readyz").0, 200);
    let good = basic(LOCAL_USER, LOCAL_PASSWORD);
    let bad = basic(LOCAL_USER, "Wr0ng-Passw0rd-91c4");
    let (status, _) = post_liveid(addr, &format!("Basic {good}"), "<not-soap/>");
    assert_ne!(status, 401);
    assert_eq!(post_liveid(addr, &format!("Basic {bad}"), "<x/>").0, 401);
    let jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSJ9.c2lnbmF0dXJl";
    let carrier = basic(LOCAL_USER, &format!("Bearer {jwt}"));
    let mut s = connect(addr);
    let req = format!(
        "POST /PowerShell-LiveID?BasicAuthToOAuthConversion=true HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Basic {carrier}\r\nContent-Length: 3\r\nConnection: close\r\n\r\n<x>"
    );
    let _ = exchange(&mut s, req.as_bytes());
    let status = proxy.terminate().expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");

    let log = proxy.log_text();
    assert!(
        log.lines().count() > 5,
        "debug logging produced too little to be a meaningful check:\n{log}"
    );
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        for secret in [
            APP_SECRET,
            LOCAL_PASSWORD,
            "Wr0ng-Passw0rd-91c4",
            good.as_str(),
            bad.as_str(),
            carrier.as_str(),
            jwt,
        ] {
            assert!(
                !line.contains(secret),
                "secret {secret:?} in log line: {line}"
            );
        }
        assert!(!line.contains("eyJ"), "JWT-shaped text in log line: {line}");
    }
}

#[test]
fn sigterm_stops_the_proxy_gracefully_with_exit_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut proxy = app_proxy(dir.path(), "http://127.0.0.1:9", &[], &[]);
    let addr = listening_addr(&proxy.line());
    assert_eq!(get(addr, "/healthz").0, 200);
    let status = proxy.terminate().expect("exits within the grace period");
    assert_eq!(status.code(), Some(0), "{}", proxy.log_text());
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

#[test]
fn startup_warnings_follow_the_json_log_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut proxy = app_proxy(
        dir.path(),
        "http://127.0.0.1:9",
        &["--log-format", "json"],
        &[("EXOMIG_FOO", "typo")],
    );
    let _ = listening_addr(&proxy.line());
    let status = proxy.terminate().expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    let log = proxy.log_text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"))
        })
        .collect();
    let warning = lines
        .iter()
        .find(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("EXOMIG_FOO"))
        })
        .unwrap_or_else(|| panic!("no warning naming EXOMIG_FOO:\n{log}"));
    assert_eq!(warning["level"], "WARN", "{warning}");
    assert!(
        !log.contains("typo"),
        "only the name is reported, not the value:\n{log}"
    );
}
