//! `exomig emulate`: a local stand-in for Exchange Online's REST API and identity provider
//! (interfaces.md §2).

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use exomig_emulator::secrecy::SecretString;
use exomig_emulator::{
    EmulatorConfig, SigningKeySource, UserAccount, DEFAULT_AUDIENCE, DEFAULT_TENANT_DOMAIN,
};

/// Environment variable naming a PEM RSA key to sign tokens with instead of a fresh one
/// (generation is slow in debug builds; tests set it).
const SIGNING_KEY_ENV: &str = "EXOMIG_EMULATOR_SIGNING_KEY";

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
exomig emulate --user admin@contoso.onmicrosoft.com:Passw0rd!\n  \
exomig emulate --listen 127.0.0.1:0 --client-id 3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b --client-secret-file secret.txt\n  \
exomig emulate --seed seed.json --state tenant.json --throttle 60")]
pub struct Args {
    /// Address to listen on; port 0 picks a free port (the line printed on stdout names it)
    #[arg(long, value_name = "ADDR", default_value = exomig_emulator::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Tenant domain (its GUID is derived from it and printed)
    #[arg(long, value_name = "DOMAIN", default_value = DEFAULT_TENANT_DOMAIN)]
    tenant: String,
    /// App id accepted by the client-credentials grant
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// File holding the app's client secret (one trailing newline is stripped)
    #[arg(long, value_name = "FILE")]
    client_secret_file: Option<PathBuf>,
    /// PEM certificate whose key signs client assertions (RS256 or PS256)
    #[arg(long, value_name = "PEM")]
    client_certificate: Option<PathBuf>,
    /// An account for the password grant (repeatable)
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<String>,
    /// Keep the tenant in FILE across restarts (rewritten atomically after every change)
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Start from the tenant described in FILE (JSON; see proxy/emulator/README.md)
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Allow N InvokeCommand calls per minute per tenant, then answer 429 with Retry-After
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    throttle: Option<u32>,
    /// The --throttle window: N calls per DURATION (500ms, 5s, 1m) instead of per minute
    #[arg(long, value_name = "DURATION", requires = "throttle", value_parser = throttle_window)]
    throttle_window: Option<std::time::Duration>,
    /// Audience of issued tokens, and the only one accepted
    #[arg(long, value_name = "AUD", default_value = DEFAULT_AUDIENCE)]
    audience: String,
}

/// A `--throttle-window` value: a duration as the proxy's settings spell them, not zero
/// (a zero window would never throttle).
fn throttle_window(text: &str) -> Result<std::time::Duration, String> {
    let window = exomig_proxy::settings::parse_duration(text)?;
    if window.is_zero() {
        return Err("the throttle window must be longer than zero".to_owned());
    }
    Ok(window)
}

/// Strips one trailing LF or CRLF, as the contract says for secrets read from files.
fn strip_newline(mut secret: String) -> String {
    if secret.ends_with("\r\n") {
        secret.truncate(secret.len() - 2);
    } else if secret.ends_with('\n') {
        secret.truncate(secret.len() - 1);
    }
    secret
}

fn build_config(args: Args) -> anyhow::Result<EmulatorConfig> {
    let mut config = EmulatorConfig::new(args.listen).with_tenant(args.tenant);
    if let Some(id) = args.client_id {
        config.client_id = id;
    }
    if let Some(path) = args.client_secret_file {
        let secret = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the client secret file {}", path.display()))?;
        let secret = strip_newline(secret);
        if secret.is_empty() {
            bail!("the client secret file {} is empty", path.display());
        }
        config.client_secret = Some(SecretString::from(secret));
    }
    if let Some(path) = args.client_certificate {
        let pem = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the client certificate {}", path.display()))?;
        config.client_certificate_pem = Some(pem);
    }
    for user in args.users {
        let Some((name, password)) = user.split_once(':') else {
            bail!("--user expects NAME:PASSWORD");
        };
        if name.is_empty() {
            bail!("--user expects NAME:PASSWORD with a non-empty NAME");
        }
        config.users.push(UserAccount::new(name, password));
    }
    config.state_file = args.state;
    config.seed_file = args.seed;
    config.throttle_per_minute = args.throttle;
    if let Some(window) = args.throttle_window {
        config.throttle_window = window;
    }
    config.audience = args.audience.trim_end_matches('/').to_owned();
    if let Some(path) = std::env::var_os(SIGNING_KEY_ENV) {
        let path = PathBuf::from(path);
        let pem = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {SIGNING_KEY_ENV}={}", path.display()))?;
        config.signing_key = SigningKeySource::Pem(pem);
    }
    Ok(config)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // EXOMIG_LOG first, as for `exomig proxy`, then RUST_LOG.
    let filter = ["EXOMIG_LOG", "RUST_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .and_then(|spec| tracing_subscriber::EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
    let config = build_config(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let tenant_id = config.tenant_id;
        let client_id = config.client_id.clone();
        // Registered before serving: a SIGTERM right after the listening line must stop the
        // emulator gracefully, not kill it with the default action.
        let signal = crate::shutdown::signal();
        let shutdown = async move {
            signal.await;
            tracing::info!("shutting down");
        };
        let running = exomig_emulator::serve(config, shutdown).await?;
        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "exomig emulate listening on {base} (tenant id {tenant_id}, client id {client_id}); token: {token}; InvokeCommand: {invoke}",
            base = running.base_url(),
            token = running.token_url(),
            invoke = running.invoke_url(),
        )?;
        stdout.flush()?;
        drop(stdout);
        running.wait().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::{strip_newline, throttle_window};
    use std::time::Duration;

    #[test]
    fn throttle_window_takes_durations_and_refuses_zero() {
        assert_eq!(throttle_window("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(throttle_window("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(throttle_window("90"), Ok(Duration::from_secs(90)));
        assert!(throttle_window("0s").is_err());
        assert!(throttle_window("soon").is_err());
    }

    #[test]
    fn strips_exactly_one_newline() {
        assert_eq!(strip_newline("s3cret\r\n".into()), "s3cret");
        assert_eq!(strip_newline("s3cret\n\n".into()), "s3cret\n");
        assert_eq!(strip_newline("s3cret".into()), "s3cret");
    }
}
