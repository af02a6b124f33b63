//! Exchange Online clouds: REST base, identity authority and Exchange resource per
//! `-ExchangeEnvironmentName` (exo-rest.md §2.2).

use std::fmt;
use std::str::FromStr;

/// The five values of `-ExchangeEnvironmentName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Environment {
    #[default]
    O365Default,
    O365USGovGCCHigh,
    O365USGovDoD,
    O365China,
    O365GermanyCloud,
}

/// The name given is not one of the five environments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Exchange environment `{0}` (expected O365Default, O365USGovGCCHigh, O365USGovDoD, O365China or O365GermanyCloud)")]
pub struct UnknownEnvironment(pub String);

impl Environment {
    pub const ALL: [Environment; 5] = [
        Environment::O365Default,
        Environment::O365USGovGCCHigh,
        Environment::O365USGovDoD,
        Environment::O365China,
        Environment::O365GermanyCloud,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Environment::O365Default => "O365Default",
            Environment::O365USGovGCCHigh => "O365USGovGCCHigh",
            Environment::O365USGovDoD => "O365USGovDoD",
            Environment::O365China => "O365China",
            Environment::O365GermanyCloud => "O365GermanyCloud",
        }
    }

    /// REST host base URL, without a path.
    pub fn rest_base(self) -> &'static str {
        match self {
            Environment::O365Default => "https://outlook.office365.com",
            Environment::O365USGovGCCHigh => "https://outlook.office365.us",
            Environment::O365USGovDoD => "https://outlook-dod.office365.us",
            Environment::O365China => "https://partner.outlook.cn",
            Environment::O365GermanyCloud => "https://outlook.office.de",
        }
    }

    /// Identity provider base URL without a tenant; the contract's `--authority` default.
    pub fn authority(self) -> &'static str {
        match self {
            Environment::O365Default => "https://login.microsoftonline.com",
            Environment::O365USGovGCCHigh | Environment::O365USGovDoD => {
                "https://login.microsoftonline.us"
            }
            Environment::O365China => "https://login.chinacloudapi.cn",
            Environment::O365GermanyCloud => "https://login.microsoftonline.de",
        }
    }

    /// The Exchange resource tokens are issued for. It equals the REST base in every cloud,
    /// but is kept separate because the proxy may point `--upstream` at an emulator while the
    /// audience must stay the real resource.
    pub fn resource(self) -> &'static str {
        self.rest_base()
    }

    /// OAuth2 v2 scope: `<resource>/.default`.
    pub fn scope(self) -> String {
        scope_for(self.resource())
    }
}

/// `<resource>/.default`, tolerating a trailing slash on the resource.
pub fn scope_for(resource: &str) -> String {
    format!("{}/.default", resource.trim_end_matches('/'))
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    /// Case-insensitive, like PowerShell enum binding.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Environment::ALL
            .into_iter()
            .find(|env| env.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownEnvironment(s.to_owned()))
    }
}

/// Resolved endpoints: the environment's defaults with the contract's overrides
/// (`--authority`, `--upstream`, `--resource`) applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Identity provider base URL without a tenant.
    pub authority: String,
    /// REST host base URL without a path.
    pub upstream: String,
    /// Exchange resource; the scope is `{resource}/.default`.
    pub resource: String,
}

impl Endpoints {
    pub fn for_environment(env: Environment) -> Self {
        Endpoints {
            authority: env.authority().to_owned(),
            upstream: env.rest_base().to_owned(),
            resource: env.resource().to_owned(),
        }
    }

    pub fn with_authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = authority.into();
        self
    }

    pub fn with_upstream(mut self, upstream: impl Into<String>) -> Self {
        self.upstream = upstream.into();
        self
    }

    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.trim_end_matches('/'),
            tenant
        )
    }

    pub fn scope(&self) -> String {
        scope_for(&self.resource)
    }

    /// `{upstream}/adminapi/beta/{tenant}/InvokeCommand`.
    pub fn invoke_url(&self, tenant: &str) -> String {
        format!(
            "{}/adminapi/beta/{}/InvokeCommand",
            self.upstream.trim_end_matches('/'),
            tenant
        )
    }
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::for_environment(Environment::O365Default)
    }
}
