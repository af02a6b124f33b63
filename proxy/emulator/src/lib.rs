//! `exomig emulate`: a local stand-in for Exchange Online's admin REST API (`InvokeCommand`)
//! and its identity provider. See `API.md` for the public surface and `README.md` for use.
#![forbid(unsafe_code)]
// The mailbox object literal in tenant::objects nests deeper than json!'s default allows.
#![recursion_limit = "256"]

mod cmdlets;
mod config;
mod error;
mod form;
mod http;
mod keys;
mod response;
mod shared;
mod state;
pub mod tenant;
mod throttle;
mod token;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use cmdlets::{names as cmdlet_names, CmdletError};
pub use config::{
    tenant_id_for, EmulatorConfig, SigningKeySource, UserAccount, DEFAULT_AUDIENCE,
    DEFAULT_CLIENT_ID, DEFAULT_LISTEN, DEFAULT_TENANT_DOMAIN, EXO_PUBLIC_CLIENT_ID,
    TEST_CLIENT_SECRET, TEST_PASSWORD, TEST_USER,
};
pub use error::{Error, Result};
pub use secrecy;
pub use shared::EmulatorHandle;
pub use tenant::seed::Seed;
pub use tenant::Tenant;
pub use token::{AccessClaims, TokenSpec, TokenSubject, MANAGE_AS_APP_ROLE, MANAGE_SCOPE};

use shared::Shared;
use token::{Idp, IdpSettings};

/// How long running requests may take to finish after shutdown was asked for.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A started emulator.
pub struct RunningEmulator {
    addr: SocketAddr,
    tenant_domain: String,
    handle: EmulatorHandle,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// The bound address (the real port when `listen` had port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, to pass as both authority and upstream.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.base_url(),
            self.tenant_domain
        )
    }

    pub fn invoke_url(&self) -> String {
        format!(
            "{}/adminapi/beta/{}/InvokeCommand",
            self.base_url(),
            self.tenant_domain
        )
    }

    pub fn handle(&self) -> EmulatorHandle {
        self.handle.clone()
    }

    /// Stops accepting, lets running requests finish (up to 10 s) and returns.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await?;
        Ok(())
    }

    /// Waits until the shutdown future given to [`serve`] fires and connections drained.
    pub async fn wait(mut self) -> Result<()> {
        (&mut self.task).await?;
        // Keep the stop sender alive until here: dropping it earlier would stop the server.
        drop(self.stop.take());
        Ok(())
    }
}

/// Starts the emulator and returns once it listens; it stops when `shutdown` completes.
pub async fn serve(
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunningEmulator> {
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let mut running = start(config, async move {
        tokio::select! {
            () = shutdown => {}
            _ = stop_rx => {}
        }
    })
    .await?;
    running.stop = Some(stop_tx);
    Ok(running)
}

/// Starts the emulator; stop it with [`RunningEmulator::shutdown`] (or by dropping it).
pub async fn spawn(config: EmulatorConfig) -> Result<RunningEmulator> {
    serve(config, std::future::pending()).await
}

async fn start(
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunningEmulator> {
    let source = config.signing_key.clone();
    // Key generation is CPU-bound for seconds; keep it off the async workers.
    let key = tokio::task::spawn_blocking(move || keys::SigningKey::load(&source)).await??;
    let tenant = initial_tenant(&config)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: config.listen,
        source,
    })?;
    let idp = Idp::new(
        key,
        IdpSettings {
            audience: config.audience.clone(),
            tenant_id: config.tenant_id,
            tenant_domain: config.tenant_domain.clone(),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            client_certificate_pem: config.client_certificate_pem.clone(),
            users: config.users.clone(),
            lifetime: config.token_lifetime,
        },
    )?;
    let shared = Arc::new(Shared {
        idp,
        tenant: Mutex::new(tenant),
        state_file: config.state_file.clone(),
        persist_lock: tokio::sync::Mutex::new(()),
        throttle: config
            .throttle_per_minute
            .map(|n| Mutex::new(throttle::Throttle::new(n, config.throttle_window))),
        fail_token: AtomicU32::new(config.fail_token_requests),
        fail_invoke: AtomicU32::new(config.fail_invoke_requests),
        token_requests: AtomicU64::new(0),
        invoke_requests: AtomicU64::new(0),
        bound: addr,
    });
    // The state file exists from the start, so `--state` users see what they will get.
    shared.persist().await?;
    let handle = EmulatorHandle {
        shared: Arc::clone(&shared),
    };
    let task = tokio::spawn(accept_loop(listener, shared, shutdown));
    tracing::info!(%addr, tenant = %config.tenant_domain, "emulator listening");
    Ok(RunningEmulator {
        addr,
        tenant_domain: config.tenant_domain,
        handle,
        stop: None,
        task,
    })
}

fn initial_tenant(config: &EmulatorConfig) -> Result<Tenant> {
    if let Some(path) = &config.state_file {
        if let Some(tenant) = state::load(path)? {
            if !tenant.domain.eq_ignore_ascii_case(&config.tenant_domain) {
                return Err(Error::StateTenant {
                    path: path.clone(),
                    found: tenant.domain,
                    expected: config.tenant_domain.clone(),
                });
            }
            return Ok(tenant);
        }
    }
    let seed = match (&config.seed, &config.seed_file) {
        (Some(seed), _) => Some((seed.clone(), std::path::PathBuf::from("<config>"))),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let seed: Seed = serde_json::from_str(&text).map_err(|e| Error::Seed {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            Some((seed, path.clone()))
        }
        (None, None) => None,
    };
    match seed {
        Some((seed, path)) => seed
            .try_build(&config.tenant_domain, config.tenant_id)
            .map_err(|reason| Error::Seed { path, reason }),
        None => Ok(Tenant::sample(&config.tenant_domain, config.tenant_id)),
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let graceful = GracefulShutdown::new();
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let shared = Arc::clone(&shared);
                let service = service_fn(move |request| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, std::convert::Infallible>(http::route(shared, request).await) }
                });
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain timeout");
    }
}
