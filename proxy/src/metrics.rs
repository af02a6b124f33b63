//! Prometheus metrics of the proxy, encoded with `prometheus-client` and served on the
//! separate `--metrics-listen` address only (as oauth2-proxy does), so scrapers never share a
//! port with legacy clients and no metrics leak to them.
//!
//! Label values are bounded: WS-Man actions map to a fixed set of short names, and cmdlet names
//! beyond [`MAX_CMDLET_LABELS`] distinct values (or not shaped like a cmdlet) count as `other`,
//! so a client sending random command names cannot grow the registry without end.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// Distinct cmdlet label values kept before new names count as `other`.
pub const MAX_CMDLET_LABELS: usize = 256;

/// The content type of the OpenMetrics text format the encoder writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    action: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabel {
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CmdletLabel {
    cmdlet: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latency buckets from 5 ms to about 82 s: Receive long polls and slow cmdlets
/// (`Get-Mailbox -ResultSize Unlimited`) both land inside the range.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// Why an upstream call was retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429 from Exchange Online.
    Throttled,
    /// 503 or another retryable 5xx.
    Unavailable,
    /// The call timed out.
    Timeout,
    /// The connection broke or was refused.
    Connection,
    /// 401 answered by fetching a fresh token.
    Unauthorized,
}

impl RetryReason {
    pub fn label(self) -> &'static str {
        match self {
            Self::Throttled => "throttled",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timeout",
            Self::Connection => "connection",
            Self::Unauthorized => "unauthorized",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    in_flight: Gauge,
    request_duration: HistogramFamily<ActionLabel>,
    cmdlet_duration: HistogramFamily<CmdletLabel>,
    upstream_requests: Family<StatusLabel, Counter>,
    upstream_retries: Family<ReasonLabel, Counter>,
    token_refreshes: Family<ResultLabel, Counter>,
    open_shells: Gauge,
    cmdlet_names: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("exomig");
        let requests = Family::<RequestLabels, Counter>::default();
        let in_flight = Gauge::default();
        let request_duration: HistogramFamily<ActionLabel> =
            Family::new_with_constructor(latency_histogram);
        let cmdlet_duration: HistogramFamily<CmdletLabel> =
            Family::new_with_constructor(latency_histogram);
        let upstream_requests = Family::<StatusLabel, Counter>::default();
        let upstream_retries = Family::<ReasonLabel, Counter>::default();
        let token_refreshes = Family::<ResultLabel, Counter>::default();
        let open_shells = Gauge::default();
        // Counters get their `_total` suffix from the encoder.
        registry.register(
            "requests",
            "HTTP requests by WS-Man action and status",
            requests.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests being handled",
            in_flight.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Request latency by WS-Man action",
            request_duration.clone(),
        );
        registry.register(
            "cmdlet_duration_seconds",
            "Cmdlet latency including upstream retries",
            cmdlet_duration.clone(),
        );
        registry.register(
            "upstream_requests",
            "Exchange Online REST calls by HTTP status (error: no response)",
            upstream_requests.clone(),
        );
        registry.register(
            "upstream_retries",
            "Exchange Online REST retries by reason",
            upstream_retries.clone(),
        );
        registry.register(
            "token_refreshes",
            "Token endpoint fetches by result",
            token_refreshes.clone(),
        );
        registry.register("open_shells", "Open remote shells", open_shells.clone());
        Self {
            registry,
            requests,
            in_flight,
            request_duration,
            cmdlet_duration,
            upstream_requests,
            upstream_retries,
            token_refreshes,
            open_shells,
            cmdlet_names: Mutex::new(HashSet::new()),
        }
    }

    /// Counts a request as in flight until the guard drops, including when the client
    /// disconnects and the handler future is dropped mid-way.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight {
            gauge: self.in_flight.clone(),
        }
    }

    /// Records a finished request; `action` is a WS-Man action URI or a route name.
    pub fn observe_request(&self, action: &str, status: u16, elapsed: Duration) {
        let action = action_label(action);
        self.requests
            .get_or_create(&RequestLabels {
                action: action.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.request_duration
            .get_or_create(&ActionLabel {
                action: action.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_cmdlet(&self, cmdlet: &str, elapsed: Duration) {
        let cmdlet = self.cmdlet_label(cmdlet);
        self.cmdlet_duration
            .get_or_create(&CmdletLabel { cmdlet })
            .observe(elapsed.as_secs_f64());
    }

    /// Records one upstream HTTP exchange; `None` when no response arrived.
    pub fn upstream_response(&self, status: Option<u16>) {
        let status = status.map_or_else(|| "error".to_owned(), |s| s.to_string());
        self.upstream_requests
            .get_or_create(&StatusLabel { status })
            .inc();
    }

    pub fn upstream_retry(&self, reason: RetryReason) {
        self.upstream_retries
            .get_or_create(&ReasonLabel {
                reason: reason.label().to_owned(),
            })
            .inc();
    }

    pub fn token_refresh(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.token_refreshes
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn set_open_shells(&self, count: usize) {
        self.open_shells
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// The registry in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoder error would only drop the scrape.
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    fn cmdlet_label(&self, cmdlet: &str) -> String {
        let shaped = !cmdlet.is_empty()
            && cmdlet.len() <= 64
            && cmdlet
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !shaped {
            return "other".to_owned();
        }
        let Ok(mut seen) = self.cmdlet_names.lock() else {
            return "other".to_owned();
        };
        if seen.contains(cmdlet) {
            return cmdlet.to_owned();
        }
        if seen.len() >= MAX_CMDLET_LABELS {
            return "other".to_owned();
        }
        seen.insert(cmdlet.to_owned());
        cmdlet.to_owned()
    }
}

/// Decrements the in-flight gauge on drop.
#[derive(Debug)]
pub struct InFlight {
    gauge: Gauge,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// Short label of a WS-Man action URI (`…/transfer/Create` → `Create`); route names such as
/// `healthz` pass through; anything else is `other`.
pub fn action_label(action: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "Create",
        "Delete",
        "Get",
        "Put",
        "Enumerate",
        "Pull",
        "Command",
        "Send",
        "Receive",
        "Signal",
        "Connect",
        "Disconnect",
        "Reconnect",
        "healthz",
        "readyz",
        "metrics",
        "unauthenticated",
        "rejected",
    ];
    let last = action.rsplit('/').next().unwrap_or(action);
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(last))
        .copied()
        .unwrap_or("other")
}

/// Serves `GET /metrics` (and `/healthz`) on its own listener until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let metrics = metrics.clone();
                let service = service_fn(move |req| {
                    let metrics = metrics.clone();
                    async move { Ok::<_, Infallible>(respond(&metrics, &req)) }
                });
                tokio::spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "metrics connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
}

/// The metrics listener's answer to one request.
pub fn respond<B>(metrics: &Metrics, req: &Request<B>) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => (StatusCode::OK, CONTENT_TYPE, metrics.encode()),
        (&Method::GET, "/healthz") => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "ok\n".to_owned(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found\n".to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of one sample line, e.g. `exomig_requests_total{action="Create",status="200"}`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(series)?;
            rest.strip_prefix(' ')?.trim().parse().ok()
        })
    }

    #[test]
    fn every_family_is_exported_with_its_contract_name() {
        let m = Metrics::new();
        m.observe_request(
            "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
            200,
            Duration::from_millis(12),
        );
        m.observe_cmdlet("Get-Mailbox", Duration::from_millis(40));
        m.upstream_response(Some(429));
        m.upstream_retry(RetryReason::Throttled);
        m.token_refresh(true);
        m.set_open_shells(3);
        let _guard = m.in_flight();
        let text = m.encode();
        for family in [
            "exomig_requests_total",
            "exomig_requests_in_flight",
            "exomig_request_duration_seconds",
            "exomig_cmdlet_duration_seconds",
            "exomig_upstream_requests_total",
            "exomig_upstream_retries_total",
            "exomig_token_refreshes_total",
            "exomig_open_shells",
        ] {
            assert!(text.contains(family), "{family} missing in\n{text}");
        }
        assert_eq!(
            sample(
                &text,
                r#"exomig_requests_total{action="Create",status="200"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"exomig_upstream_requests_total{status="429"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"exomig_upstream_retries_total{reason="throttled"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"exomig_token_refreshes_total{result="ok"}"#),
            Some(1.0)
        );
        assert_eq!(sample(&text, "exomig_open_shells"), Some(3.0));
        assert_eq!(sample(&text, "exomig_requests_in_flight"), Some(1.0));
        assert_eq!(
            sample(
                &text,
                r#"exomig_cmdlet_duration_seconds_count{cmdlet="Get-Mailbox"}"#
            ),
            Some(1.0)
        );
        assert!(text.trim_end().ends_with("# EOF"));
    }

    #[test]
    fn in_flight_guard_decrements_on_drop() {
        let m = Metrics::new();
        let a = m.in_flight();
        let b = m.in_flight();
        assert_eq!(sample(&m.encode(), "exomig_requests_in_flight"), Some(2.0));
        drop(a);
        drop(b);
        assert_eq!(sample(&m.encode(), "exomig_requests_in_flight"), Some(0.0));
    }

    #[test]
    fn histogram_buckets_place_observations() {
        let m = Metrics::new();
        m.observe_request("Receive", 200, Duration::from_millis(3));
        m.observe_request("Receive", 200, Duration::from_secs(2));
        let text = m.encode();
        assert_eq!(
            sample(
                &text,
                r#"exomig_request_duration_seconds_bucket{le="0.005",action="Receive"}"#
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"exomig_request_duration_seconds_count{action="Receive"}"#
            ),
            Some(2.0)
        );
    }

    #[test]
    fn label_values_stay_bounded() {
        let m = Metrics::new();
        for i in 0..(MAX_CMDLET_LABELS + 50) {
            m.observe_cmdlet(&format!("Get-Thing{i}"), Duration::from_millis(1));
        }
        m.observe_cmdlet("Get-Mailbox; rm -rf /", Duration::from_millis(1));
        let text = m.encode();
        let distinct = text
            .lines()
            .filter(|l| l.starts_with("exomig_cmdlet_duration_seconds_count{"))
            .count();
        assert_eq!(distinct, MAX_CMDLET_LABELS + 1, "names plus `other`");
        assert_eq!(
            sample(
                &text,
                r#"exomig_cmdlet_duration_seconds_count{cmdlet="other"}"#
            ),
            Some(51.0)
        );
        assert_eq!(action_label("urn:x/ws/2004/09/weird/Frobnicate"), "other");
        assert_eq!(
            action_label("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"),
            "Receive"
        );
    }

    #[tokio::test]
    async fn the_listener_serves_metrics_and_nothing_else() {
        let m = Arc::new(Metrics::new());
        m.set_open_shells(7);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, m.clone(), async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::new();
        let response = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .expect("scrape");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some(CONTENT_TYPE)
        );
        let body = response.text().await.expect("body");
        assert_eq!(sample(&body, "exomig_open_shells"), Some(7.0));
        let other = client
            .get(format!("http://{addr}/PowerShell-LiveID"))
            .send()
            .await
            .expect("request");
        assert_eq!(other.status(), 404);
        let _ = stop.send(());
        server.await.expect("server stops on shutdown");
    }
}
