//! `exomig proxy`: the PowerShell-LiveID compatibility proxy (interfaces.md §2).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use exomig_proxy::config::{Environment, ProxyConfig};
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::users::Users;
use exomig_proxy::{App, Server};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
exomig proxy --listen 127.0.0.1:8080 --upstream http://127.0.0.1:9000 --authority http://127.0.0.1:9000 --tenant contoso.onmicrosoft.com\n  \
exomig proxy --listen 127.0.0.1:0    (prints the bound address on stdout)")]
pub struct Args {
    /// Configuration file (TOML)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port, printed on stdout
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Exchange Online cloud: O365Default, O365USGovGCCHigh, O365USGovDoD, O365China, O365GermanyCloud
    #[arg(long, value_name = "NAME", default_value = "O365Default")]
    environment: String,
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
    /// File holding the app's client secret (one trailing newline is stripped)
    #[arg(long, value_name = "FILE", conflicts_with = "certificate")]
    client_secret_file: Option<PathBuf>,
    /// PEM (certificate + key) or PFX file of the app's certificate
    #[arg(long, value_name = "PEM-or-PFX")]
    certificate: Option<PathBuf>,
    /// Local users file (name:argon2-hash lines) for the app identity mode
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// TLS certificate chain (PEM)
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a generated self-signed certificate
    #[arg(long, conflicts_with = "tls_cert")]
    tls_self_signed: bool,
    /// Serve Prometheus metrics on this address
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    /// Token resource (audience) override
    #[arg(long, value_name = "URL")]
    resource: Option<String>,
    /// Concurrent shells per user
    #[arg(long, value_name = "N", default_value_t = 10)]
    max_shells_per_user: usize,
    /// Largest accepted request body in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body: usize,
    /// Validate the configuration and exit (0 valid, 2 invalid)
    #[arg(long)]
    check_config: bool,
}

fn build_config(args: &Args) -> anyhow::Result<(ProxyConfig, Option<Users>)> {
    if args.config.is_some() {
        bail!("--config is not supported yet; pass flags instead");
    }
    if args.tls_cert.is_some() || args.tls_self_signed {
        bail!("TLS is not supported yet; run behind a TLS terminator or on loopback");
    }
    if args.metrics_listen.is_some() {
        bail!("--metrics-listen is not supported yet");
    }
    let mut config = ProxyConfig::new(args.listen);
    config.environment = Environment::parse(&args.environment)
        .with_context(|| format!("unknown --environment {:?}", args.environment))?;
    config.upstream = args.upstream.clone();
    config.authority = args.authority.clone();
    config.tenant = args.tenant.clone();
    config.client_id = args.client_id.clone();
    config.certificate = args.certificate.clone();
    config.resource = args.resource.clone();
    config.users_file = args.users.clone();
    config.max_shells_per_user = args.max_shells_per_user;
    config.max_body = args.max_body;
    if let Some(path) = &args.client_secret_file {
        let secret = exomig_upstream::read_secret_file(path)
            .with_context(|| format!("cannot read --client-secret-file {}", path.display()))?;
        config.client_secret = Some(secret);
    }
    config.validate()?;
    let users = match &args.users {
        Some(path) => Some(Users::load(path)?),
        None => None,
    };
    Ok((config, users))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (config, users) = build_config(&args)?;
    if args.check_config {
        println!(
            "configuration OK ({:?} identity mode)",
            config.identity_mode()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let backend = Arc::new(UpstreamBackend::new(&config)?);
        let app = App::new(config, users, backend);
        let server = Server::bind(app).await?;
        let addr = server
            .local_addr()
            .context("cannot read the bound address")?;
        // Tests and scripts read the address from the first stdout line (port 0 works).
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "exomig proxy listening on http://{addr}/PowerShell-LiveID"
        )?;
        out.flush()?;
        drop(out);
        server.run(shutdown_signal()).await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
