//! [`Backend`] over `exomig-upstream`: token sources per identity mode, the shared token
//! cache, and the InvokeCommand client.

use std::sync::Arc;

use exomig_upstream::token::{
    CertificateCredential, ClientCertificate, ClientSecret, PassThrough, Password,
};
use exomig_upstream::{
    Anchor, CallContext, ClientEvent, CmdletError, Endpoints, ExoClient, ExoClientConfig, ExoError,
    ParamValue, Parameters, RefreshPolicy, RetryCause, RetryPolicy, TokenCache, TokenError,
    TokenSource,
};
use secrecy::SecretString;
use serde_json::{Map, Value as Json};

use crate::backend::{
    Backend, BoxFuture, CredentialError, InvokeError, InvokeOutput, UpstreamCall,
    UpstreamCredential,
};
use crate::config::ProxyConfig;
use crate::metrics::{Metrics, RetryReason};
use crate::tenant_limit::TenantLimiter;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("cannot load the app certificate: {0}")]
    Certificate(String),
    #[error("invalid upstream URL: {0}")]
    Upstream(String),
}

pub struct UpstreamBackend {
    endpoints: Endpoints,
    client: ExoClient,
    cache: Arc<TokenCache>,
    /// The proxy's own identity (app mode).
    app: Option<Arc<dyn TokenSource>>,
    home_tenant: Option<String>,
    password_client_id: String,
    http: reqwest::Client,
    /// Shared by every password-grant source: one is built per cmdlet call, and building a
    /// reqwest client each time (TLS roots and all) was the largest single cost per call.
    token_http: reqwest::Client,
    limiter: TenantLimiter,
}

/// The tenant segment for the password grant when none is configured: the identity
/// provider resolves the user's home tenant from the user name.
const ANY_ORGANIZATION: &str = "organizations";

impl UpstreamBackend {
    pub fn new(config: &ProxyConfig) -> Result<Self, BackendError> {
        Self::with_metrics(config, None)
    }

    /// As [`Self::new`], reporting token refreshes and upstream calls to `metrics`.
    pub fn with_metrics(
        config: &ProxyConfig,
        metrics: Option<Arc<Metrics>>,
    ) -> Result<Self, BackendError> {
        let mut endpoints = Endpoints::for_environment(config.environment);
        if let Some(a) = &config.authority {
            endpoints = endpoints.with_authority(a.clone());
        }
        if let Some(u) = &config.upstream {
            endpoints = endpoints.with_upstream(u.clone());
        }
        if let Some(r) = &config.resource {
            endpoints = endpoints.with_resource(r.clone());
        }
        let mut cache = TokenCache::new(RefreshPolicy::default());
        if let Some(m) = &metrics {
            let m = m.clone();
            cache = cache.with_observer(Arc::new(move |_key, outcome| {
                m.token_refresh(outcome.is_ok());
            }));
        }
        let cache = Arc::new(cache);
        let retry = RetryPolicy {
            max_retries: config.upstream_retries,
            max_delay: config.upstream_max_delay,
            ..RetryPolicy::default()
        };
        let mut client = ExoClient::new(&config.upstream_base(), cache.clone())
            .map_err(|e| BackendError::Upstream(e.to_string()))?
            .with_config(ExoClientConfig {
                retry,
                ..ExoClientConfig::default()
            });
        if let Some(m) = &metrics {
            // Every exchange is counted with its own status, retried 429/503 attempts
            // included: the final status alone would hide the throttling an operator
            // needs to see.
            let m = m.clone();
            client = client.with_observer(Arc::new(move |event| match event {
                ClientEvent::Exchange { status } => m.upstream_response(status),
                ClientEvent::Retry(cause) => m.upstream_retry(match cause {
                    RetryCause::Throttled => RetryReason::Throttled,
                    RetryCause::Unavailable => RetryReason::Unavailable,
                    RetryCause::Connection => RetryReason::Connection,
                }),
            }));
        }
        let app: Option<Arc<dyn TokenSource>> = match (&config.tenant, &config.client_id) {
            (Some(tenant), Some(client_id)) => {
                if let Some(secret) = &config.client_secret {
                    Some(Arc::new(ClientSecret::new(
                        client_id.clone(),
                        secret.clone(),
                        tenant.clone(),
                        endpoints.token_url(tenant),
                        endpoints.scope(),
                    )))
                } else if let Some(path) = &config.certificate {
                    let cred = CertificateCredential::from_file(
                        path,
                        config.certificate_password.as_ref(),
                    )
                    .map_err(|e| BackendError::Certificate(e.to_string()))?;
                    Some(Arc::new(ClientCertificate::new(
                        client_id.clone(),
                        Arc::new(cred),
                        tenant.clone(),
                        endpoints.token_url(tenant),
                        endpoints.scope(),
                    )))
                } else {
                    None
                }
            }
            _ => None,
        };
        Ok(Self {
            endpoints,
            client,
            cache,
            app,
            home_tenant: config.tenant.clone(),
            password_client_id: config.password_client_id(),
            http: reqwest::Client::new(),
            token_http: exomig_upstream::token::default_http_client(),
            limiter: TenantLimiter::new(config.upstream_concurrency),
        })
    }

    fn password_source(&self, user: &str, password: &SecretString) -> Password {
        let tenant = self.home_tenant.as_deref().unwrap_or(ANY_ORGANIZATION);
        Password::with_http(
            self.token_http.clone(),
            user.to_owned(),
            password.clone(),
            tenant.to_owned(),
            self.endpoints.token_url(tenant),
            self.endpoints.scope(),
        )
        .with_client_id(self.password_client_id.clone())
    }

    /// The token source, the tenant segment and the routing hint of a call.
    fn resolve(
        &self,
        call: &UpstreamCall,
    ) -> Result<(Arc<dyn TokenSource>, String, Anchor), InvokeError> {
        match &call.credential {
            UpstreamCredential::App => {
                let source = self.app.clone().ok_or_else(|| {
                    InvokeError::Auth("the proxy has no app identity configured".into())
                })?;
                let tenant = call
                    .tenant
                    .clone()
                    .or_else(|| self.home_tenant.clone())
                    .ok_or_else(|| InvokeError::Auth("no tenant configured".into()))?;
                let anchor = Anchor::App {
                    tenant: tenant.clone(),
                };
                Ok((source, tenant, anchor))
            }
            UpstreamCredential::Password { user, password } => {
                let tenant = call
                    .tenant
                    .clone()
                    .or_else(|| self.home_tenant.clone())
                    .or_else(|| user.split_once('@').map(|(_, d)| d.to_owned()))
                    .ok_or_else(|| {
                        InvokeError::Auth("cannot tell the tenant of this user".into())
                    })?;
                let source: Arc<dyn TokenSource> = Arc::new(self.password_source(user, password));
                Ok((source, tenant, Anchor::Upn(user.clone())))
            }
            UpstreamCredential::Token(token) => {
                let source = PassThrough::new(token);
                let tenant = call
                    .tenant
                    .clone()
                    .or_else(|| source.tenant_id().map(str::to_owned))
                    .or_else(|| self.home_tenant.clone())
                    .ok_or_else(|| {
                        InvokeError::Auth("the token names no tenant; add ?DelegatedOrg=".into())
                    })?;
                Ok((Arc::new(source), tenant, Anchor::None))
            }
        }
    }
}

impl Backend for UpstreamBackend {
    fn verify_password<'a>(
        &'a self,
        user: &'a str,
        password: &'a SecretString,
        _tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            let source = self.password_source(user, password);
            match self.cache.token(&source).await {
                Ok(_) => Ok(()),
                Err(TokenError::Rejected { .. }) => Err(CredentialError::Refused),
                Err(e) if e.is_transient() => Err(CredentialError::Unavailable(e.to_string())),
                Err(_) => Err(CredentialError::Refused),
            }
        })
    }

    fn invoke<'a>(
        &'a self,
        call: &'a UpstreamCall,
    ) -> BoxFuture<'a, Result<InvokeOutput, InvokeError>> {
        Box::pin(async move {
            let (source, tenant, anchor) = self.resolve(call)?;
            // Held for the whole call, retries included; released if the pipeline is
            // stopped and this future dropped.
            let _slot = self.limiter.acquire(&tenant).await;
            let ctx = CallContext::new(tenant, source).with_anchor(anchor);
            let mut params = Parameters::new();
            for (name, value) in &call.parameters {
                params.set(name.clone(), param_value(value));
            }
            let result = self.client.invoke(&ctx, &call.cmdlet, &params).await;
            match result {
                Ok(result) => Ok(InvokeOutput {
                    objects: result
                        .objects
                        .into_iter()
                        .filter_map(|o| match o {
                            Json::Object(m) => Some(m),
                            _ => None,
                        })
                        .collect(),
                    warnings: result.warnings,
                    errors: result.errors.iter().map(cmdlet_error).collect(),
                }),
                // A refused token is an authorisation failure of the whole call, not a cmdlet
                // error: it fails the pipeline (psrp.md §11).
                Err(ExoError::Cmdlet(e)) if e.status == 401 => Err(InvokeError::Auth(e.message)),
                Err(ExoError::Cmdlet(e)) | Err(ExoError::Throttled { error: e, .. }) => {
                    Err(cmdlet_error(&e))
                }
                Err(ExoError::Token(e)) => Err(InvokeError::Auth(e.to_string())),
                Err(e) => Err(InvokeError::Transport(e.to_string())),
            }
        })
    }

    fn ready(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            match &self.app {
                Some(source) => self.cache.ready(source.as_ref()).await,
                None => {
                    // Pass-through modes: the authority answering at all is enough.
                    let tenant = self.home_tenant.as_deref().unwrap_or(ANY_ORGANIZATION);
                    let url = self.endpoints.token_url(tenant);
                    tokio::time::timeout(
                        std::time::Duration::from_secs(5),
                        self.http.get(url).send(),
                    )
                    .await
                    .is_ok_and(|r| r.is_ok())
                }
            }
        })
    }
}

fn cmdlet_error(e: &CmdletError) -> InvokeError {
    InvokeError::Exchange {
        status: e.status,
        error_id: e.error_id.clone(),
        class: e.exception_class.clone(),
        message: e.message.clone(),
        target: e.target.clone(),
    }
}

/// JSON from the binder → the upstream crate's typed parameter (which re-encodes it).
fn param_value(v: &Json) -> ParamValue {
    match v {
        Json::Null => ParamValue::Null,
        Json::Bool(b) => ParamValue::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| ParamValue::String(n.to_string()), ParamValue::Int),
        Json::String(s) => ParamValue::String(s.clone()),
        Json::Array(items) => ParamValue::Array(items.iter().map(param_value).collect()),
        Json::Object(map) => {
            if let Some(Json::Array(data)) = map.get("Data") {
                let bytes: Option<Vec<u8>> = data
                    .iter()
                    .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                    .collect();
                if let Some(bytes) = bytes {
                    return ParamValue::Bytes(bytes);
                }
            }
            ParamValue::Hashtable(hashtable(map))
        }
    }
}

fn hashtable(map: &Map<String, Json>) -> Vec<(String, ParamValue)> {
    map.iter()
        .filter(|(k, _)| !k.contains('@'))
        .map(|(k, v)| (k.clone(), param_value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_parameters_map_to_typed_values() {
        assert_eq!(param_value(&serde_json::json!(5)), ParamValue::Int(5));
        assert_eq!(
            param_value(&serde_json::json!("x")),
            ParamValue::String("x".into())
        );
        assert_eq!(
            param_value(&serde_json::json!({"@odata.type":"#Exchange.GenericHashTable","Add":"a"})),
            ParamValue::Hashtable(vec![("Add".into(), ParamValue::String("a".into()))])
        );
        assert_eq!(
            param_value(&serde_json::json!({"@odata.type":"#Exchange.ByteArrayType","Data":[1,2]})),
            ParamValue::Bytes(vec![1, 2])
        );
        assert_eq!(
            param_value(&serde_json::json!([true, null])),
            ParamValue::Array(vec![ParamValue::Bool(true), ParamValue::Null])
        );
    }
}
