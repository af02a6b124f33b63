//! Pass-through of a token the caller already holds (`-AccessToken`, or the Basic password
//! of a `BasicAuthToOAuthConversion=true` connection).

use std::fmt;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use super::endpoint::jwt_claims;
use super::{unix_now, AccessToken, BoxFuture, CacheKey, FetchOptions, TokenError, TokenSource};

/// Returns the caller's token unchanged (minus a `Bearer ` prefix). Never cached or
/// refreshed: the token is not ours to renew.
#[derive(Clone)]
pub struct PassThrough {
    token: SecretString,
    expires_at: Option<Instant>,
    tenant: Option<String>,
}

impl PassThrough {
    /// Accepts `Bearer <token>` (any case) or the bare token, with surrounding whitespace.
    pub fn new(token: &SecretString) -> Self {
        let raw = token.expose_secret().trim();
        let bare = match raw.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => raw[7..].trim_start(),
            _ => raw,
        };
        let claims = jwt_claims(bare);
        let expires_at = claims
            .as_ref()
            .and_then(|c| c.get("exp"))
            .and_then(serde_json::Value::as_u64)
            .map(|exp| Instant::now() + Duration::from_secs(exp.saturating_sub(unix_now())));
        let tenant = claims
            .as_ref()
            .and_then(|c| c.get("tid"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        PassThrough {
            token: SecretString::from(bare.to_owned()),
            expires_at,
            tenant,
        }
    }

    /// The `tid` claim when the token is a JWT: the module uses it as the tenant segment
    /// (exo-rest.md §2.3).
    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant.as_deref()
    }
}

impl TokenSource for PassThrough {
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            if options.claims.is_some() {
                return Err(TokenError::ClaimsUnsupported);
            }
            let token = AccessToken::with_expiry(self.token.clone(), self.expires_at);
            if token.is_expired() {
                return Err(TokenError::Expired);
            }
            Ok(token)
        })
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            identity: "passthrough".to_owned(),
            tenant: self.tenant.clone().unwrap_or_default(),
            scope: String::new(),
        }
    }

    fn cacheable(&self) -> bool {
        false
    }
}

impl fmt::Debug for PassThrough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassThrough")
            .field("token", &"[REDACTED]")
            .field("tenant", &self.tenant)
            .finish()
    }
}
