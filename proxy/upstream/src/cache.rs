//! Token cache: one entry per identity, tenant and scope; refreshed ahead of expiry; one
//! fetch in flight per entry (other callers wait for it); jittered backoff on failure.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backoff::Backoff;
use crate::token::{AccessToken, CacheKey, FetchOptions, TokenError, TokenSource};

/// When to refresh and how hard to try.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshPolicy {
    /// Refresh a token that has less than this left (Azure SDKs use 120 s).
    pub refresh_before: Duration,
    /// Fetch attempts per refresh, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay between attempts.
    pub backoff: Backoff,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            refresh_before: Duration::from_secs(120),
            max_attempts: 4,
            backoff: Backoff::default(),
        }
    }
}

/// Counters for metrics: token fetch attempts that succeeded and that failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub refreshes_ok: u64,
    pub refreshes_failed: u64,
}

/// Called after every fetch attempt with its outcome, e.g. to bump a Prometheus counter.
pub type RefreshObserver = Arc<dyn Fn(&CacheKey, Result<(), &TokenError>) + Send + Sync>;

#[derive(Default)]
struct SlotState {
    token: Option<AccessToken>,
    /// The latest failed refresh: callers that queued behind it get its error instead of
    /// starting a fetch storm against an endpoint that just failed.
    last_failure: Option<(Instant, TokenError)>,
}

#[derive(Default)]
struct Slot {
    state: tokio::sync::Mutex<SlotState>,
}

/// Entries are pruned when the map reaches this size. Password pass-through creates one
/// entry per user and password tried, so without pruning a client guessing passwords
/// would grow the map without bound.
const PRUNE_THRESHOLD: usize = 1024;

/// Drops entries nobody is using that hold no valid token.
fn prune(slots: &mut HashMap<CacheKey, Arc<Slot>>) {
    slots.retain(|_, slot| {
        if Arc::strong_count(slot) > 1 {
            return true;
        }
        match slot.state.try_lock() {
            Ok(state) => state.token.as_ref().is_some_and(|t| !t.is_expired()),
            Err(_) => true,
        }
    });
}

/// Shared token cache; cheap to share behind an `Arc`.
pub struct TokenCache {
    slots: Mutex<HashMap<CacheKey, Arc<Slot>>>,
    policy: RefreshPolicy,
    ok: AtomicU64,
    failed: AtomicU64,
    observer: Option<RefreshObserver>,
}

impl TokenCache {
    pub fn new(policy: RefreshPolicy) -> Self {
        TokenCache {
            slots: Mutex::new(HashMap::new()),
            policy,
            ok: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            observer: None,
        }
    }

    pub fn with_observer(mut self, observer: RefreshObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn policy(&self) -> &RefreshPolicy {
        &self.policy
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            refreshes_ok: self.ok.load(Ordering::Relaxed),
            refreshes_failed: self.failed.load(Ordering::Relaxed),
        }
    }

    fn slot(&self, key: CacheKey) -> Arc<Slot> {
        // A poisoned map only means another thread panicked mid-insert; the map itself is
        // still consistent, so keep using it.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() >= PRUNE_THRESHOLD && !slots.contains_key(&key) {
            prune(&mut slots);
        }
        Arc::clone(slots.entry(key).or_default())
    }

    /// Number of cache entries (identities × tenants × scopes seen and still held).
    pub fn len(&self) -> usize {
        self.slots.lock().map_or(0, |s| s.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn is_fresh(&self, token: &AccessToken) -> bool {
        token
            .remaining()
            .is_none_or(|left| left > self.policy.refresh_before)
    }

    /// A valid token for `source`: the cached one while it has more than
    /// [`RefreshPolicy::refresh_before`] left, else a new one. Concurrent callers for the
    /// same key share one fetch. If a refresh fails while the old token is still valid, the
    /// old token is returned. Non-cacheable sources (pass-through) are asked directly.
    pub async fn token(&self, source: &dyn TokenSource) -> Result<AccessToken, TokenError> {
        if !source.cacheable() {
            return source.fetch(&FetchOptions::default()).await;
        }
        let key = source.cache_key();
        let slot = self.slot(key.clone());
        let arrived = Instant::now();
        let mut state = slot.state.lock().await;
        if let Some(token) = state.token.as_ref().filter(|t| self.is_fresh(t)) {
            return Ok(token.clone());
        }
        if let Some((failed_at, err)) = &state.last_failure {
            if *failed_at >= arrived {
                return match state.token.as_ref().filter(|t| !t.is_expired()) {
                    Some(still_valid) => Ok(still_valid.clone()),
                    None => Err(err.clone()),
                };
            }
        }
        self.refresh_locked(source, &key, &mut state, &FetchOptions::default())
            .await
    }

    /// A new token requested with a claims challenge (after a 401 carrying `claims=`);
    /// replaces the cached one. Fails with [`TokenError::ClaimsUnsupported`] when the
    /// source cannot honour claims.
    pub async fn token_with_claims(
        &self,
        source: &dyn TokenSource,
        claims: &str,
    ) -> Result<AccessToken, TokenError> {
        if !source.supports_claims() {
            return Err(TokenError::ClaimsUnsupported);
        }
        let options = FetchOptions {
            claims: Some(claims.to_owned()),
        };
        if !source.cacheable() {
            return source.fetch(&options).await;
        }
        let key = source.cache_key();
        let slot = self.slot(key.clone());
        let mut state = slot.state.lock().await;
        // The old token was revoked: never fall back to it.
        state.token = None;
        self.refresh_locked(source, &key, &mut state, &options)
            .await
    }

    /// Drops the cached token for `source` (the upstream refused it), unless it was already
    /// replaced by a token other than `rejected`.
    pub async fn invalidate(&self, source: &dyn TokenSource, rejected: &AccessToken) {
        if !source.cacheable() {
            return;
        }
        let slot = self.slot(source.cache_key());
        let mut state = slot.state.lock().await;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.expose() == rejected.expose())
        {
            state.token = None;
        }
    }

    /// For `/readyz`: whether a token can be obtained right now. During an outage this
    /// waits for the refresh and its backoff; see [`TokenCache::ready_within`].
    pub async fn ready(&self, source: &dyn TokenSource) -> bool {
        self.token(source).await.is_ok()
    }

    /// [`TokenCache::ready`] that answers `false` once `limit` has passed, so a probe never
    /// hangs on a slow identity provider (the abandoned fetch is cancelled; the next caller
    /// starts a new one).
    pub async fn ready_within(&self, source: &dyn TokenSource, limit: std::time::Duration) -> bool {
        tokio::time::timeout(limit, self.ready(source))
            .await
            .unwrap_or(false)
    }

    async fn refresh_locked(
        &self,
        source: &dyn TokenSource,
        key: &CacheKey,
        state: &mut SlotState,
        options: &FetchOptions,
    ) -> Result<AccessToken, TokenError> {
        let attempts = self.policy.max_attempts.max(1);
        let mut attempt = 0;
        let outcome = loop {
            let result = source.fetch(options).await;
            self.record(key, result.as_ref().map(|_| ()));
            match result {
                Ok(token) => break Ok(token),
                Err(err) if err.is_transient() && attempt + 1 < attempts => {
                    let delay = self.policy.backoff.delay(attempt);
                    tracing::warn!(identity = %key.identity, tenant = %key.tenant, error = %err, ?delay, "token fetch failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(err) => break Err(err),
            }
        };
        match outcome {
            Ok(token) => {
                state.token = Some(token.clone());
                state.last_failure = None;
                Ok(token)
            }
            Err(err) => {
                state.last_failure = Some((Instant::now(), err.clone()));
                match state.token.as_ref().filter(|t| !t.is_expired()) {
                    Some(still_valid) => {
                        tracing::warn!(identity = %key.identity, error = %err, "token refresh failed; using the current token until it expires");
                        Ok(still_valid.clone())
                    }
                    None => Err(err),
                }
            }
        }
    }

    fn record(&self, key: &CacheKey, outcome: Result<(), &TokenError>) {
        match outcome {
            Ok(()) => self.ok.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failed.fetch_add(1, Ordering::Relaxed),
        };
        if let Some(observer) = &self.observer {
            observer(key, outcome);
        }
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(RefreshPolicy::default())
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self.slots.lock().map_or(0, |s| s.len());
        f.debug_struct("TokenCache")
            .field("entries", &entries)
            .field("policy", &self.policy)
            .field("stats", &self.stats())
            .finish()
    }
}
