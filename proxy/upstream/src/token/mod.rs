//! OAuth2 token sources. Each source knows how to get one access token for the Exchange
//! resource; caching, early refresh and backoff live in [`crate::cache`].

mod certificate;
mod client_secret;
mod endpoint;
mod managed_identity;
mod passthrough;
mod password;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};

pub use certificate::{AssertionAlgorithm, CertificateCredential, ClientCertificate};
pub use client_secret::ClientSecret;
pub use endpoint::{default_http_client, jwt_claims};
pub use managed_identity::{ManagedIdentity, ManagedIdentityEndpoint};
pub use passthrough::PassThrough;
pub use password::{Password, EXO_PUBLIC_CLIENT_ID};

/// A boxed, sendable future: keeps [`TokenSource`] object-safe so the proxy can hold
/// `Arc<dyn TokenSource>` for sources chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A bearer token and when it stops being valid. `Debug` never shows the token.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Option<Instant>,
}

impl AccessToken {
    /// `expires_in` as reported by the token endpoint; `None` when unknown (pass-through of a
    /// token that is not a JWT), in which case the cache never refreshes it early.
    pub fn new(secret: SecretString, expires_in: Option<Duration>) -> Self {
        AccessToken {
            secret,
            expires_at: expires_in.map(|d| Instant::now() + d),
        }
    }

    pub fn with_expiry(secret: SecretString, expires_at: Option<Instant>) -> Self {
        AccessToken { secret, expires_at }
    }

    /// The raw token, for the `Authorization: Bearer` header only.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// Time left before expiry; `None` when the expiry is unknown.
    pub fn remaining(&self) -> Option<Duration> {
        self.expires_at
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    pub fn is_expired(&self) -> bool {
        self.remaining().is_some_and(|left| left.is_zero())
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// Per-request options. `claims` carries a Continuous Access Evaluation challenge
/// (exo-rest.md §3.6, §5.8) to be passed to the token endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    pub claims: Option<String>,
}

/// What a cached token is for: one entry per identity, tenant and scope (style.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    pub identity: String,
    pub tenant: String,
    pub scope: String,
}

/// Why no token could be obtained. `Clone` so that one failed single-flight fetch can be
/// handed to every caller that waited on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The identity provider answered with an OAuth2 error (`error`, `error_description`).
    #[error("token request rejected ({}): {error}: {description}", status.map_or_else(|| "no status".to_owned(), |s| s.to_string()))]
    Rejected {
        status: Option<u16>,
        error: String,
        description: String,
    },
    /// The endpoint could not be reached or the connection broke.
    #[error("token endpoint unreachable: {0}")]
    Transport(String),
    /// The endpoint answered something that is not a token response.
    #[error("unexpected token endpoint response (status {status}): {detail}")]
    InvalidResponse { status: u16, detail: String },
    /// The certificate or private key could not be loaded or used.
    #[error("client certificate: {0}")]
    Certificate(String),
    /// The source is misconfigured (bad URL, missing environment variable, …).
    #[error("token source configuration: {0}")]
    Config(String),
    /// A claims challenge arrived but this source cannot request a token with claims.
    #[error(
        "the upstream asked for a token with extra claims, which this token source cannot provide"
    )]
    ClaimsUnsupported,
    /// A caller-supplied token has already expired.
    #[error("the supplied access token has expired")]
    Expired,
}

impl TokenError {
    /// Worth retrying with backoff: the endpoint was unreachable or failed on its side.
    /// A definite rejection (bad secret, unknown user) is not.
    pub fn is_transient(&self) -> bool {
        match self {
            TokenError::Transport(_) => true,
            TokenError::InvalidResponse { status, .. } => *status == 429 || *status >= 500,
            TokenError::Rejected { status, error, .. } => {
                status.is_some_and(|s| s == 429 || s >= 500)
                    || error == "temporarily_unavailable"
                    || error == "server_error"
            }
            TokenError::Certificate(_)
            | TokenError::Config(_)
            | TokenError::ClaimsUnsupported
            | TokenError::Expired => false,
        }
    }
}

/// Something that can produce an access token for the Exchange resource.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Requests a new token. Called by the cache, at most once at a time per [`CacheKey`].
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>>;

    /// Which cache entry the token belongs to.
    fn cache_key(&self) -> CacheKey;

    /// `false` for sources whose token is not ours to cache or refresh (pass-through).
    fn cacheable(&self) -> bool {
        true
    }

    /// Whether [`FetchOptions::claims`] is honoured.
    fn supports_claims(&self) -> bool {
        false
    }
}

/// A one-way fingerprint of a secret (the first 16 bytes of its SHA-256, in hex), so that
/// a [`CacheKey`] can tell secrets apart without holding them. Shared by every source whose
/// key depends on a secret (client secret, password).
pub(crate) fn secret_fingerprint(secret: &SecretString) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(secret.expose_secret().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fingerprint_tells_secrets_apart_without_showing_them() {
        let a = secret_fingerprint(&SecretString::from("s3cret-one"));
        let b = secret_fingerprint(&SecretString::from("s3cret-two"));
        assert_ne!(a, b);
        assert_eq!(a, secret_fingerprint(&SecretString::from("s3cret-one")));
        assert_eq!(a.len(), 32, "16 bytes in hex: {a}");
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert!(!a.contains("s3cret"));
        // SHA-256("abc") starts ba7816bf8f01cfea414140de5dae2223.
        assert_eq!(
            secret_fingerprint(&SecretString::from("abc")),
            "ba7816bf8f01cfea414140de5dae2223"
        );
    }
}
