//! End-to-end: the real `exomig emulate` and `exomig proxy` processes, driven over HTTP by the
//! Python PowerShell-remoting client pypsrp 0.9.1 (tests/pypsrp/scenarios.py).
//!
//! Needs `$EXOMIG_PYTHON` (set by ./test.sh) or `.venv/bin/python` with pypsrp installed.

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::{exomig, free_port, repo, Proc};

const TENANT: &str = "contoso.onmicrosoft.com";
const USER: &str = "admin@contoso.onmicrosoft.com";
const PASSWORD: &str = "Passw0rd!";
/// Upper bound for one scenario, so a hung client cannot hang the suite.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("EXOMIG_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "pypsrp tests need Python with pypsrp 0.9.1: run ./test.sh, or set EXOMIG_PYTHON, or create \
         .venv (python3 -m venv .venv && .venv/bin/pip install -r tests/python-requirements.txt)"
    );
    venv
}

/// `exomig NAME ARGS…` with `envs`, as a [`Proc`] logging to `log`.
fn spawn(name: &'static str, args: &[String], log: PathBuf, envs: &[(&str, &str)]) -> Proc {
    let mut command = exomig();
    command.args(args).envs(envs.iter().copied());
    Proc::spawn(name, command, log)
}

/// An emulator and a proxy in front of it.
struct Stack {
    emulator_port: u16,
    proxy_port: u16,
    _emulator: Proc,
    proxy: Proc,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
struct Options {
    max_shells: Option<usize>,
    /// `RUST_LOG` for the proxy.
    log_level: Option<&'static str>,
    /// App mode: a users file with this user/password and the emulator's client secret.
    app_user: Option<(&'static str, &'static str)>,
}

const APP_CLIENT_ID: &str = "3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b";
const APP_SECRET: &str = "e2e-app-secret";

impl Stack {
    fn start(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret_file = dir.path().join("secret");
        std::fs::write(&secret_file, format!("{APP_SECRET}\n")).expect("write secret");
        let emulator_port = free_port();
        let mut emulator = spawn(
            "emulate",
            &[
                "emulate".into(),
                "--listen".into(),
                format!("127.0.0.1:{emulator_port}"),
                "--tenant".into(),
                TENANT.into(),
                "--user".into(),
                format!("{USER}:{PASSWORD}"),
                "--client-id".into(),
                APP_CLIENT_ID.into(),
                "--client-secret-file".into(),
                secret_file.display().to_string(),
            ],
            dir.path().join("emulator.log"),
            &[],
        );
        emulator.wait_healthy(emulator_port);
        let emulator_url = format!("http://127.0.0.1:{emulator_port}");
        let proxy_port = free_port();
        let mut args: Vec<String> = vec![
            "proxy".into(),
            "--listen".into(),
            format!("127.0.0.1:{proxy_port}"),
            "--upstream".into(),
            emulator_url.clone(),
            "--authority".into(),
            emulator_url,
            "--tenant".into(),
            TENANT.into(),
        ];
        if let Some(n) = options.max_shells {
            args.extend(["--max-shells-per-user".into(), n.to_string()]);
        }
        if let Some((user, password)) = options.app_user {
            let users = dir.path().join("users");
            exomig_proxy::users::add(&users, user, password).expect("write users file");
            args.extend([
                "--users".into(),
                users.display().to_string(),
                "--client-id".into(),
                APP_CLIENT_ID.into(),
                "--client-secret-file".into(),
                secret_file.display().to_string(),
            ]);
        }
        let envs: Vec<(&str, &str)> = options
            .log_level
            .map(|l| ("RUST_LOG", l))
            .into_iter()
            .collect();
        let mut proxy = spawn("proxy", &args, dir.path().join("proxy.log"), &envs);
        proxy.wait_healthy(proxy_port);
        Self {
            emulator_port,
            proxy_port,
            _emulator: emulator,
            proxy,
            _dir: dir,
        }
    }

    fn scenario(&self, name: &str) -> Value {
        self.scenario_as(name, USER, PASSWORD)
    }

    fn scenario_as(&self, name: &str, user: &str, password: &str) -> Value {
        let emulator = format!("http://127.0.0.1:{}", self.emulator_port);
        finish_scenario(
            name,
            spawn_scenario(name, self.proxy_port, &emulator, user, password),
        )
    }
}

/// Starts `tests/pypsrp/scenarios.py NAME` against the proxy on `proxy_port`.
fn spawn_scenario(
    name: &str,
    proxy_port: u16,
    emulator_url: &str,
    user: &str,
    password: &str,
) -> Child {
    Command::new(python())
        .arg(repo().join("tests/pypsrp/scenarios.py"))
        .arg(name)
        .env("EXOMIG_PROXY_PORT", proxy_port.to_string())
        .env("EXOMIG_EMULATOR_URL", emulator_url)
        .env("EXOMIG_USER", user)
        .env("EXOMIG_PASSWORD", password)
        .env("EXOMIG_TENANT", TENANT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python")
}

/// Waits (bounded) for a scenario, asserts it succeeded and returns its JSON observations.
fn finish_scenario(name: &str, mut child: Child) -> Value {
    let deadline = Instant::now() + SCENARIO_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait python") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("scenario {name} timed out");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(
        status.success(),
        "scenario {name} failed ({status}):\n{out}\n{err}"
    );
    let last = out.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("scenario {name} printed no JSON ({e}): {out}"))
}

fn types(obj: &Value) -> Vec<String> {
    obj["types"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a scenario summary (`{"state", "output", "errors"}`) has output objects.
fn has_output(summary: &Value) -> bool {
    summary["output"].as_array().is_some_and(|o| !o.is_empty())
}

/// Whether a scenario summary reported an empty error stream.
fn no_errors(summary: &Value) -> bool {
    summary["errors"].as_array().is_some_and(Vec::is_empty)
}

const COMPLETED: i64 = 4;
const FAILED: i64 = 5;

#[test]
fn pool_opens() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("open_pool");
    assert_eq!(r["state"], 2, "RunspacePoolState Opened: {r}");
    assert!(r["shell_id"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
}

#[test]
fn get_accepted_domain() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("accepted_domain");
    assert_eq!(r["state"], COMPLETED, "{r}");
    let out = r["output"].as_array().expect("output");
    assert!(!out.is_empty(), "{r}");
    let first = &out[0];
    assert!(types(first)[0].ends_with("AcceptedDomain"), "{first}");
    assert!(
        first["props"]["DomainName"]
            .as_str()
            .is_some_and(|d| d.eq_ignore_ascii_case(TENANT)),
        "{first}"
    );
}

#[test]
fn get_mailbox_list_and_by_identity() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("mailbox_list_and_identity");
    assert_eq!(r["list"]["state"], COMPLETED, "{r}");
    let list = r["list"]["output"].as_array().expect("list");
    assert!(
        list.len() >= 5,
        "the emulator seeds at least five mailboxes: {r}"
    );
    assert_eq!(
        types(&list[0])[0],
        "Microsoft.Exchange.Data.Directory.Management.Mailbox"
    );
    assert_eq!(
        types(&list[0]).last().map(String::as_str),
        Some("System.Object")
    );
    let one = r["one"]["output"].as_array().expect("one");
    assert_eq!(one.len(), 1, "{r}");
    assert_eq!(one[0]["props"]["Identity"], r["asked"], "{r}");
    assert!(
        one[0]["to_string"].as_str().is_some_and(|s| !s.is_empty()),
        "{r}"
    );
}

#[test]
fn mailbox_properties_keep_the_rest_api_order() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("property_order");
    assert_eq!(r["state"], COMPLETED, "{r}");
    let names = |key: &str| -> Vec<String> {
        r[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key}: {r}"))
            .iter()
            .filter_map(Value::as_str)
            .filter(|n| !n.contains('@')) // type annotations are not properties
            .map(str::to_owned)
            .collect()
    };
    let rest = names("rest");
    let proxied = names("proxied");
    assert!(rest.len() >= 10, "{r}");
    let mut sorted = rest.clone();
    sorted.sort();
    assert_ne!(
        rest, sorted,
        "the REST answer itself is in Exchange's order, not alphabetical: {r}"
    );
    assert_eq!(
        proxied[..10],
        rest[..10],
        "the first properties through the proxy follow the REST order: {r}"
    );
}

#[test]
fn set_mailbox_then_get_mailbox() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("set_then_get");
    assert_eq!(r["set"]["state"], COMPLETED, "{r}");
    assert!(no_errors(&r["set"]), "{r}");
    assert_eq!(
        r["get"]["output"][0]["props"]["DisplayName"], r["new_name"],
        "{r}"
    );
}

#[test]
fn missing_mailbox_is_a_non_terminating_error_record() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("missing_mailbox");
    assert_eq!(
        r["state"], COMPLETED,
        "non-terminating, as Exchange reports it: {r}"
    );
    let errors = r["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{r}");
    let fqid = errors[0]["fqid"].as_str().unwrap_or_default();
    assert!(fqid.contains("ManagementObjectNotFoundException"), "{fqid}");
    assert!(
        fqid.ends_with(",Microsoft.Exchange.Management.RecipientTasks.GetMailbox"),
        "{fqid}"
    );
    assert_eq!(errors[0]["category"], 13, "ObjectNotFound: {r}");
    assert_eq!(
        errors[0]["reason"], "ManagementObjectNotFoundException",
        "{r}"
    );
    assert_eq!(
        r["stop"]["state"], FAILED,
        "-ErrorAction Stop makes it terminating: {r}"
    );
    assert_eq!(r["silent"]["state"], COMPLETED, "{r}");
    assert!(
        no_errors(&r["silent"]),
        "-ErrorAction SilentlyContinue: {r}"
    );
}

#[test]
fn scripts_are_refused_and_the_pool_stays_usable() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("script_refused");
    assert_eq!(r["refused"]["state"], FAILED, "{r}");
    assert_eq!(
        r["refused"]["errors"][0]["fqid"], "ScriptsNotAllowed",
        "{r}"
    );
    assert_eq!(
        r["refused"]["errors"][0]["category"], 17,
        "ParserError: {r}"
    );
    assert_eq!(r["after"]["state"], COMPLETED, "{r}");
    assert!(has_output(&r["after"]), "{r}");
}

#[test]
fn command_metadata_comes_from_the_catalogue() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("command_metadata");
    let count = r["count"].as_u64().unwrap_or(0);
    assert!(count >= 116, "{r}");
    let names: Vec<&str> = r["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for n in [
        "Get-Mailbox",
        "Set-Mailbox",
        "Get-AcceptedDomain",
        "New-MailContact",
        "Get-MessageTrace",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    let params: Vec<&str> = r["get_mailbox_params"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for p in [
        "Identity",
        "ResultSize",
        "Filter",
        "ErrorAction",
        "Verbose",
        "PipelineVariable",
    ] {
        assert!(params.contains(&p), "{p} missing from {params:?}");
    }
}

#[test]
fn get_format_data_and_measure_object() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("format_data");
    assert_eq!(r["measure"]["state"], COMPLETED, "{r}");
    assert_eq!(
        r["measure"]["output"].as_array().map(Vec::len),
        Some(1),
        "{r}"
    );
    assert_eq!(r["measure"]["output"][0]["props"]["Count"], "0", "{r}");
    assert_eq!(r["plain"]["state"], COMPLETED, "{r}");
    assert!(!has_output(&r["plain"]), "{r}");
}

#[test]
fn pipeline_input_binds_to_identity() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("pipeline_input");
    assert_eq!(r["result"]["state"], COMPLETED, "{r}");
    let sent: Vec<&Value> = r["sent"].as_array().expect("sent").iter().collect();
    let got: Vec<&Value> = r["result"]["output"]
        .as_array()
        .expect("out")
        .iter()
        .map(|o| &o["props"]["Identity"])
        .collect();
    assert_eq!(got, sent, "one mailbox per piped identity, in order: {r}");
}

#[test]
fn exchange_cmdlets_pipe_by_identity() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("exchange_pipeline");
    assert_eq!(r["result"]["state"], COMPLETED, "{r}");
    let out = r["result"]["output"].as_array().expect("out");
    assert!(!out.is_empty(), "{r}");
    assert!(
        types(&out[0])[0].contains("MailboxAcePresentationObject"),
        "{r}"
    );
    assert!(no_errors(&r["result"]), "{r}");
}

#[test]
fn token_pass_through() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("token_passthrough");
    assert_eq!(r["good"]["state"], COMPLETED, "{r}");
    assert!(has_output(&r["good"]), "{r}");
    assert_eq!(
        r["bare"]["state"], COMPLETED,
        "bare token and ;PSVersion suffix: {r}"
    );
    assert_eq!(
        r["bad"]["state"], FAILED,
        "an invalid token must not reach data: {r}"
    );
    assert!(!has_output(&r["bad"]), "{r}");
}

#[test]
fn password_pass_through() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("password_passthrough");
    assert_eq!(r["good"]["state"], COMPLETED, "{r}");
    assert!(
        r["wrong_password_error"].is_string(),
        "a wrong password is a 401: {r}"
    );
}

#[test]
fn delegated_org_selects_the_tenant() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("delegated_org");
    assert_eq!(r["own"]["state"], COMPLETED, "{r}");
    assert!(has_output(&r["own"]), "{r}");
    assert!(
        r["other"]["state"] == FAILED
            || r["other"]["errors"]
                .as_array()
                .is_some_and(|e| !e.is_empty()),
        "a foreign tenant must not answer with this tenant's data: {r}"
    );
    assert!(!has_output(&r["other"]), "{r}");
}

#[test]
fn eight_pools_in_parallel() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("parallel_pools");
    let results = r["results"].as_array().expect("results");
    assert_eq!(results.len(), 8);
    for one in results {
        assert_eq!(one["state"], COMPLETED, "{r}");
        assert!(one["count"].as_u64().unwrap_or(0) >= 1, "{r}");
    }
}

#[test]
fn operations_on_a_deleted_shell_fault_with_invalid_selectors() {
    let stack = Stack::start(Options::default());
    let r = stack.scenario("deleted_shell");
    assert_eq!(r["receive"], 2150858843_u64, "{r}");
    assert_eq!(r["delete"], 2150858843_u64, "{r}");
}

#[test]
fn shell_quota_per_user() {
    let stack = Stack::start(Options {
        max_shells: Some(2),
        ..Options::default()
    });
    let r = stack.scenario("quota");
    assert_eq!(r["opened"], 2, "{r}");
    assert_eq!(r["fault"]["code"], 2150859173_u64, "{r}");
    assert_eq!(
        r["reopened_state"], 2,
        "closing shells frees the quota: {r}"
    );
}

#[test]
fn app_mode_with_local_users() {
    let stack = Stack::start(Options {
        app_user: Some(("ops", "local-pass")),
        ..Options::default()
    });
    let r = stack.scenario_as("password_passthrough", "ops", "local-pass");
    assert_eq!(r["good"]["state"], COMPLETED, "{r}");
    assert!(has_output(&r["good"]), "{r}");
    assert!(r["wrong_password_error"].is_string(), "{r}");
}

#[test]
fn logs_never_contain_passwords_or_tokens() {
    let mut stack = Stack::start(Options {
        log_level: Some("debug"),
        ..Options::default()
    });
    stack.scenario("password_passthrough");
    stack.scenario("token_passthrough");
    let status = stack.proxy.terminate();
    let log = stack.proxy.log_text();
    assert!(log.contains("shell created"), "debug logging was on: {log}");
    assert!(!log.contains(PASSWORD), "password in the log");
    assert!(!log.contains("eyJ"), "a JWT in the log");
    assert!(
        !log.to_ascii_lowercase().contains("authorization: basic"),
        "an Authorization header in the log"
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "SIGTERM exits 0: {status:?}"
    );
}

/// A stand-in for Exchange Online and its token endpoint that holds every InvokeCommand
/// answer until the test releases it, so a pipeline can be caught mid-flight.
struct HeldUpstream {
    url: String,
    /// One message per InvokeCommand request received.
    arrived: std::sync::mpsc::Receiver<()>,
    /// One message releases one held answer.
    release: std::sync::mpsc::Sender<()>,
}

impl HeldUpstream {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (arrived_tx, arrived) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let Some(path) = read_request(&mut stream) else {
                    continue;
                };
                let body = if path.contains("/oauth2/v2.0/token") {
                    r#"{"token_type":"Bearer","expires_in":3599,"access_token":"held-upstream-token"}"#
                        .to_owned()
                } else if path.to_ascii_lowercase().contains("invokecommand") {
                    let _ = arrived_tx.send(());
                    if release_rx.recv().is_err() {
                        break;
                    }
                    r#"{"@adminapi.warnings":[],"value":[{"Identity":"held.example","Name":"held.example","DomainName":"held.example","DomainType":"Authoritative"}]}"#
                        .to_owned()
                } else {
                    String::new()
                };
                let status = if body.is_empty() {
                    "404 Not Found"
                } else {
                    "200 OK"
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = std::io::Write::write_all(&mut stream, reply.as_bytes());
            }
        });
        Self {
            url,
            arrived,
            release,
        }
    }
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body); returns its path.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    use std::io::BufRead as _;
    let mut reader = std::io::BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(path)
}

#[test]
fn a_pipeline_running_at_sigterm_completes_and_the_proxy_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let upstream = HeldUpstream::start();
    let proxy_port = free_port();
    let args: Vec<String> = [
        "proxy",
        "--listen",
        &format!("127.0.0.1:{proxy_port}"),
        "--upstream",
        &upstream.url,
        "--authority",
        &upstream.url,
        "--tenant",
        TENANT,
        "--shutdown-grace",
        "60s",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut proxy = spawn("proxy", &args, dir.path().join("proxy.log"), &[]);
    proxy.wait_healthy(proxy_port);
    let client = spawn_scenario(
        "held_during_shutdown",
        proxy_port,
        &upstream.url,
        USER,
        PASSWORD,
    );
    // The cmdlet has reached the upstream: its pipeline is running.
    upstream
        .arrived
        .recv_timeout(SCENARIO_TIMEOUT)
        .expect("the cmdlet reaches the upstream");
    proxy.send_sigterm();
    proxy.wait_for_log("shutting down");
    // Only now does the upstream answer; the client must still get the output.
    upstream.release.send(()).expect("release the answer");
    let r = finish_scenario("held_during_shutdown", client);
    assert_eq!(r["state"], COMPLETED, "{r}");
    assert_eq!(
        r["output"][0]["props"]["DomainName"], "held.example",
        "the client received the pipeline's output: {r}"
    );
    // Then the process exits 0, before the drain deadline (60 s grace).
    let status = proxy
        .wait_exit(Duration::from_secs(60))
        .expect("exits within the grace period");
    assert_eq!(status.code(), Some(0), "{}", proxy.log_text());
    let log = proxy.log_text();
    assert!(
        !log.contains("after the grace period"),
        "the drain finished early, not at its deadline: {log}"
    );
}
