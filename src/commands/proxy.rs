//! `exomig proxy`: the PowerShell-LiveID compatibility proxy (interfaces.md §2).
//!
//! Settings come from flags, `EXOMIG_*` variables and a TOML file, in that precedence
//! (`exomig_proxy::settings`); see proxy/OPERATIONS.md.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use exomig_proxy::metrics::Metrics;
use exomig_proxy::settings::{Layer, Settings, TlsMode};
use exomig_proxy::telemetry::{self, Redactor};
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::users::Users;
use exomig_proxy::{App, Server};

#[derive(clap::Args)]
#[command(
    after_help = "Settings also come from EXOMIG_<FLAG> environment variables (for example \
EXOMIG_TENANT, EXOMIG_CLIENT_SECRET) and from a TOML file whose keys are the flag names; \
flags win over the environment, which wins over the file.\n\n\
Examples:\n  \
exomig proxy --listen 127.0.0.1:8080 --upstream http://127.0.0.1:9000 --authority http://127.0.0.1:9000 --tenant contoso.onmicrosoft.com\n  \
exomig proxy --config /etc/exomig/proxy.toml --check-config\n  \
exomig proxy --listen 0.0.0.0:8443 --tls-self-signed --tls-host proxy.contoso.com"
)]
pub struct Args {
    // Boxed: the flags are many, and the CLI's subcommand enum should stay small.
    #[command(flatten)]
    flags: Box<Flags>,
}

#[derive(clap::Args)]
pub struct Flags {
    /// Configuration file (TOML; keys are the flag names)
    #[arg(long, value_name = "FILE", env = "EXOMIG_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port, printed on stdout
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Exchange Online cloud [default: O365Default]: O365Default, O365USGovGCCHigh, O365USGovDoD, O365China, O365GermanyCloud
    #[arg(long, value_name = "NAME")]
    environment: Option<String>,
    /// REST host base URL without a path (default per environment)
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// Identity provider base URL without a tenant (default per environment)
    #[arg(long, value_name = "URL")]
    authority: Option<String>,
    /// Home tenant (domain or GUID)
    #[arg(long, value_name = "TENANT")]
    tenant: Option<String>,
    /// Application (client) id of the proxy's app identity, or of the password-grant client
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// File holding the app's client secret (one trailing newline is stripped); or EXOMIG_CLIENT_SECRET
    #[arg(long, value_name = "FILE", conflicts_with = "certificate")]
    client_secret_file: Option<PathBuf>,
    /// PEM (certificate + key) or PFX file of the app's certificate
    #[arg(long, value_name = "PEM-or-PFX")]
    certificate: Option<PathBuf>,
    /// File holding the PFX password; or EXOMIG_CERTIFICATE_PASSWORD
    #[arg(long, value_name = "FILE")]
    certificate_password_file: Option<PathBuf>,
    /// Local users file (name:argon2-hash lines) for the app identity mode
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// TLS certificate chain (PEM)
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate (generated once, then reused from --tls-dir)
    #[arg(long, conflicts_with = "tls_cert")]
    tls_self_signed: bool,
    /// Directory of the self-signed certificate and key [default: $TMPDIR/exomig-proxy-tls]
    #[arg(long, value_name = "DIR")]
    tls_dir: Option<PathBuf>,
    /// Name or address the self-signed certificate is valid for (repeatable) [default: localhost, 127.0.0.1]
    #[arg(long = "tls-host", value_name = "HOST")]
    tls_hosts: Vec<String>,
    /// Serve Prometheus metrics on this address (never on --listen)
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<String>,
    /// Token resource (audience) override
    #[arg(long, value_name = "URL")]
    resource: Option<String>,
    /// Concurrent shells per user [default: 10]
    #[arg(long, value_name = "N")]
    max_shells_per_user: Option<usize>,
    /// Largest accepted request body in bytes [default: 1048576; at least 512000]
    #[arg(long, value_name = "BYTES")]
    max_body: Option<usize>,
    /// Close shells idle this long [default: 15m]
    #[arg(long, value_name = "DURATION")]
    idle_timeout: Option<String>,
    /// Bound on handling one HTTP request [default: 120s]
    #[arg(long, value_name = "DURATION")]
    request_timeout: Option<String>,
    /// Concurrent upstream calls per tenant [default: 16]
    #[arg(long, value_name = "N")]
    upstream_concurrency: Option<usize>,
    /// Retries of a throttled or failed upstream call [default: 5]
    #[arg(long, value_name = "N")]
    upstream_retries: Option<u32>,
    /// Longest wait before an upstream retry, Retry-After included [default: 120s]
    #[arg(long, value_name = "DURATION")]
    upstream_max_delay: Option<String>,
    /// How long running requests may finish after SIGTERM or Ctrl-C [default: 10s]
    #[arg(long, value_name = "DURATION")]
    shutdown_grace: Option<String>,
    /// Log format: text or json [default: text]
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Log filter (tracing syntax, e.g. info,exomig_proxy=debug) [default: EXOMIG_LOG, RUST_LOG, info]
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// Validate the configuration as startup would, print problems, and exit 0 (valid) or 1
    #[arg(long)]
    check_config: bool,
}

impl Flags {
    fn layer(&self) -> Layer {
        use exomig_proxy::settings::DurationValue;
        let duration = |v: &Option<String>| v.clone().map(DurationValue::Text);
        Layer {
            listen: self.listen.clone(),
            environment: self.environment.clone(),
            upstream: self.upstream.clone(),
            authority: self.authority.clone(),
            tenant: self.tenant.clone(),
            client_id: self.client_id.clone(),
            client_secret_file: self.client_secret_file.clone(),
            certificate: self.certificate.clone(),
            certificate_password_file: self.certificate_password_file.clone(),
            users: self.users.clone(),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            tls_self_signed: self.tls_self_signed.then_some(true),
            tls_dir: self.tls_dir.clone(),
            tls_hosts: (!self.tls_hosts.is_empty()).then(|| self.tls_hosts.clone()),
            metrics_listen: self.metrics_listen.clone(),
            resource: self.resource.clone(),
            max_shells_per_user: self.max_shells_per_user,
            max_body: self.max_body,
            idle_timeout: duration(&self.idle_timeout),
            request_timeout: duration(&self.request_timeout),
            upstream_concurrency: self.upstream_concurrency,
            upstream_retries: self.upstream_retries,
            upstream_max_delay: duration(&self.upstream_max_delay),
            shutdown_grace: duration(&self.shutdown_grace),
            log_format: self.log_format.clone(),
            log: self.log.clone(),
            client_secret: None,
            certificate_password: None,
        }
    }
}

/// Flags, environment and file merged; the error is already worded for the operator.
fn settings(args: &Flags) -> anyhow::Result<Settings> {
    // Non-UTF-8 variables cannot be ours; std::env::vars() would panic on them.
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let (env, unknown) = Layer::from_env(vars)?;
    let file = args.config.as_deref().map(Layer::from_file).transpose()?;
    Ok(Settings::resolve(args.layer(), env, file, unknown)?)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let args = *args.flags;
    if args.check_config {
        return Ok(check_config(&args));
    }
    let settings = settings(&args)?;
    // Validation runs before the logger exists; its findings are held until the logger is
    // installed, so they come out in the configured format (a JSON log stays all JSON).
    let report = settings.validate();
    let redactor = Redactor::new();
    for secret in settings.secrets() {
        redactor.register(&secret);
    }
    let log = settings.log.clone();
    let filter = telemetry::env_filter(
        |name| match name {
            "EXOMIG_LOG" => log.clone(),
            other => std::env::var(other).ok(),
        },
        "info",
    )?;
    // A logger installed earlier (tests running in-process) is kept.
    let _ = telemetry::init(settings.log_format, filter, redactor);
    for warning in &report.warnings {
        tracing::warn!("{warning}");
    }
    if !report.is_ok() {
        for error in &report.errors {
            tracing::error!("{error}");
        }
        // Said through the logger, not as the CLI's plain `error:` line, so that a JSON log
        // stays all JSON; the exit code is the CLI's error code all the same.
        let n = report.errors.len();
        let problems = if n == 1 { "problem" } else { "problems" };
        tracing::error!("invalid configuration ({n} {problems}); not starting");
        return Ok(ExitCode::from(2));
    }

    let users = settings
        .users_file
        .as_deref()
        .map(Users::load)
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(settings, users))?;
    Ok(ExitCode::SUCCESS)
}

/// `--check-config`: 0 when startup would succeed, 1 otherwise, every problem listed.
fn check_config(args: &Flags) -> ExitCode {
    let settings = match settings(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(1);
        }
    };
    let report = settings.validate();
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.is_ok() {
        println!(
            "configuration OK ({:?} identity mode, listening on {}{})",
            settings.proxy_config().identity_mode(),
            settings.listen,
            if settings.tls == TlsMode::Off {
                ""
            } else {
                " with TLS"
            }
        );
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn serve(settings: Settings, users: Option<Users>) -> anyhow::Result<()> {
    let config = settings.proxy_config();
    let metrics = Arc::new(Metrics::new());
    let (tls, self_signed) = match &settings.tls {
        TlsMode::Off => (None, None),
        TlsMode::Files { cert, key } => (
            Some(exomig_proxy::tls::load_server_config(cert, key)?),
            None,
        ),
        TlsMode::SelfSigned { dir, hosts } => {
            let generated = exomig_proxy::tls::load_or_generate_self_signed(dir, hosts)?;
            (Some(generated.config.clone()), Some(generated))
        }
    };
    let backend = Arc::new(UpstreamBackend::with_metrics(
        &config,
        Some(metrics.clone()),
    )?);
    let app = App::with_metrics(config, users, backend, metrics.clone());
    let mut server = Server::bind(app).await?;
    if let Some(tls) = tls {
        server = server.with_tls(exomig_proxy::tls::acceptor(tls));
    }
    let addr = server
        .local_addr()
        .context("cannot read the bound address")?;
    let shutdown = crate::shutdown::signal();
    let metrics_listener = match settings.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on --metrics-listen {addr}"))?,
        ),
        None => None,
    };
    {
        // Tests and scripts read the address from the first stdout line (port 0 works).
        let scheme = if settings.tls == TlsMode::Off {
            "http"
        } else {
            "https"
        };
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "exomig proxy listening on {scheme}://{addr}/PowerShell-LiveID"
        )?;
        if let Some(s) = &self_signed {
            writeln!(
                out,
                "exomig proxy: self-signed certificate {}",
                s.cert_path.display()
            )?;
            writeln!(out, "exomig proxy: SHA-256 fingerprint {}", s.fingerprint)?;
        }
        if let Some(l) = &metrics_listener {
            if let Ok(m) = l.local_addr() {
                writeln!(out, "exomig proxy metrics on http://{m}/metrics")?;
            }
        }
        out.flush()?;
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let metrics_task = metrics_listener.map(|listener| {
        let mut rx = stop_rx.clone();
        tokio::spawn(exomig_proxy::metrics::serve(
            listener,
            metrics,
            async move {
                let _ = rx.wait_for(|stop| *stop).await;
            },
        ))
    });
    tracing::info!(
        %addr,
        mode = ?settings.proxy_config().identity_mode(),
        environment = settings.environment.name(),
        tls = settings.tls != TlsMode::Off,
        metrics = ?settings.metrics_listen,
        max_shells_per_user = settings.max_shells_per_user,
        max_body = settings.max_body,
        idle_timeout = ?settings.idle_timeout,
        request_timeout = ?settings.request_timeout,
        upstream_concurrency = settings.upstream_concurrency,
        upstream_retries = settings.upstream_retries,
        "proxy started"
    );
    server.run(shutdown).await;
    let _ = stop_tx.send(true);
    if let Some(task) = metrics_task {
        let _ = task.await;
    }
    tracing::info!("proxy stopped");
    Ok(())
}
