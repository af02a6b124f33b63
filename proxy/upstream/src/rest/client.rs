//! Sends one cmdlet invocation: headers, retries, claims challenges, paging.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE,
};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use uuid::Uuid;

use super::context::CallContext;
use super::error::{CmdletError, ExoError};
use super::params::{Paging, Parameters};
use super::response::{absorb_page, CmdletResult};
use super::retry::{
    is_idempotent, parse_claims_challenge, parse_retry_after, RetryPolicy, TimeoutPolicy,
};
use crate::cache::TokenCache;
use crate::token::AccessToken;

/// Tunables of [`ExoClient`].
#[derive(Debug, Clone)]
pub struct ExoClientConfig {
    pub retry: RetryPolicy,
    pub timeouts: TimeoutPolicy,
    /// Default entries per page (1–1000) when the call context sets none.
    pub page_size: u32,
    /// Stop after this many pages: a service that keeps sending nextLinks must not loop us
    /// forever.
    pub max_pages: u32,
    /// `X-ClientApplication` header.
    pub client_application: String,
    /// Without `ResultSize` the module fetches one page only (and the service warns that
    /// more exist); `true` follows every page instead.
    pub page_all_without_result_size: bool,
    /// Largest response body accepted, per page.
    pub max_response_bytes: usize,
}

impl Default for ExoClientConfig {
    fn default() -> Self {
        ExoClientConfig {
            retry: RetryPolicy::default(),
            timeouts: TimeoutPolicy::default(),
            page_size: 1000,
            max_pages: 100_000,
            client_application: "exomig".to_owned(),
            page_all_without_result_size: false,
            max_response_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Upstream traffic counters, e.g. for Prometheus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent (pages, retries and redirects included).
    pub requests: u64,
    /// Requests repeated because of a retryable answer or connection failure.
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
}

/// One thing the client did on the wire, reported to an [`ExchangeObserver`] as it happens
/// (not once per call), so that retried attempts are visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientEvent {
    /// An HTTP exchange ended: `Some(status)` when an answer arrived, `None` when the
    /// connection failed or timed out before one did.
    Exchange { status: Option<u16> },
    /// A request is about to be sent again.
    Retry(RetryCause),
}

/// Why [`ClientEvent::Retry`] happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    /// 429.
    Throttled,
    /// 503, 504 or a transient Exchange exception.
    Unavailable,
    /// The connection was refused or broke.
    Connection,
}

/// Receives every [`ClientEvent`]; called inline, so it must be cheap.
pub type ExchangeObserver = Arc<dyn Fn(ClientEvent) + Send + Sync>;

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

/// Redirects followed per request (regional backends, exo-rest.md §3.9).
const MAX_REDIRECTS: u32 = 3;

/// Exchange Online admin REST client; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct ExoClient {
    http: reqwest::Client,
    upstream: Url,
    tokens: Arc<TokenCache>,
    config: Arc<ExoClientConfig>,
    counters: Arc<Counters>,
    observer: Option<Observer>,
}

/// [`ExchangeObserver`] with a `Debug` that does not try to print a closure.
#[derive(Clone)]
struct Observer(ExchangeObserver);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

impl ExoClient {
    /// `upstream` is the REST host base URL without a path (`https://outlook.office365.com`
    /// or an emulator); tokens are taken from `tokens` for the call context's credentials.
    pub fn new(upstream: &str, tokens: Arc<TokenCache>) -> Result<Self, ExoError> {
        let upstream = Url::parse(upstream)
            .map_err(|e| ExoError::Config(format!("upstream URL `{upstream}`: {e}")))?;
        if !matches!(upstream.scheme(), "http" | "https") || upstream.host_str().is_none() {
            return Err(ExoError::Config(format!(
                "upstream URL `{upstream}` must be http(s) with a host"
            )));
        }
        let http = reqwest::Client::builder()
            // Redirects are followed by hand: reqwest would drop Authorization across hosts
            // and turn a 302'd POST into a GET.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ExoError::Transport(e.to_string()))?;
        Ok(ExoClient {
            http,
            upstream,
            tokens,
            config: Arc::new(ExoClientConfig::default()),
            counters: Arc::default(),
            observer: None,
        })
    }

    /// Reports every HTTP exchange and retry to `observer` (metrics).
    pub fn with_observer(mut self, observer: ExchangeObserver) -> Self {
        self.observer = Some(Observer(observer));
        self
    }

    fn notify(&self, event: ClientEvent) {
        if let Some(Observer(observer)) = &self.observer {
            observer(event);
        }
    }

    fn count_retry(&self, cause: RetryCause) {
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        self.notify(ClientEvent::Retry(cause));
    }

    pub fn with_config(mut self, config: ExoClientConfig) -> Self {
        self.config = Arc::new(config);
        self
    }

    pub fn tokens(&self) -> &Arc<TokenCache> {
        &self.tokens
    }

    pub fn config(&self) -> &ExoClientConfig {
        &self.config
    }

    /// `{upstream}/adminapi/beta/{tenant}/InvokeCommand`.
    pub fn invoke_url(&self, tenant: &str) -> Result<Url, ExoError> {
        let mut url = self.upstream.clone();
        url.path_segments_mut()
            .map_err(|()| ExoError::Config("upstream URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(["adminapi", "beta", tenant, "InvokeCommand"]);
        Ok(url)
    }

    /// Runs `cmdlet` with `params` and returns every object of every page.
    pub async fn invoke(
        &self,
        ctx: &CallContext,
        cmdlet: &str,
        params: &Parameters,
    ) -> Result<CmdletResult, ExoError> {
        let body = serde_json::json!({
            "CmdletInput": { "CmdletName": cmdlet, "Parameters": params.to_json() }
        });
        let body =
            serde_json::to_vec(&body).map_err(|e| ExoError::InvalidRequest(e.to_string()))?;
        let client_request_id = Uuid::new_v4();
        let page_size = ctx
            .page_size
            .unwrap_or(self.config.page_size)
            .min(
                params
                    .result_size()
                    .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            )
            .clamp(1, 1000);
        let headers = self.static_headers(ctx, cmdlet, client_request_id, page_size)?;
        let mut result = CmdletResult {
            client_request_id,
            ..CmdletResult::default()
        };
        let mut url = self.invoke_url(&ctx.tenant)?;
        let paging = match params.paging() {
            Paging::FirstPage if self.config.page_all_without_result_size => Paging::All,
            other => other,
        };
        loop {
            let (status, page) = self.send(ctx, cmdlet, url, &headers, &body).await?;
            let next = absorb_page(&mut result, status, page).map_err(ExoError::InvalidResponse)?;
            let wanted_more = match paging {
                Paging::FirstPage => false,
                Paging::All => true,
                Paging::UpTo(n) => (result.objects.len() as u64) < n,
            };
            match next.next_link {
                Some(link) if wanted_more && result.pages < self.config.max_pages => {
                    url = self.follow_target(&link)?;
                }
                Some(_) if wanted_more => {
                    tracing::warn!(cmdlet, pages = result.pages, "page limit reached; stopping");
                    break;
                }
                _ => break,
            }
        }
        if let Paging::UpTo(n) = paging {
            result
                .objects
                .truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        Ok(result)
    }

    /// Counters for metrics since the client was created (shared by its clones).
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
        }
    }

    fn static_headers(
        &self,
        ctx: &CallContext,
        cmdlet: &str,
        client_request_id: Uuid,
        page_size: u32,
    ) -> Result<HeaderMap, ExoError> {
        let value = |text: &str| {
            HeaderValue::from_str(text).map_err(|_| {
                ExoError::InvalidRequest(format!("value not valid in a header: {text:?}"))
            })
        };
        let mut headers = HeaderMap::new();
        headers.insert("Content-Type", HeaderValue::from_static("application/json"));
        headers.insert("Accept", HeaderValue::from_static("application/json"));
        headers.insert("Accept-Charset", HeaderValue::from_static("UTF-8"));
        headers.insert("X-ResponseFormat", HeaderValue::from_static("json"));
        headers.insert("X-CmdletName", value(cmdlet)?);
        headers.insert("client-request-id", value(&client_request_id.to_string())?);
        headers.insert("connection-id", value(&ctx.connection_id.to_string())?);
        headers.insert("Prefer", value(&format!("odata.maxpagesize={page_size}"))?);
        headers.insert(
            "X-ClientApplication",
            value(&self.config.client_application)?,
        );
        if let Some(anchor) = ctx.anchor.header_value() {
            headers.insert("X-AnchorMailbox", value(&anchor)?);
        }
        if let Some(action) = &ctx.warning_action {
            // The module sends `Ignore` as `SilentlyContinue` (exo-rest.md §2.5).
            let action = if action.eq_ignore_ascii_case("Ignore") {
                "SilentlyContinue"
            } else {
                action
            };
            headers.insert("WarningAction", value(action)?);
        }
        Ok(headers)
    }

    /// Where a nextLink or redirect may take the bearer token: the upstream host or one of
    /// its subdomains (regional backends), same scheme. `:446` backend ports are rewritten
    /// to the upstream's port (exo-rest.md §3.4).
    fn follow_target(&self, link: &str) -> Result<Url, ExoError> {
        let mut url = self
            .upstream
            .join(link)
            .map_err(|_| ExoError::ForeignNextLink(link.to_owned()))?;
        let upstream_host = self
            .upstream
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let same_site = host == upstream_host || host.ends_with(&format!(".{upstream_host}"));
        if url.scheme() != self.upstream.scheme() || !same_site {
            return Err(ExoError::ForeignNextLink(link.to_owned()));
        }
        if url.port() == Some(446) && self.upstream.port() != Some(446) {
            url.set_port(self.upstream.port())
                .map_err(|()| ExoError::ForeignNextLink(link.to_owned()))?;
        }
        Ok(url)
    }

    /// One page: POSTs `body` to `url`, retrying per the policy. Returns the status and the
    /// parsed JSON body of the successful answer.
    async fn send(
        &self,
        ctx: &CallContext,
        cmdlet: &str,
        mut url: Url,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(u16, Value), ExoError> {
        let policy = &self.config.retry;
        let timeout = self.config.timeouts.for_cmdlet(cmdlet);
        let idempotent = is_idempotent(cmdlet);
        let source = ctx.credentials.as_ref();
        let mut retries = 0u32;
        let mut redirects = 0u32;
        let mut claims_tried = false;
        let mut reauth_tried = false;
        let mut override_token: Option<AccessToken> = None;
        loop {
            let token = match override_token.take() {
                Some(token) => token,
                None => self.tokens.token(source).await?,
            };
            let mut auth =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ExoError::InvalidRequest("token has characters not allowed in a header".into())
                })?;
            auth.set_sensitive(true);
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(url.clone())
                .headers(headers.clone())
                .header(AUTHORIZATION, auth)
                .timeout(timeout)
                .body(body.to_vec())
                .send()
                .await;
            self.notify(ClientEvent::Exchange {
                status: sent.as_ref().ok().map(|r| r.status().as_u16()),
            });
            let response = match sent {
                Ok(response) => response,
                Err(e) if e.is_timeout() => {
                    return Err(ExoError::Timeout {
                        cmdlet: cmdlet.to_owned(),
                        after: timeout,
                    })
                }
                Err(e) => {
                    // A refused connection certainly did not run the cmdlet; a broken one
                    // may have, so only reads are retried then.
                    if (e.is_connect() || idempotent) && retries < policy.max_retries {
                        tokio::time::sleep(policy.backoff(retries)).await;
                        retries += 1;
                        self.count_retry(RetryCause::Connection);
                        continue;
                    }
                    return Err(ExoError::Transport(error_chain(&e)));
                }
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let challenge = response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_claims_challenge);
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = match read_body(response, self.config.max_response_bytes).await {
                Ok(bytes) => bytes,
                Err(BodyError::Http(e)) if e.is_timeout() => {
                    return Err(ExoError::Timeout {
                        cmdlet: cmdlet.to_owned(),
                        after: timeout,
                    })
                }
                Err(BodyError::Http(e)) => return Err(ExoError::Transport(error_chain(&e))),
                Err(BodyError::TooLarge(limit)) => {
                    return Err(ExoError::InvalidResponse(format!(
                        "response body larger than {limit} bytes"
                    )))
                }
            };
            let code = status.as_u16();

            if status.is_success() {
                let value = serde_json::from_slice(&bytes).map_err(|e| {
                    ExoError::InvalidResponse(format!("HTTP {code} body is not JSON: {e}"))
                })?;
                return Ok((code, value));
            }
            if status.is_redirection() {
                if let Some(location) = location.filter(|_| redirects < MAX_REDIRECTS) {
                    url = self.follow_target(&location)?;
                    redirects += 1;
                    continue;
                }
            }
            let error = CmdletError::from_response(code, &bytes);
            let can_retry = retries < policy.max_retries;
            match status {
                StatusCode::UNAUTHORIZED => {
                    if let Some(claims) = challenge.filter(|_| !claims_tried) {
                        claims_tried = true;
                        tracing::debug!(cmdlet, "claims challenge; fetching a new token");
                        override_token =
                            Some(self.tokens.token_with_claims(source, &claims).await?);
                        continue;
                    }
                    if !reauth_tried && source.cacheable() {
                        // The token may have been revoked before its expiry: one fresh try.
                        reauth_tried = true;
                        self.tokens.invalidate(source, &token).await;
                        continue;
                    }
                    return Err(ExoError::Cmdlet(error));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    if !can_retry {
                        return Err(ExoError::Throttled {
                            attempts: retries + 1,
                            retry_after,
                            error,
                        });
                    }
                    let delay = policy.delay(retries, retry_after);
                    tracing::info!(cmdlet, ?delay, "throttled (429); waiting");
                    tokio::time::sleep(delay).await;
                    retries += 1;
                    self.count_retry(RetryCause::Throttled);
                }
                // 503: the front end refused the request, so the cmdlet did not run.
                StatusCode::SERVICE_UNAVAILABLE if can_retry => {
                    tokio::time::sleep(policy.delay(retries, retry_after)).await;
                    retries += 1;
                    self.count_retry(RetryCause::Unavailable);
                }
                // 504 and transient exceptions: the cmdlet may have run; reads only.
                _ if can_retry
                    && idempotent
                    && (status == StatusCode::GATEWAY_TIMEOUT || error.is_transient()) =>
                {
                    tokio::time::sleep(policy.delay(retries, retry_after)).await;
                    retries += 1;
                    self.count_retry(RetryCause::Unavailable);
                }
                _ => return Err(ExoError::Cmdlet(error)),
            }
        }
    }
}

enum BodyError {
    Http(reqwest::Error),
    TooLarge(usize),
}

/// Reads the body chunk by chunk, refusing more than `limit` bytes, so a broken or hostile
/// upstream cannot exhaust memory.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(BodyError::TooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Http)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}
