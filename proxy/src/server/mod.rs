//! The HTTP server: accept loop, routing, health endpoints and graceful shutdown.

mod body;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument as _;

use crate::app::App;
use crate::observe::{peek_action, RequestGuard};
use body::{read_limited, BodyOutcome};

pub type HttpResponse = Response<Full<Bytes>>;

/// A client that has not finished the TLS handshake by then is dropped, so half-open
/// connections cannot pile up.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// `/readyz` answers within this, even while the token endpoint hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound listener, ready to serve.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
}

impl Server {
    pub async fn bind(app: Arc<App>) -> Result<Self, ServerError> {
        let addr = app.config.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        Ok(Self {
            listener,
            app,
            tls: None,
        })
    }

    /// Serves HTTPS with this acceptor (see [`crate::tls`]).
    pub fn with_tls(mut self, acceptor: TlsAcceptor) -> Self {
        self.tls = Some(acceptor);
        self
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` resolves, then drains for up to the configured grace period:
    /// new shells are refused, but connections are still accepted until every pipeline that
    /// was running has finished and its output has been received (a legacy client reconnects
    /// for its Receives); then the listener closes, parked Receives are released and open
    /// connections finish their requests.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let reaper = tokio::spawn(reap_idle_shells(self.app.clone()));
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => self.serve_accepted(accepted, &graceful).await,
                () = &mut shutdown => break,
            }
        }
        let grace = self.app.config.shutdown_grace;
        let deadline = tokio::time::Instant::now() + grace;
        self.app.shells.shutdown();
        tracing::info!(
            pipelines = self.app.shells.undelivered_pipelines(),
            "shutting down: no new shells; draining running pipelines"
        );
        // Pipelines run detached from connections, and their clients fetch the output with
        // new requests: keep serving until nothing is left to deliver.
        while self.app.shells.undelivered_pipelines() > 0 {
            tokio::select! {
                accepted = self.listener.accept() => self.serve_accepted(accepted, &graceful).await,
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        drop(self.listener);
        let left = self.app.shells.undelivered_pipelines();
        if left > 0 {
            tracing::warn!(
                pipelines = left,
                "pipelines still running or unreceived after the grace period"
            );
        }
        tracing::info!("shutting down: no new connections");
        self.app.shells.close();
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if tokio::time::timeout(remaining, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("connections still open after the grace period");
        }
        reaper.abort();
    }

    /// Starts serving one accepted connection (TLS handshake first when configured).
    async fn serve_accepted(
        &self,
        accepted: std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
        graceful: &hyper_util::server::graceful::GracefulShutdown,
    ) {
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                return;
            }
        };
        // Request/response traffic of small envelopes: without this, Nagle's
        // algorithm and delayed ACKs add tens of milliseconds per exchange.
        let _ = stream.set_nodelay(true);
        let app = self.app.clone();
        let watcher = graceful.watcher();
        match self.tls.clone() {
            None => {
                tokio::spawn(serve_connection(app, peer, stream, false, watcher));
            }
            Some(acceptor) => {
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(tls)) => serve_connection(app, peer, tls, true, watcher).await,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
}

async fn serve_connection<I>(
    app: Arc<App>,
    peer: SocketAddr,
    io: I,
    secure: bool,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, Infallible>(handle(app, peer, secure, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

async fn reap_idle_shells(app: Arc<App>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        let dropped = app.shells.reap_idle();
        app.metrics.set_open_shells(app.shells.count());
        if dropped > 0 {
            tracing::info!(dropped, "idle shells removed");
        }
    }
}

/// Whether the path is the PowerShell-LiveID endpoint: case-insensitive, trailing `/`
/// optional.
pub fn is_liveid_path(path: &str) -> bool {
    path.trim_end_matches('/')
        .eq_ignore_ascii_case("/powershell-liveid")
}

/// One request: request id and span, metrics, the request timeout, then routing.
async fn handle(
    app: Arc<App>,
    peer: SocketAddr,
    secure: bool,
    req: Request<Incoming>,
) -> HttpResponse {
    let request_id = crate::telemetry::request_id(
        req.headers()
            .get(crate::telemetry::REQUEST_ID_HEADER)
            .map(|v| v.as_bytes()),
    );
    let span = tracing::debug_span!("request", request_id = %request_id, %peer);
    let mut guard = RequestGuard::start(app.metrics.clone(), "other");
    let timeout = app.config.request_timeout;
    let routed = tokio::time::timeout(timeout, route(app.clone(), peer, secure, req, &mut guard))
        .instrument(span.clone())
        .await;
    let mut response = routed.unwrap_or_else(|_| {
        span.in_scope(|| tracing::warn!(?timeout, "request timed out"));
        text(StatusCode::SERVICE_UNAVAILABLE, "request timed out\n")
    });
    if let Ok(v) = http::HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(crate::telemetry::REQUEST_ID_HEADER, v);
    }
    guard.finish(response.status().as_u16());
    app.metrics.set_open_shells(app.shells.count());
    response
}

async fn route(
    app: Arc<App>,
    peer: SocketAddr,
    secure: bool,
    req: Request<Incoming>,
    guard: &mut RequestGuard,
) -> HttpResponse {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let response = match (&method, path.as_str()) {
        (&Method::GET, "/healthz") => {
            guard.set_action("healthz");
            text(StatusCode::OK, "ok\n")
        }
        (&Method::GET, "/readyz") => {
            guard.set_action("readyz");
            let ready = tokio::time::timeout(READY_TIMEOUT, app.backend.ready()).await;
            if ready == Ok(true) {
                text(StatusCode::OK, "ready\n")
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "upstream not ready\n")
            }
        }
        (_, p) if is_liveid_path(p) => {
            if method == Method::POST {
                liveid(app, peer, secure, req, guard).await
            } else {
                let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "use POST\n");
                r.headers_mut()
                    .insert(header::ALLOW, http::HeaderValue::from_static("POST"));
                r
            }
        }
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    };
    tracing::debug!(%method, path, status = response.status().as_u16(), "request");
    response
}

async fn liveid(
    app: Arc<App>,
    peer: SocketAddr,
    secure: bool,
    req: Request<Incoming>,
    guard: &mut RequestGuard,
) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = match read_limited(body, app.config.max_body, declared).await {
        BodyOutcome::Complete(b) => b,
        BodyOutcome::TooLarge => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
        }
        BodyOutcome::TooLargeClose => {
            let mut r = text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
            r.headers_mut()
                .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
            return r;
        }
        BodyOutcome::Broken => return text(StatusCode::BAD_REQUEST, "unreadable body\n"),
    };
    guard.set_action(peek_action(&body));
    let query = crate::query::ConnectionQuery::parse(parts.uri.query());
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    // Token pass-through is authorised by the token itself: no password to guess.
    let guarded_user = if query.basic_auth_to_oauth {
        None
    } else {
        authorization
            .and_then(crate::auth::parse_basic)
            .map(|c| c.user)
    };
    if let Some(user) = &guarded_user {
        if let Err(locked) = app.login_guard.check(user, peer.ip(), Instant::now()) {
            tracing::info!(%peer, user = %user, retry_after = ?locked.retry_after, "login refused: too many failures");
            let mut r = unauthorized();
            if let Ok(v) =
                http::HeaderValue::from_str(&locked.retry_after.as_secs().max(1).to_string())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    let principal = match app.auth.authenticate(authorization, &query).await {
        Ok(p) => {
            if let Some(user) = &guarded_user {
                app.login_guard.record_success(user, peer.ip());
            }
            p
        }
        Err(crate::auth::AuthError::Unavailable(e)) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity provider unavailable\n",
            );
        }
        Err(e) => {
            let locked = guarded_user
                .as_deref()
                .filter(|_| matches!(e, crate::auth::AuthError::Invalid))
                .and_then(|user| {
                    app.login_guard
                        .record_failure(user, peer.ip(), Instant::now())
                });
            tracing::info!(%peer, reason = %e, lock = ?locked, "authentication failed");
            return unauthorized();
        }
    };
    let endpoint = format!(
        "{}://{}{}",
        if secure { "https" } else { "http" },
        parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost"),
        parts.uri.path()
    );
    let reply = crate::wsman_ops::dispatch(&app, principal, query, peer, &endpoint, &body).await;
    let mut r = Response::new(Full::new(Bytes::from(reply.body)));
    *r.status_mut() = if reply.fault {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/soap+xml;charset=UTF-8"),
    );
    r
}

fn unauthorized() -> HttpResponse {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static("Basic realm=\"exomig\""),
    );
    r
}

fn text(status: StatusCode, body: &'static str) -> HttpResponse {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveid_path_matching() {
        assert!(is_liveid_path("/PowerShell-LiveID"));
        assert!(is_liveid_path("/powershell-liveid/"));
        assert!(is_liveid_path("/POWERSHELL-LIVEID"));
        assert!(!is_liveid_path("/PowerShell"));
        assert!(!is_liveid_path("/PowerShell-LiveID/x"));
    }
}
