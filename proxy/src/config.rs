//! The proxy's configuration: one struct, validated once at startup.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// Exchange Online clouds: the one table lives in `exomig-upstream` (exo-rest.md §2.2).
pub use exomig_upstream::Environment;

/// The Exchange Online module's public client, used for the password grant by default.
pub const EXO_PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";

/// How the Basic credentials of legacy clients are turned into upstream tokens
/// (interfaces.md §2). Token pass-through is per connection and works in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityMode {
    /// Local users (`--users`) authenticate; upstream calls use the proxy's app identity.
    App,
    /// The Basic user name and password go to the password grant.
    PasswordPassthrough,
}

#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    pub environment: Environment,
    /// REST host base URL without a path; default per environment.
    pub upstream: Option<String>,
    /// Identity provider base URL without tenant; default per environment.
    pub authority: Option<String>,
    /// Home tenant (domain or GUID) for the app identity and the password grant.
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    /// PEM file with the app's certificate and key (client assertion).
    pub certificate: Option<PathBuf>,
    pub users_file: Option<PathBuf>,
    /// Token resource override; default is the environment's Exchange host.
    pub resource: Option<String>,
    pub max_shells_per_user: usize,
    /// Shells across all users: bounds memory even when every caller presents a different
    /// pass-through token (each token is its own owner).
    pub max_shells_total: usize,
    pub max_body: usize,
    /// Shells idle this long are dropped; advertised to clients as `IdleTimeOut`.
    pub idle_timeout: Duration,
    /// Upper bound of a Receive long poll, whatever the client's OperationTimeout says.
    pub max_receive_wait: Duration,
    /// Bound on handling one HTTP request; a request over it gets 503.
    pub request_timeout: Duration,
    /// Concurrent upstream calls per tenant.
    pub upstream_concurrency: usize,
    /// Retries of a throttled or failed upstream call (the module: 5).
    pub upstream_retries: u32,
    /// Longest wait before an upstream retry, `Retry-After` included.
    pub upstream_max_delay: Duration,
    /// How long running requests and pipelines may finish after shutdown starts.
    pub shutdown_grace: Duration,
    /// Password of a PFX `certificate`.
    pub certificate_password: Option<SecretString>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("--max-shells-per-user must be at least 1 and at most the total shell limit")]
    NoShells,
    #[error("--max-body must be at least 512000 bytes (the envelope size WS-Man clients use)")]
    BodyTooSmall,
    #[error("app mode needs --tenant and --client-id")]
    AppNeedsTenantAndClient,
    #[error("--client-secret-file and --certificate are mutually exclusive")]
    TwoAppCredentials,
    #[error("{0} must be an http(s) URL without a query: {1:?}")]
    BadUrl(&'static str, String),
}

impl ProxyConfig {
    /// Defaults of interfaces.md §2 on the given address.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            environment: Environment::default(),
            upstream: None,
            authority: None,
            tenant: None,
            client_id: None,
            client_secret: None,
            certificate: None,
            users_file: None,
            resource: None,
            max_shells_per_user: 10,
            max_shells_total: 1000,
            max_body: 1024 * 1024,
            idle_timeout: Duration::from_secs(15 * 60),
            max_receive_wait: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            upstream_concurrency: 16,
            upstream_retries: 5,
            upstream_max_delay: Duration::from_secs(120),
            shutdown_grace: Duration::from_secs(10),
            certificate_password: None,
        }
    }

    pub fn identity_mode(&self) -> IdentityMode {
        if self.client_secret.is_some() || self.certificate.is_some() {
            IdentityMode::App
        } else {
            IdentityMode::PasswordPassthrough
        }
    }

    pub fn upstream_base(&self) -> String {
        self.upstream
            .clone()
            .unwrap_or_else(|| self.environment.rest_base().to_owned())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn authority_base(&self) -> String {
        self.authority
            .clone()
            .unwrap_or_else(|| self.environment.authority().to_owned())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn resource(&self) -> String {
        self.resource
            .clone()
            .unwrap_or_else(|| self.environment.resource().to_owned())
    }

    pub fn password_client_id(&self) -> String {
        self.client_id
            .clone()
            .unwrap_or_else(|| EXO_PUBLIC_CLIENT_ID.to_owned())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.problems().into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(()),
        }
    }

    /// Every problem [`validate`](Self::validate) would report, not just the first.
    pub fn problems(&self) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        if self.max_shells_per_user == 0 || self.max_shells_total < self.max_shells_per_user {
            problems.push(ConfigError::NoShells);
        }
        if self.max_body < crate::settings::MIN_BODY {
            problems.push(ConfigError::BodyTooSmall);
        }
        if self.client_secret.is_some() && self.certificate.is_some() {
            problems.push(ConfigError::TwoAppCredentials);
        }
        if self.identity_mode() == IdentityMode::App
            && (self.tenant.is_none() || self.client_id.is_none())
        {
            problems.push(ConfigError::AppNeedsTenantAndClient);
        }
        for (flag, value) in [
            ("--upstream", &self.upstream),
            ("--authority", &self.authority),
            ("--resource", &self.resource),
        ] {
            if let Some(url) = value {
                let ok = (url.starts_with("http://") || url.starts_with("https://"))
                    && !url.contains('?');
                if !ok {
                    problems.push(ConfigError::BadUrl(flag, url.clone()));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ProxyConfig {
        ProxyConfig::new("127.0.0.1:0".parse().expect("addr"))
    }

    #[test]
    fn defaults_follow_the_environment() {
        let mut c = base();
        assert_eq!(c.upstream_base(), "https://outlook.office365.com");
        assert_eq!(c.resource(), "https://outlook.office365.com");
        c.environment = "o365usgovdod".parse::<Environment>().expect("known");
        c.upstream = Some("http://127.0.0.1:9/".into());
        assert_eq!(c.upstream_base(), "http://127.0.0.1:9");
        // The audience stays the cloud's resource whatever --upstream says.
        assert_eq!(c.resource(), "https://outlook-dod.office365.us");
        assert_eq!(c.authority_base(), "https://login.microsoftonline.us");
        assert_eq!(c.password_client_id(), EXO_PUBLIC_CLIENT_ID);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn validation_catches_bad_values() {
        let mut c = base();
        c.max_shells_per_user = 0;
        assert_eq!(c.validate(), Err(ConfigError::NoShells));
        let mut c = base();
        c.client_secret = Some(SecretString::from("x"));
        assert_eq!(c.identity_mode(), IdentityMode::App);
        assert_eq!(c.validate(), Err(ConfigError::AppNeedsTenantAndClient));
        let mut c = base();
        c.upstream = Some("ftp://x".into());
        assert!(matches!(
            c.validate(),
            Err(ConfigError::BadUrl("--upstream", _))
        ));
        let mut c = base();
        c.max_body = 10;
        assert_eq!(c.validate(), Err(ConfigError::BodyTooSmall));
    }
}
