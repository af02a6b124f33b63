//! Resource-owner password grant (ROPC), as `Connect-ExchangeOnline -Credential` does it,
//! through the `oauth2` crate.

use std::fmt;

use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ResourceOwnerPassword, ResourceOwnerUsername, Scope, TokenUrl};
use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{default_http_client, token_from_oauth2};
use super::{AccessToken, BoxFuture, CacheKey, FetchOptions, TokenError, TokenSource};

/// The ExchangeOnlineManagement module's public client id (exo-rest.md §5.1); the default
/// client for the password grant (interfaces.md §2).
pub const EXO_PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";

/// `grant_type=password` for one user, as a public client (no client secret) unless
/// [`Password::with_client_secret`] is used.
#[derive(Clone)]
pub struct Password {
    client_id: String,
    client_secret: Option<SecretString>,
    username: String,
    password: SecretString,
    tenant: String,
    token_url: String,
    scope: String,
    http: reqwest::Client,
}

impl Password {
    pub fn new(
        username: impl Into<String>,
        password: SecretString,
        tenant: impl Into<String>,
        token_url: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        Self::with_http(
            default_http_client(),
            username,
            password,
            tenant,
            token_url,
            scope,
        )
    }

    /// As [`Password::new`], on an existing HTTP client. Building a reqwest client sets up
    /// TLS roots and takes far longer than a cached token lookup, so callers that create a
    /// source per request (the proxy does, per cmdlet) pass a shared one.
    pub fn with_http(
        http: reqwest::Client,
        username: impl Into<String>,
        password: SecretString,
        tenant: impl Into<String>,
        token_url: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        Password {
            client_id: EXO_PUBLIC_CLIENT_ID.to_owned(),
            client_secret: None,
            username: username.into(),
            password,
            tenant: tenant.into(),
            token_url: token_url.into(),
            scope: scope.into(),
            http,
        }
    }

    /// Overrides the public client id (the proxy's `--client-id`).
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// For a confidential client, which must also authenticate itself.
    pub fn with_client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }

    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    async fn request(&self, options: &FetchOptions) -> Result<AccessToken, TokenError> {
        let token_url = TokenUrl::new(self.token_url.clone())
            .map_err(|e| TokenError::Config(format!("token URL `{}`: {e}", self.token_url)))?;
        let mut client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
        if let Some(secret) = &self.client_secret {
            client = client
                .set_client_secret(oauth2::ClientSecret::new(secret.expose_secret().to_owned()));
        }
        let username = ResourceOwnerUsername::new(self.username.clone());
        let password = ResourceOwnerPassword::new(self.password.expose_secret().to_owned());
        let mut request = client
            .exchange_password(&username, &password)
            .add_scope(Scope::new(self.scope.clone()));
        if let Some(claims) = &options.claims {
            request = request.add_extra_param("claims", claims.clone());
        }
        token_from_oauth2(request.request_async(&self.http).await)
    }
}

impl TokenSource for Password {
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
        Box::pin(self.request(options))
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            // The password is part of the key: otherwise a caller with the right user name
            // but a wrong password would be served the token cached for the right one.
            identity: format!(
                "user:{}:{}:{}",
                self.client_id,
                self.username.to_lowercase(),
                super::secret_fingerprint(&self.password)
            ),
            tenant: self.tenant.clone(),
            scope: self.scope.clone(),
        }
    }

    fn supports_claims(&self) -> bool {
        true
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Password")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("tenant", &self.tenant)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .finish()
    }
}
