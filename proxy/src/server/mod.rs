//! The HTTP server: accept loop, routing, health endpoints and graceful shutdown.

mod body;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::app::App;
use body::{read_limited, BodyOutcome};

pub type HttpResponse = Response<Full<Bytes>>;

/// How long running requests get to finish after shutdown starts (interfaces.md §2).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

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
}

impl Server {
    pub async fn bind(app: Arc<App>) -> Result<Self, ServerError> {
        let addr = app.config.listen;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        Ok(Self { listener, app })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until `shutdown` resolves, then drains connections for up to 10 s.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let reaper = tokio::spawn(reap_idle_shells(self.app.clone()));
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(pair) => pair,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    // Request/response traffic of small envelopes: without this, Nagle's
                    // algorithm and delayed ACKs add tens of milliseconds per exchange.
                    let _ = stream.set_nodelay(true);
                    let app = self.app.clone();
                    let service = service_fn(move |req| {
                        let app = app.clone();
                        async move { Ok::<_, Infallible>(handle(app, peer, req).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let watched = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = watched.await {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        tracing::info!("shutting down: no new connections");
        self.app.shells.shutdown();
        if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("connections still open after the grace period");
        }
        reaper.abort();
    }
}

async fn reap_idle_shells(app: Arc<App>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        let dropped = app.shells.reap_idle();
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

async fn handle(app: Arc<App>, peer: SocketAddr, req: Request<Incoming>) -> HttpResponse {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let response = match (&method, path.as_str()) {
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            if app.backend.ready().await {
                text(StatusCode::OK, "ready\n")
            } else {
                text(StatusCode::SERVICE_UNAVAILABLE, "upstream not ready\n")
            }
        }
        (_, p) if is_liveid_path(p) => {
            if method == Method::POST {
                liveid(app, peer, req).await
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

async fn liveid(app: Arc<App>, peer: SocketAddr, req: Request<Incoming>) -> HttpResponse {
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
    let query = crate::query::ConnectionQuery::parse(parts.uri.query());
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    let principal = match app.auth.authenticate(authorization, &query).await {
        Ok(p) => p,
        Err(crate::auth::AuthError::Unavailable(e)) => {
            tracing::warn!(error = %e, "identity provider unavailable");
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "identity provider unavailable\n",
            );
        }
        Err(e) => {
            tracing::info!(%peer, reason = %e, "authentication failed");
            return unauthorized();
        }
    };
    let endpoint = format!(
        "http://{}{}",
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
