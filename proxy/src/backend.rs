//! What the proxy needs from the Exchange Online side, as a trait: the real implementation
//! wraps `exomig-upstream` ([`crate::upstream_backend`]); tests can plug in a fake.

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;
use serde_json::{Map, Value};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The credential an upstream call is made with.
#[derive(Debug, Clone)]
pub enum UpstreamCredential {
    /// The proxy's own app identity (client credentials).
    App,
    /// Password grant for this user.
    Password {
        user: String,
        password: SecretString,
    },
    /// A caller-supplied bearer token, forwarded unchanged.
    Token(SecretString),
}

/// One cmdlet call.
#[derive(Debug, Clone)]
pub struct UpstreamCall {
    pub credential: UpstreamCredential,
    /// Tenant segment: `DelegatedOrg` when given, else the configured tenant.
    pub tenant: Option<String>,
    pub cmdlet: String,
    pub parameters: Map<String, Value>,
}

/// A successful call: output objects (annotations already dropped) and warnings.
#[derive(Debug, Clone, Default)]
pub struct InvokeOutput {
    pub objects: Vec<Map<String, Value>>,
    pub warnings: Vec<String>,
    /// Non-terminating errors reported in a 200 (`@adminapi.errors`).
    pub errors: Vec<InvokeError>,
}

/// A failed call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InvokeError {
    /// Exchange answered with an error object (`ErrorId|Class|Text`).
    #[error("{message}")]
    Exchange {
        status: u16,
        error_id: String,
        class: String,
        message: String,
        target: Option<String>,
    },
    /// No token could be obtained or the token was refused.
    #[error("authentication with Exchange Online failed: {0}")]
    Auth(String),
    /// Network failure, timeout, unparseable answer.
    #[error("Exchange Online could not be reached: {0}")]
    Transport(String),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CredentialError {
    #[error("the identity provider refused the credentials")]
    Refused,
    #[error("the identity provider could not be reached: {0}")]
    Unavailable(String),
}

pub trait Backend: Send + Sync + 'static {
    /// Checks a user's password with the password grant (password pass-through mode).
    fn verify_password<'a>(
        &'a self,
        user: &'a str,
        password: &'a SecretString,
        tenant: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), CredentialError>>;

    fn invoke<'a>(
        &'a self,
        call: &'a UpstreamCall,
    ) -> BoxFuture<'a, Result<InvokeOutput, InvokeError>>;

    /// Whether a token can be obtained (app mode) or the authority answers.
    fn ready(&self) -> BoxFuture<'_, bool>;
}
