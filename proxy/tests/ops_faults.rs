//! Fault injection against the in-process proxy: a throttling emulator, failing
//! InvokeCommand calls and a failing token endpoint. Every failure must come back as a
//! PowerShell ErrorRecord (or a 503 readiness) while the session stays usable, and the
//! metrics must tell the operator what happened.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use exomig_codec::clixml::{from_clixml, Value};
use exomig_codec::psrp::{Message, MessageType};
use exomig_emulator::{EmulatorConfig, RunningEmulator, DEFAULT_CLIENT_ID, TEST_CLIENT_SECRET};
use exomig_proxy::config::ProxyConfig;
use exomig_proxy::metrics::Metrics;
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::{App, Server};
use secrecy::SecretString;
use tokio::sync::oneshot;

const APP_USER: &str = "ops";
const APP_PASSWORD: &str = "ops-local-password";

/// An emulator and an in-process proxy; `users` switches to app identity mode.
struct Faulty {
    emulator: RunningEmulator,
    app: Arc<App>,
    url: String,
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Faulty {
    async fn start(
        emulator: EmulatorConfig,
        app_mode: bool,
        tweak: impl FnOnce(&mut ProxyConfig),
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let emulator = exomig_emulator::spawn(emulator).await.expect("emulator");
        let base = emulator.base_url();
        let mut config = ProxyConfig::new("127.0.0.1:0".parse().expect("addr"));
        config.upstream = Some(base.clone());
        config.authority = Some(base);
        config.tenant = Some("contoso.onmicrosoft.com".into());
        // Short waits so retries finish quickly; the count stays the module's.
        config.upstream_max_delay = Duration::from_millis(50);
        let users = if app_mode {
            config.client_id = Some(DEFAULT_CLIENT_ID.into());
            config.client_secret = Some(SecretString::from(TEST_CLIENT_SECRET));
            let path = dir.path().join("users");
            exomig_proxy::users::add(&path, APP_USER, APP_PASSWORD).expect("users");
            Some(exomig_proxy::users::Users::load(&path).expect("load"))
        } else {
            None
        };
        tweak(&mut config);
        let metrics = Arc::new(Metrics::new());
        let backend = Arc::new(
            UpstreamBackend::with_metrics(&config, Some(metrics.clone())).expect("backend"),
        );
        let app = App::with_metrics(config, users, backend, metrics);
        let server = Server::bind(app.clone()).await.expect("bind");
        let addr = server.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            emulator,
            app,
            url: format!("http://{addr}/PowerShell-LiveID"),
            addr,
            stop: Some(tx),
            server: Some(handle),
            _dir: dir,
        }
    }

    fn client(&self, app_mode: bool) -> Client {
        if app_mode {
            Client::new(&self.url, APP_USER, APP_PASSWORD)
        } else {
            Client::new(
                &self.url,
                exomig_emulator::TEST_USER,
                exomig_emulator::TEST_PASSWORD,
            )
        }
    }

    async fn readyz(&self) -> u16 {
        reqwest::get(format!("http://{}/readyz", self.addr))
            .await
            .expect("readyz")
            .status()
            .as_u16()
    }

    fn metric(&self, series: &str) -> f64 {
        let text = self.app.metrics.encode();
        text.lines()
            .find_map(|l| {
                l.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        let _ = self.emulator.shutdown().await;
    }
}

/// Runs one command in a fresh pipeline and returns its messages.
async fn run(c: &mut Client, shell: &str, cmd: &str) -> Vec<Message> {
    let (cid, reply) = c
        .command(shell, pool_id(shell), &[(cmd, vec![])], true)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    c.drain(shell, &cid).await.0
}

fn error_texts(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .filter(|m| {
            m.message_type == MessageType::ERROR_RECORD
                || m.message_type == MessageType::PIPELINE_STATE
        })
        .filter_map(|m| m.text().ok().map(str::to_owned))
        .filter(|t| t.contains("Exception") || t.contains("ErrorRecord") || t.contains("<Obj"))
        .collect()
}

fn failed(messages: &[Message]) -> bool {
    messages.last().and_then(pipeline_state) == Some(5)
}

fn succeeded(messages: &[Message]) -> bool {
    messages.last().and_then(pipeline_state) == Some(4)
        && count_type(messages, MessageType::ERROR_RECORD) == 0
}

#[tokio::test]
async fn throttling_beyond_the_retries_is_an_error_record_and_the_pool_stays_usable() {
    let mut emulator = EmulatorConfig::for_tests();
    emulator.throttle_per_minute = Some(2);
    let stack = Faulty::start(emulator, false, |c| c.upstream_retries = 1).await;
    let mut c = stack.client(false);
    let (shell, created) = c.create_pool().await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(succeeded(&run(&mut c, &shell, "Get-AcceptedDomain").await));
    assert!(succeeded(&run(&mut c, &shell, "Get-AcceptedDomain").await));
    let throttled = run(&mut c, &shell, "Get-AcceptedDomain").await;
    // Like the module: the throttled cmdlet writes an ErrorRecord (no output).
    assert_eq!(count_type(&throttled, MessageType::PIPELINE_OUTPUT), 0);
    let errors = error_texts(&throttled).join("\n");
    assert!(
        count_type(&throttled, MessageType::ERROR_RECORD) + usize::from(failed(&throttled)) >= 1,
        "an ErrorRecord reaches the client: {errors}"
    );
    // The pool still runs commands (a local one: the tenant stays throttled for a minute).
    let measured = run(&mut c, &shell, "Measure-Object").await;
    assert!(succeeded(&measured), "pool unusable after throttling");
    assert!(stack.metric(r#"exomig_upstream_requests_total{status="429"}"#) >= 1.0);
    assert!(stack.metric(r#"exomig_upstream_retries_total{reason="throttled"}"#) >= 1.0);
    assert!(
        stack.metric(r#"exomig_cmdlet_duration_seconds_count{cmdlet="Get-AcceptedDomain"}"#) >= 3.0
    );
    stack.stop().await;
}

#[tokio::test]
async fn transient_upstream_failures_are_retried_transparently() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), false, |_| {}).await;
    let mut c = stack.client(false);
    let (shell, _) = c.create_pool().await;
    stack.emulator.handle().fail_next_invoke_requests(2);
    let out = run(&mut c, &shell, "Get-AcceptedDomain").await;
    assert!(succeeded(&out), "two 503s are within the five retries");
    let domain = out
        .iter()
        .find(|m| m.message_type == MessageType::PIPELINE_OUTPUT)
        .and_then(|m| from_clixml(m.text().ok()?).ok());
    assert!(matches!(domain, Some(Value::Obj(_))), "{domain:?}");
    assert!(stack.metric(r#"exomig_upstream_retries_total{reason="unavailable"}"#) >= 2.0);
    stack.stop().await;
}

#[tokio::test]
async fn metrics_count_every_upstream_exchange_with_its_own_status() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), false, |_| {}).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind metrics");
    let metrics_addr = listener.local_addr().expect("metrics addr");
    let (stop_metrics, stopped) = oneshot::channel::<()>();
    let metrics_task = tokio::spawn(exomig_proxy::metrics::serve(
        listener,
        stack.app.metrics.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let mut c = stack.client(false);
    let (shell, _) = c.create_pool().await;
    // 503, 503, then 200: three exchanges for one cmdlet.
    stack.emulator.handle().fail_next_invoke_requests(2);
    let out = run(&mut c, &shell, "Get-AcceptedDomain").await;
    assert!(succeeded(&out), "two 503s are within the five retries");
    let text = reqwest::get(format!("http://{metrics_addr}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics body");
    let sample = |series: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(series)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    assert_eq!(
        sample(r#"exomig_upstream_requests_total{status="503"}"#),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(r#"exomig_upstream_requests_total{status="200"}"#),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(r#"exomig_upstream_retries_total{reason="unavailable"}"#),
        2.0,
        "{text}"
    );
    let _ = stop_metrics.send(());
    let _ = metrics_task.await;
    stack.stop().await;
}

#[tokio::test]
async fn a_failing_token_endpoint_is_an_error_record_and_readyz_503() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), true, |_| {}).await;
    // Down from the start: no token has ever been cached.
    stack.emulator.handle().fail_next_token_requests(1000);
    assert_eq!(stack.readyz().await, 503);
    // Local users still log in: the pool opens without the identity provider.
    let mut c = stack.client(true);
    let (shell, created) = c.create_pool().await;
    assert_eq!(created.status, 200, "{}", created.body);
    let failed = run(&mut c, &shell, "Get-AcceptedDomain").await;
    assert_ne!(failed.last().and_then(pipeline_state), Some(4));
    let errors = error_texts(&failed).join("\n");
    assert!(
        errors.contains("token")
            || errors.contains("identity")
            || errors.contains("authentication"),
        "{errors}"
    );
    assert!(stack.metric(r#"exomig_token_refreshes_total{result="failed"}"#) >= 1.0);
    // The identity provider recovers: same pool, same session.
    stack.emulator.handle().fail_next_token_requests(0);
    assert_eq!(stack.readyz().await, 200);
    assert!(succeeded(&run(&mut c, &shell, "Get-AcceptedDomain").await));
    stack.stop().await;
}

#[tokio::test]
async fn repeated_bad_passwords_lock_the_user_out_without_checking() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), true, |_| {}).await;
    let mut bad = Client::new(&stack.url, APP_USER, "wrong");
    for _ in 0..6 {
        let (_, r) = bad.create_pool().await;
        assert_eq!(r.status, 401);
    }
    // Locked now: even the right password is refused until the lock ends.
    let mut good = stack.client(true);
    let (_, r) = good.create_pool().await;
    assert_eq!(r.status, 401, "the right password is refused while locked");
    stack.stop().await;
}

#[tokio::test]
async fn bad_passwords_from_one_address_do_not_lock_out_the_user_elsewhere() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), true, |_| {}).await;
    let attacker = std::net::IpAddr::from([127, 0, 0, 2]);
    let mut bad = Client::new(&stack.url, APP_USER, "wrong").with_local_address(attacker);
    for _ in 0..6 {
        let (_, r) = bad.create_pool().await;
        assert_eq!(r.status, 401);
    }
    // The attacker's own attempts are locked, the right password included …
    let mut good_from_attacker =
        Client::new(&stack.url, APP_USER, APP_PASSWORD).with_local_address(attacker);
    let (_, r) = good_from_attacker.create_pool().await;
    assert_eq!(r.status, 401, "locked for the failing address");
    // … while the user, from another address, logs in at once.
    let mut good = stack
        .client(true)
        .with_local_address(std::net::IpAddr::from([127, 0, 0, 1]));
    let (shell, r) = good.create_pool().await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!shell.is_empty());
    stack.stop().await;
}

#[tokio::test]
async fn a_request_over_the_timeout_is_503_and_the_shell_survives() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), false, |c| {
        c.request_timeout = Duration::from_millis(500);
    })
    .await;
    let mut c = stack.client(false);
    let (shell, created) = c.create_pool().await;
    assert_eq!(created.status, 200);
    // Drain the pool's opening messages, then park a Receive longer than the timeout.
    let _ = c.receive(&shell, None, 5).await;
    let parked = c.receive(&shell, None, 30).await;
    assert_eq!(parked.status, 503, "{}", parked.body);
    let measured = run(&mut c, &shell, "Measure-Object").await;
    assert!(succeeded(&measured));
    stack.stop().await;
}

#[tokio::test]
async fn a_client_that_vanishes_mid_pipeline_leaves_no_task_behind() {
    let stack = Faulty::start(EmulatorConfig::for_tests(), false, |c| {
        c.idle_timeout = Duration::from_millis(100);
        c.upstream_max_delay = Duration::from_millis(500);
    })
    .await;
    let mut c = stack.client(false);
    let (shell, _) = c.create_pool().await;
    // The upstream keeps failing, so the cmdlet sits in its retries.
    stack.emulator.handle().fail_next_invoke_requests(1000);
    let (_cid, reply) = c
        .command(&shell, pool_id(&shell), &[("Get-Mailbox", vec![])], true)
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(stack.app.shells.running_pipelines(), 1);
    // The client goes away: no Receive, no Delete. Once idle, the shell is reaped and its
    // pipeline (with its upstream call) is aborted.
    drop(c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stack.app.shells.reap_idle(), 1);
    assert_eq!(stack.app.shells.running_pipelines(), 0);
    assert_eq!(stack.app.shells.count(), 0);
    stack.stop().await;
}
