//! Client credentials with a shared secret, through the `oauth2` crate.

use std::fmt;

use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, Scope, TokenUrl};
use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{default_http_client, token_from_oauth2};
use super::{AccessToken, BoxFuture, CacheKey, FetchOptions, TokenError, TokenSource};

/// `grant_type=client_credentials` with `client_secret` in the form body.
#[derive(Clone)]
pub struct ClientSecret {
    client_id: String,
    secret: SecretString,
    tenant: String,
    token_url: String,
    scope: String,
    http: reqwest::Client,
}

impl ClientSecret {
    /// `token_url` is `{authority}/{tenant}/oauth2/v2.0/token` (see
    /// [`crate::Endpoints::token_url`]); `scope` is `{resource}/.default`.
    pub fn new(
        client_id: impl Into<String>,
        secret: SecretString,
        tenant: impl Into<String>,
        token_url: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        ClientSecret {
            client_id: client_id.into(),
            secret,
            tenant: tenant.into(),
            token_url: token_url.into(),
            scope: scope.into(),
            http: default_http_client(),
        }
    }

    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    async fn request(&self, options: &FetchOptions) -> Result<AccessToken, TokenError> {
        let token_url = TokenUrl::new(self.token_url.clone())
            .map_err(|e| TokenError::Config(format!("token URL `{}`: {e}", self.token_url)))?;
        // Entra ID accepts both, but sending the secret in the body (not HTTP Basic) avoids
        // the URL-encoding pitfalls of secrets in Basic credentials.
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_client_secret(oauth2::ClientSecret::new(
                self.secret.expose_secret().to_owned(),
            ))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
        let mut request = client
            .exchange_client_credentials()
            .add_scope(Scope::new(self.scope.clone()));
        if let Some(claims) = &options.claims {
            request = request.add_extra_param("claims", claims.clone());
        }
        token_from_oauth2(request.request_async(&self.http).await)
    }
}

impl TokenSource for ClientSecret {
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
        Box::pin(self.request(options))
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            // A fingerprint of the secret keeps a rotated or mistyped secret from being
            // served the token the other secret obtained.
            identity: format!(
                "app:{}:{}",
                self.client_id,
                super::secret_fingerprint(&self.secret)
            ),
            tenant: self.tenant.clone(),
            scope: self.scope.clone(),
        }
    }

    fn supports_claims(&self) -> bool {
        true
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecret")
            .field("client_id", &self.client_id)
            .field("secret", &"[REDACTED]")
            .field("tenant", &self.tenant)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .finish()
    }
}
