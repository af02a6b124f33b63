//! Shared by the end-to-end tests that run `exomig emulate` / `exomig proxy` as processes:
//! a clean environment, the listening line, health polling and SIGTERM with a bounded wait.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// The `exomig` binary with the development signing key and none of the caller's
/// `EXOMIG_*` variables or `RUST_LOG`.
pub fn exomig() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_exomig"));
    // The proxy reads (and warns about unknown) `EXOMIG_*` variables; the test harness's own
    // (`EXOMIG_PYTHON`, `EXOMIG_CHROMIUM` from ./test.sh) and a developer's must not leak in.
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("EXOMIG_") {
            c.env_remove(&var);
        }
    }
    c.env_remove("RUST_LOG");
    // The fixed development key: generating an RSA key is slow in debug builds.
    c.env(
        "EXOMIG_EMULATOR_SIGNING_KEY",
        repo().join("proxy/emulator/src/dev-signing-key.pem"),
    );
    c
}

/// A child process killed when dropped; stdout lines are collected by a thread, stderr goes
/// to a file (a pipe nobody reads could stall the child).
pub struct Proc {
    pub child: Child,
    name: &'static str,
    stdout: std::sync::mpsc::Receiver<String>,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    pub fn spawn(name: &'static str, mut command: Command, log: PathBuf) -> Self {
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start exomig {name}: {e}"));
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            name,
            stdout: rx,
            log,
        }
    }

    /// The next stdout line, within a bound.
    pub fn line(&self) -> String {
        self.stdout
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no stdout line; stderr:\n{}", self.log_text()))
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `GET /healthz` on `port` answers 200, or fails with the child's stderr.
    pub fn wait_healthy(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if healthz(port) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "exomig {} exited with {status}: {}",
                    self.name,
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("exomig {} did not become healthy on port {port}", self.name);
    }

    /// Waits (bounded) until stderr contains `needle`.
    pub fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.log_text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "exomig {} never logged {needle:?}: {}",
                self.name,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn send_sigterm(&self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits up to `within` for the process to exit.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub fn terminate(&mut self) -> Option<ExitStatus> {
        self.send_sigterm();
        self.wait_exit(Duration::from_secs(30))
    }
}

/// The `host:port` of a stdout line such as `… listening on http://ADDR/…`.
pub fn listening_addr(line: &str) -> SocketAddr {
    let rest = line
        .split("://")
        .nth(1)
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let host = rest
        .split(|c: char| c == '/' || c.is_whitespace())
        .next()
        .unwrap_or(rest);
    host.parse()
        .unwrap_or_else(|_| panic!("no address in {line:?}"))
}

/// Whether `GET /healthz` on loopback `port` answers 200.
pub fn healthz(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.starts_with("HTTP/1.1 200")
}
