//! Azure managed identity: the VM instance metadata service (IMDS) and the App Service /
//! Functions / Automation identity endpoint (exo-rest.md §5.7).
//!
//! Hand-built GETs: these endpoints are not OAuth2 token endpoints (GET with a `resource`
//! query and a custom header), so the `oauth2` crate does not fit.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{default_http_client, read_token_response};
use super::{AccessToken, BoxFuture, CacheKey, FetchOptions, TokenError, TokenSource};

/// The IMDS token URL on Azure VMs.
pub const IMDS_TOKEN_URL: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// Which managed-identity endpoint shape to call.
#[derive(Clone)]
pub enum ManagedIdentityEndpoint {
    /// `GET {url}?api-version=2018-02-01&resource=…` with `Metadata: true`.
    Imds { url: String },
    /// `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=…` with
    /// `X-IDENTITY-HEADER: {IDENTITY_HEADER}`.
    AppService { url: String, header: SecretString },
}

impl ManagedIdentityEndpoint {
    /// App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set, IMDS otherwise.
    pub fn from_env() -> Self {
        Self::from_vars(
            std::env::var("IDENTITY_ENDPOINT").ok(),
            std::env::var("IDENTITY_HEADER").ok(),
        )
    }

    /// [`Self::from_env`] with the variables passed in, for tests and config loaders.
    pub fn from_vars(identity_endpoint: Option<String>, identity_header: Option<String>) -> Self {
        match (identity_endpoint, identity_header) {
            (Some(url), Some(header)) if !url.is_empty() => ManagedIdentityEndpoint::AppService {
                url,
                header: SecretString::from(header),
            },
            _ => ManagedIdentityEndpoint::Imds {
                url: IMDS_TOKEN_URL.to_owned(),
            },
        }
    }
}

impl fmt::Debug for ManagedIdentityEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedIdentityEndpoint::Imds { url } => {
                f.debug_struct("Imds").field("url", url).finish()
            }
            ManagedIdentityEndpoint::AppService { url, .. } => f
                .debug_struct("AppService")
                .field("url", url)
                .field("header", &"[REDACTED]")
                .finish(),
        }
    }
}

/// A system-assigned identity, or a user-assigned one when `client_id` is given
/// (`-ManagedIdentityAccountId`).
#[derive(Clone, Debug)]
pub struct ManagedIdentity {
    endpoint: ManagedIdentityEndpoint,
    resource: String,
    client_id: Option<String>,
    tenant: String,
    http: reqwest::Client,
}

impl ManagedIdentity {
    /// `resource` is the Exchange resource (e.g. `https://outlook.office365.com`), not a
    /// scope; `tenant` only labels the cache entry (the identity's tenant is implicit).
    pub fn new(
        endpoint: ManagedIdentityEndpoint,
        resource: impl Into<String>,
        tenant: impl Into<String>,
    ) -> Self {
        ManagedIdentity {
            endpoint,
            resource: resource.into(),
            client_id: None,
            tenant: tenant.into(),
            http: default_http_client(),
        }
    }

    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    async fn request(&self) -> Result<AccessToken, TokenError> {
        let (url, api_version) = match &self.endpoint {
            ManagedIdentityEndpoint::Imds { url } => (url, "2018-02-01"),
            ManagedIdentityEndpoint::AppService { url, .. } => (url, "2019-08-01"),
        };
        let mut query: Vec<(&str, &str)> =
            vec![("api-version", api_version), ("resource", &self.resource)];
        if let Some(id) = &self.client_id {
            query.push(("client_id", id));
        }
        let mut request = self.http.get(url.as_str()).query(&query);
        request = match &self.endpoint {
            ManagedIdentityEndpoint::Imds { .. } => request.header("Metadata", "true"),
            ManagedIdentityEndpoint::AppService { header, .. } => {
                request.header("X-IDENTITY-HEADER", header.expose_secret())
            }
        };
        let response = request
            .send()
            .await
            .map_err(|e| TokenError::Transport(e.to_string()))?;
        read_token_response(response).await
    }
}

impl TokenSource for ManagedIdentity {
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            if options.claims.is_some() {
                return Err(TokenError::ClaimsUnsupported);
            }
            self.request().await
        })
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            identity: format!(
                "msi:{}",
                self.client_id.as_deref().unwrap_or("system-assigned")
            ),
            tenant: self.tenant.clone(),
            scope: crate::cloud::scope_for(&self.resource),
        }
    }
}
