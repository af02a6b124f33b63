//! Where the proxy's settings come from: a TOML file, `EXOMIG_*` environment variables and
//! command-line flags, layered with the precedence **flags > environment > file > defaults**
//! (oauth2-proxy's order). Every layer has the same shape, [`Layer`]; [`Settings::resolve`]
//! merges them, remembers where each value came from, and [`Settings::validate`] performs every
//! check startup would, for `--check-config`.
//!
//! Secrets never appear in the file or on the command line (where `ps` would show them): the
//! client secret comes from `client-secret-file` or `EXOMIG_CLIENT_SECRET`, the PFX password
//! from `certificate-password-file` or `EXOMIG_CERTIFICATE_PASSWORD`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use crate::config::ProxyConfig;
use crate::telemetry::LogFormat;

/// The smallest body a WS-Man client may send: PowerShell's default MaxEnvelopeSize is
/// 500 KiB (512000 bytes).
pub const MIN_BODY: usize = 512_000;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_SHELLS: usize = 10;
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Longer than the 60 s cap of a Receive long poll, so only a stuck handler hits it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_UPSTREAM_CONCURRENCY: usize = 16;
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The ExchangeOnlineManagement module's retry count and wait cap (exo-rest.md §3.7).
pub const DEFAULT_UPSTREAM_RETRIES: u32 = 5;
pub const DEFAULT_UPSTREAM_MAX_DELAY: Duration = Duration::from_secs(120);

/// A duration in the file: seconds as a number, or a string with a unit (`"15m"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(u64),
    Text(String),
}

impl DurationValue {
    pub fn to_duration(&self) -> Result<Duration, String> {
        match self {
            Self::Seconds(s) => Ok(Duration::from_secs(*s)),
            Self::Text(t) => parse_duration(t),
        }
    }
}

/// `500ms`, `30s`, `15m`, `1h`, or bare seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (examples: 90, 30s, 15m, 1h)"))?;
    let d = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        other => return Err(format!("unknown duration unit {other:?} in {text:?}")),
    };
    Ok(d)
}

/// One source of settings. Every field is optional; unset fields fall through to the next
/// layer. In the file, keys are the flag names without `--` (kebab-case).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layer {
    pub listen: Option<String>,
    pub environment: Option<String>,
    pub upstream: Option<String>,
    pub authority: Option<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub certificate: Option<PathBuf>,
    pub certificate_password_file: Option<PathBuf>,
    pub users: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_self_signed: Option<bool>,
    /// Directory for the self-signed certificate and key.
    pub tls_dir: Option<PathBuf>,
    /// Names and addresses the self-signed certificate is valid for.
    pub tls_hosts: Option<Vec<String>>,
    pub metrics_listen: Option<String>,
    pub resource: Option<String>,
    pub max_shells_per_user: Option<usize>,
    pub max_body: Option<usize>,
    pub idle_timeout: Option<DurationValue>,
    pub request_timeout: Option<DurationValue>,
    /// Concurrent upstream calls per tenant.
    pub upstream_concurrency: Option<usize>,
    /// Retries of a throttled or failed upstream call.
    pub upstream_retries: Option<u32>,
    /// Longest wait between upstream retries, `Retry-After` included.
    pub upstream_max_delay: Option<DurationValue>,
    pub shutdown_grace: Option<DurationValue>,
    pub log_format: Option<String>,
    /// Log filter directive (`info`, `exomig_proxy=debug`); `EXOMIG_LOG` in the environment.
    pub log: Option<String>,
    /// Environment only (`EXOMIG_CLIENT_SECRET`).
    #[serde(skip)]
    pub client_secret: Option<SecretString>,
    /// Environment only (`EXOMIG_CERTIFICATE_PASSWORD`).
    #[serde(skip)]
    pub certificate_password: Option<SecretString>,
}

/// Where a value came from, for error messages and `--check-config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env,
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Default => "default",
            Self::File => "config file",
            Self::Env => "environment",
            Self::Flag => "command line",
        })
    }
}

macro_rules! layer_fields {
    ($($field:ident),* $(,)?) => {
        impl Layer {
            /// Fills every unset field from `lower`, recording `source` for what it took.
            fn fill_from(
                &mut self,
                lower: Layer,
                source: Source,
                sources: &mut BTreeMap<String, Source>,
            ) {
                $(
                    if self.$field.is_none() && lower.$field.is_some() {
                        self.$field = lower.$field;
                        sources.insert(stringify!($field).replace('_', "-"), source);
                    }
                )*
            }
        }

        /// Environment variable names, derived from the same field list.
        const ENV_KEYS: &[&str] = &[$(stringify!($field)),*];
    };
}

layer_fields!(
    listen,
    environment,
    upstream,
    authority,
    tenant,
    client_id,
    client_secret_file,
    certificate,
    certificate_password_file,
    users,
    tls_cert,
    tls_key,
    tls_self_signed,
    tls_dir,
    tls_hosts,
    metrics_listen,
    resource,
    max_shells_per_user,
    max_body,
    idle_timeout,
    request_timeout,
    upstream_concurrency,
    upstream_retries,
    upstream_max_delay,
    shutdown_grace,
    log_format,
    log,
    client_secret,
    certificate_password,
);

/// File keys that look like secrets: refused with a pointer to the right place.
const SECRET_KEYS: &[&str] = &[
    "client-secret",
    "client_secret",
    "secret",
    "password",
    "certificate-password",
    "certificate_password",
    "token",
];

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {detail}")]
    Parse { path: String, detail: String },
    #[error("config file {path}: `{key}` would put a secret in the file; use `{instead}` instead")]
    SecretInFile {
        path: String,
        key: String,
        instead: &'static str,
    },
    #[error("environment variable {name}: {detail}")]
    Env { name: String, detail: String },
    #[error("{key} ({origin}): {detail}")]
    Invalid {
        key: &'static str,
        origin: Source,
        detail: String,
    },
    #[error("cannot read {key} {path}: {source}")]
    ReadSecret {
        key: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Conflict(String),
}

impl Layer {
    /// Parses the TOML config file. Unknown keys are errors (a typo must not silently fall
    /// back to a default), and so are keys that would hold a secret.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, SettingsError> {
        let shown = path.display().to_string();
        let table: toml::Table = toml::from_str(text).map_err(|e| SettingsError::Parse {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        if let Some(key) = table.keys().find(|k| SECRET_KEYS.contains(&k.as_str())) {
            let instead = if key.contains("certificate") {
                "certificate-password-file or EXOMIG_CERTIFICATE_PASSWORD"
            } else {
                "client-secret-file or EXOMIG_CLIENT_SECRET"
            };
            return Err(SettingsError::SecretInFile {
                path: shown,
                key: key.clone(),
                instead,
            });
        }
        toml::from_str(text).map_err(|e| SettingsError::Parse {
            path: shown,
            detail: e.to_string(),
        })
    }

    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::ReadFile {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Reads `EXOMIG_<KEY>` variables (`-` → `_`, upper case). Returns the layer and the names
    /// of `EXOMIG_*` variables that mean nothing here (likely typos), to be printed as warnings.
    pub fn from_env(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Self, Vec<String>), SettingsError> {
        let mut layer = Layer::default();
        let mut unknown = Vec::new();
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("EXOMIG_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            // Read elsewhere: the config file path by the CLI, the emulator's own settings.
            if key == "config" || key.starts_with("emulator_") {
                continue;
            }
            if !ENV_KEYS.contains(&key.as_str()) {
                unknown.push(name);
                continue;
            }
            let err = |detail: String| SettingsError::Env {
                name: name.clone(),
                detail,
            };
            let text = || Some(value.clone());
            let path = || Some(PathBuf::from(&value));
            let number = || {
                value
                    .trim()
                    .parse::<usize>()
                    .map(Some)
                    .map_err(|_| err(format!("{value:?} is not a whole number")))
            };
            let duration = || Some(DurationValue::Text(value.clone()));
            match key.as_str() {
                "listen" => layer.listen = text(),
                "environment" => layer.environment = text(),
                "upstream" => layer.upstream = text(),
                "authority" => layer.authority = text(),
                "tenant" => layer.tenant = text(),
                "client_id" => layer.client_id = text(),
                "client_secret_file" => layer.client_secret_file = path(),
                "certificate" => layer.certificate = path(),
                "certificate_password_file" => layer.certificate_password_file = path(),
                "users" => layer.users = path(),
                "tls_cert" => layer.tls_cert = path(),
                "tls_key" => layer.tls_key = path(),
                "tls_self_signed" => layer.tls_self_signed = Some(parse_bool(&value).map_err(err)?),
                "tls_dir" => layer.tls_dir = path(),
                "tls_hosts" => {
                    layer.tls_hosts = Some(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|h| !h.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    )
                }
                "metrics_listen" => layer.metrics_listen = text(),
                "resource" => layer.resource = text(),
                "max_shells_per_user" => layer.max_shells_per_user = number()?,
                "max_body" => layer.max_body = number()?,
                "idle_timeout" => layer.idle_timeout = duration(),
                "request_timeout" => layer.request_timeout = duration(),
                "upstream_concurrency" => layer.upstream_concurrency = number()?,
                "upstream_retries" => {
                    layer.upstream_retries = Some(
                        value
                            .trim()
                            .parse::<u32>()
                            .map_err(|_| err(format!("{value:?} is not a whole number")))?,
                    )
                }
                "upstream_max_delay" => layer.upstream_max_delay = duration(),
                "shutdown_grace" => layer.shutdown_grace = duration(),
                "log_format" => layer.log_format = text(),
                "log" => layer.log = text(),
                "client_secret" => {
                    layer.client_secret = Some(SecretString::from(value.clone()));
                }
                "certificate_password" => {
                    layer.certificate_password = Some(SecretString::from(value.clone()));
                }
                _ => unknown.push(name.clone()),
            }
        }
        Ok((layer, unknown))
    }
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("{text:?} is not a boolean (true/false)")),
    }
}

/// How the proxy serves HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP (loopback or behind a TLS terminator).
    Off,
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    SelfSigned {
        dir: PathBuf,
        hosts: Vec<String>,
    },
}

/// The resolved settings, every default applied.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub environment: exomig_upstream::Environment,
    pub upstream: Option<String>,
    pub authority: Option<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub certificate: Option<PathBuf>,
    pub certificate_password: Option<SecretString>,
    pub users_file: Option<PathBuf>,
    pub tls: TlsMode,
    pub metrics_listen: Option<SocketAddr>,
    pub resource: Option<String>,
    pub max_shells_per_user: usize,
    pub max_body: usize,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
    pub upstream_concurrency: usize,
    pub upstream_retries: u32,
    pub upstream_max_delay: Duration,
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    pub log: Option<String>,
    /// Where each explicitly set key came from (kebab-case key → source).
    pub sources: BTreeMap<String, Source>,
    /// Unknown `EXOMIG_*` variables.
    pub unknown_env: Vec<String>,
}

/// What `validate` found: errors stop startup, warnings are printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

impl Settings {
    /// Merges the layers (flags over environment over file over defaults) and reads the
    /// secret files. The file layer is `None` when no `--config`/`EXOMIG_CONFIG` is given.
    pub fn resolve(
        flags: Layer,
        env: Layer,
        file: Option<Layer>,
        unknown_env: Vec<String>,
    ) -> Result<Self, SettingsError> {
        let mut sources = BTreeMap::new();
        let mut merged = Layer::default();
        merged.fill_from(flags, Source::Flag, &mut sources);
        merged.fill_from(env, Source::Env, &mut sources);
        if let Some(file) = file {
            merged.fill_from(file, Source::File, &mut sources);
        }
        let source_of = |key: &str| sources.get(key).copied().unwrap_or(Source::Default);
        let invalid = |key: &'static str, detail: String| SettingsError::Invalid {
            key,
            origin: source_of(key),
            detail,
        };

        let listen = merged
            .listen
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse::<SocketAddr>()
            .map_err(|e| invalid("listen", format!("not an address:port ({e})")))?;
        let metrics_listen = merged
            .metrics_listen
            .as_deref()
            .map(str::parse::<SocketAddr>)
            .transpose()
            .map_err(|e| invalid("metrics-listen", format!("not an address:port ({e})")))?;
        let environment = merged
            .environment
            .as_deref()
            .unwrap_or("O365Default")
            .parse::<exomig_upstream::Environment>()
            .map_err(|e| invalid("environment", e.to_string()))?;
        let duration = |key: &'static str, value: &Option<DurationValue>, default: Duration| {
            value
                .as_ref()
                .map_or(Ok(default), DurationValue::to_duration)
                .map_err(|d| invalid(key, d))
        };
        let idle_timeout = duration("idle-timeout", &merged.idle_timeout, DEFAULT_IDLE_TIMEOUT)?;
        let request_timeout = duration(
            "request-timeout",
            &merged.request_timeout,
            DEFAULT_REQUEST_TIMEOUT,
        )?;
        let upstream_max_delay = duration(
            "upstream-max-delay",
            &merged.upstream_max_delay,
            DEFAULT_UPSTREAM_MAX_DELAY,
        )?;
        let shutdown_grace = duration(
            "shutdown-grace",
            &merged.shutdown_grace,
            DEFAULT_SHUTDOWN_GRACE,
        )?;
        let log_format = merged
            .log_format
            .as_deref()
            .map(str::parse::<LogFormat>)
            .transpose()
            .map_err(|e| invalid("log-format", e.to_string()))?
            .unwrap_or_default();

        if merged.client_secret.is_some() && merged.client_secret_file.is_some() {
            return Err(SettingsError::Conflict(format!(
                "client secret given twice: EXOMIG_CLIENT_SECRET and client-secret-file ({})",
                source_of("client-secret-file")
            )));
        }
        let client_secret = match (&merged.client_secret, &merged.client_secret_file) {
            (Some(secret), _) => Some(secret.clone()),
            (None, Some(path)) => Some(read_secret("client-secret-file", path)?),
            (None, None) => None,
        };
        let certificate_password = match (
            &merged.certificate_password,
            &merged.certificate_password_file,
        ) {
            (Some(secret), _) => Some(secret.clone()),
            (None, Some(path)) => Some(read_secret("certificate-password-file", path)?),
            (None, None) => None,
        };

        let self_signed = merged.tls_self_signed.unwrap_or(false);
        let tls = match (&merged.tls_cert, &merged.tls_key, self_signed) {
            (None, None, false) => TlsMode::Off,
            (Some(cert), Some(key), false) => TlsMode::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None, true) => TlsMode::SelfSigned {
                dir: merged
                    .tls_dir
                    .clone()
                    .unwrap_or_else(|| std::env::temp_dir().join("exomig-proxy-tls")),
                hosts: merged.tls_hosts.clone().unwrap_or_default(),
            },
            (Some(_), Some(_), true) => {
                return Err(SettingsError::Conflict(format!(
                    "tls-cert/tls-key ({}) and tls-self-signed ({}) exclude each other",
                    source_of("tls-cert"),
                    source_of("tls-self-signed")
                )))
            }
            _ => {
                return Err(SettingsError::Conflict(
                    "tls-cert and tls-key must be given together".to_owned(),
                ))
            }
        };

        Ok(Self {
            listen,
            environment,
            upstream: merged.upstream,
            authority: merged.authority,
            tenant: merged.tenant,
            client_id: merged.client_id,
            client_secret,
            certificate: merged.certificate,
            certificate_password,
            users_file: merged.users,
            tls,
            metrics_listen,
            resource: merged.resource,
            max_shells_per_user: merged.max_shells_per_user.unwrap_or(DEFAULT_MAX_SHELLS),
            max_body: merged.max_body.unwrap_or(DEFAULT_MAX_BODY),
            idle_timeout,
            request_timeout,
            upstream_concurrency: merged
                .upstream_concurrency
                .unwrap_or(DEFAULT_UPSTREAM_CONCURRENCY),
            upstream_retries: merged.upstream_retries.unwrap_or(DEFAULT_UPSTREAM_RETRIES),
            upstream_max_delay,
            shutdown_grace,
            log_format,
            log: merged.log,
            sources,
            unknown_env,
        })
    }

    /// Where `key` (kebab-case) came from.
    pub fn source(&self, key: &str) -> Source {
        self.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// The server's configuration.
    pub fn proxy_config(&self) -> ProxyConfig {
        let mut c = ProxyConfig::new(self.listen);
        c.environment = self.environment;
        c.upstream = self.upstream.clone();
        c.authority = self.authority.clone();
        c.tenant = self.tenant.clone();
        c.client_id = self.client_id.clone();
        c.client_secret = self.client_secret.clone();
        c.certificate = self.certificate.clone();
        c.certificate_password = self.certificate_password.clone();
        c.users_file = self.users_file.clone();
        c.resource = self.resource.clone();
        c.max_shells_per_user = self.max_shells_per_user;
        c.max_body = self.max_body;
        c.idle_timeout = self.idle_timeout;
        c.request_timeout = self.request_timeout;
        c.upstream_concurrency = self.upstream_concurrency;
        c.upstream_retries = self.upstream_retries;
        c.upstream_max_delay = self.upstream_max_delay;
        c.shutdown_grace = self.shutdown_grace;
        c
    }

    /// Every check startup performs, without binding or writing anything: values in range,
    /// URLs, files readable and parseable (users, app certificate, TLS certificate and key),
    /// and warnings for risky but legal choices.
    pub fn validate(&self) -> Report {
        let mut report = Report::default();
        let mut error = |key: &str, detail: String| {
            report
                .errors
                .push(format!("{key} ({}): {detail}", self.source(key)));
        };
        for problem in self.proxy_config().problems() {
            // Each problem under the setting it is about, so the report names its source;
            // the ones checked below with a more precise message are not repeated.
            let key = match problem {
                crate::config::ConfigError::BodyTooSmall
                | crate::config::ConfigError::BadUrl(..) => continue,
                crate::config::ConfigError::NoShells if self.max_shells_per_user == 0 => continue,
                crate::config::ConfigError::NoShells => "max-shells-per-user",
                crate::config::ConfigError::TwoAppCredentials => "certificate",
                crate::config::ConfigError::AppNeedsTenantAndClient => {
                    if self.tenant.is_none() {
                        "tenant"
                    } else {
                        "client-id"
                    }
                }
            };
            error(key, problem.to_string());
        }
        if self.max_body < MIN_BODY {
            error(
                "max-body",
                format!(
                    "{} is below {MIN_BODY} bytes, the envelope size WS-Man clients use",
                    self.max_body
                ),
            );
        }
        if self.max_shells_per_user == 0 {
            error("max-shells-per-user", "must be at least 1".to_owned());
        }
        if self.upstream_concurrency == 0 {
            error("upstream-concurrency", "must be at least 1".to_owned());
        }
        for (key, value) in [
            ("idle-timeout", self.idle_timeout),
            ("request-timeout", self.request_timeout),
        ] {
            if value.is_zero() {
                error(key, "must be longer than zero".to_owned());
            }
        }
        for (key, value) in [
            ("upstream", &self.upstream),
            ("authority", &self.authority),
            ("resource", &self.resource),
        ] {
            if let Some(url) = value {
                if let Err(detail) = check_url(url) {
                    error(key, detail);
                }
            }
        }
        if let Some(log) = &self.log {
            if let Err(e) = crate::telemetry::env_filter(|_| None, log) {
                error("log", e.to_string());
            }
        }
        if let Some(path) = &self.users_file {
            if let Err(e) = crate::users::Users::load(path) {
                error("users", e.to_string());
            }
        }
        if let Some(path) = &self.certificate {
            if let Err(e) = exomig_upstream::token::CertificateCredential::from_file(
                path,
                self.certificate_password.as_ref(),
            ) {
                error("certificate", e.to_string());
            }
        }
        match &self.tls {
            TlsMode::Off => {}
            TlsMode::Files { cert, key } => {
                if let Err(e) = crate::tls::load_server_config(cert, key) {
                    error("tls-cert", e.to_string());
                }
            }
            TlsMode::SelfSigned { dir, .. } => {
                let usable = if dir.exists() {
                    dir.is_dir()
                } else {
                    dir.parent()
                        .is_none_or(|p| p.as_os_str().is_empty() || p.is_dir())
                };
                if !usable {
                    error(
                        "tls-dir",
                        format!("{} is not a directory that can be created", dir.display()),
                    );
                }
            }
        }
        if self.metrics_listen == Some(self.listen) && self.listen.port() != 0 {
            error(
                "metrics-listen",
                "must differ from listen: metrics are never served to legacy clients".to_owned(),
            );
        }
        if self.certificate_password.is_some() && self.certificate.is_none() {
            report
                .warnings
                .push("a certificate password is set but no certificate".to_owned());
        }
        if !self.listen.ip().is_loopback() {
            let tls = if self.tls == TlsMode::Off {
                " without TLS: Basic credentials would cross the network in clear text"
            } else {
                ""
            };
            report
                .warnings
                .push(format!("listening on {} (not loopback){tls}", self.listen));
        }
        let mode = self.proxy_config().identity_mode();
        if mode == crate::config::IdentityMode::App && self.users_file.is_none() {
            report.warnings.push(
                "app identity mode without a users file: only token pass-through connections \
                 can log in"
                    .to_owned(),
            );
        }
        if self.request_timeout < Duration::from_secs(65) && !self.request_timeout.is_zero() {
            report.warnings.push(format!(
                "request-timeout {:?} is shorter than a Receive long poll (up to 60 s)",
                self.request_timeout
            ));
        }
        for name in &self.unknown_env {
            report
                .warnings
                .push(format!("unknown environment variable {name} ignored"));
        }
        report
    }

    /// The secret values this configuration holds, for the log redactor.
    pub fn secrets(&self) -> Vec<String> {
        [&self.client_secret, &self.certificate_password]
            .into_iter()
            .flatten()
            .map(|s| s.expose_secret().to_owned())
            .collect()
    }
}

fn read_secret(key: &'static str, path: &Path) -> Result<SecretString, SettingsError> {
    exomig_upstream::read_secret_file(path).map_err(|source| SettingsError::ReadSecret {
        key,
        path: path.display().to_string(),
        source,
    })
}

fn check_url(text: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?} must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{text:?} must not have a query or fragment"));
    }
    if url.host_str().is_none() {
        return Err(format!("{text:?} has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> (Layer, Vec<String>) {
        Layer::from_env(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .expect("env parses")
    }

    fn file(text: &str) -> Layer {
        Layer::from_toml(text, Path::new("proxy.toml")).expect("file parses")
    }

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        let file = file(
            r#"
            listen = "127.0.0.1:7000"
            tenant = "file.example"
            max-shells-per-user = 3
            idle-timeout = "5m"
            log-format = "json"
            "#,
        );
        let (env, unknown) = env(&[
            ("EXOMIG_LISTEN", "127.0.0.1:7001"),
            ("EXOMIG_TENANT", "env.example"),
            ("EXOMIG_LOG", "debug"),
            ("EXOMIG_TYPO", "x"),
            ("EXOMIG_CONFIG", "proxy.toml"),
            ("EXOMIG_EMULATOR_SIGNING_KEY", "k.pem"),
            ("PATH", "/bin"),
        ]);
        let flags = Layer {
            listen: Some("127.0.0.1:7002".into()),
            ..Layer::default()
        };
        let s = Settings::resolve(flags, env, Some(file), unknown).expect("resolves");
        assert_eq!(s.listen.port(), 7002);
        assert_eq!(s.source("listen"), Source::Flag);
        assert_eq!(s.tenant.as_deref(), Some("env.example"));
        assert_eq!(s.source("tenant"), Source::Env);
        assert_eq!(s.max_shells_per_user, 3);
        assert_eq!(s.source("max-shells-per-user"), Source::File);
        assert_eq!(s.idle_timeout, Duration::from_secs(300));
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.log.as_deref(), Some("debug"));
        assert_eq!(s.max_body, DEFAULT_MAX_BODY);
        assert_eq!(s.source("max-body"), Source::Default);
        assert_eq!(s.unknown_env, vec!["EXOMIG_TYPO".to_owned()]);
        assert!(s
            .validate()
            .warnings
            .iter()
            .any(|w| w.contains("EXOMIG_TYPO")));
    }

    #[test]
    fn unknown_keys_and_secrets_in_the_file_are_refused() {
        let err = Layer::from_toml("lisen = \"x\"", Path::new("p.toml")).expect_err("typo");
        assert!(err.to_string().contains("lisen"), "{err}");
        for key in ["client-secret", "password"] {
            let err = Layer::from_toml(&format!("{key} = \"hunter2\""), Path::new("p.toml"))
                .expect_err("secret");
            assert!(matches!(err, SettingsError::SecretInFile { .. }), "{err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        let err = Layer::from_toml("max-body = \"big\"", Path::new("p.toml")).expect_err("type");
        assert!(matches!(err, SettingsError::Parse { .. }), "{err}");
    }

    #[test]
    fn secrets_come_from_files_or_the_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret_file = dir.path().join("secret");
        std::fs::write(&secret_file, "from-file-secret\r\n").expect("write");
        let flags = Layer {
            client_secret_file: Some(secret_file.clone()),
            tenant: Some("t".into()),
            client_id: Some("c".into()),
            ..Layer::default()
        };
        let s = Settings::resolve(flags, Layer::default(), None, vec![]).expect("resolves");
        assert_eq!(
            s.client_secret
                .as_ref()
                .map(|x| x.expose_secret().to_owned()),
            Some("from-file-secret".to_owned())
        );
        assert_eq!(s.secrets(), vec!["from-file-secret".to_owned()]);
        assert!(!format!("{s:?}").contains("from-file-secret"));

        let (env, _) = env(&[("EXOMIG_CLIENT_SECRET", "from-env-secret")]);
        let s = Settings::resolve(Layer::default(), env.clone(), None, vec![]).expect("env");
        assert_eq!(s.secrets(), vec!["from-env-secret".to_owned()]);

        let both = Layer {
            client_secret_file: Some(secret_file),
            ..Layer::default()
        };
        assert!(matches!(
            Settings::resolve(both, env, None, vec![]),
            Err(SettingsError::Conflict(_))
        ));
        let missing = Layer {
            client_secret_file: Some(dir.path().join("absent")),
            ..Layer::default()
        };
        assert!(matches!(
            Settings::resolve(missing, Layer::default(), None, vec![]),
            Err(SettingsError::ReadSecret { .. })
        ));
    }

    #[test]
    fn bad_values_name_their_key_and_source() {
        let (env, _) = env(&[("EXOMIG_LISTEN", "nowhere")]);
        let err = Settings::resolve(Layer::default(), env, None, vec![]).expect_err("bad");
        assert_eq!(
            err.to_string(),
            "listen (environment): not an address:port (invalid socket address syntax)"
        );
        let err = Layer::from_env([("EXOMIG_MAX_BODY".to_owned(), "lots".to_owned())])
            .expect_err("number");
        assert!(err.to_string().contains("EXOMIG_MAX_BODY"), "{err}");
        let f = file("environment = \"Mars\"");
        let err = Settings::resolve(Layer::default(), Layer::default(), Some(f), vec![])
            .expect_err("environment");
        assert!(
            err.to_string().starts_with("environment (config file)"),
            "{err}"
        );
    }

    #[test]
    fn tls_modes_and_their_conflicts() {
        let s = Settings::resolve(Layer::default(), Layer::default(), None, vec![]).expect("ok");
        assert_eq!(s.tls, TlsMode::Off);
        let (env, _) = env(&[
            ("EXOMIG_TLS_SELF_SIGNED", "true"),
            ("EXOMIG_TLS_HOSTS", "proxy.example, 10.0.0.1"),
        ]);
        let s = Settings::resolve(Layer::default(), env.clone(), None, vec![]).expect("ok");
        assert!(matches!(
            &s.tls,
            TlsMode::SelfSigned { hosts, .. } if hosts == &["proxy.example", "10.0.0.1"]
        ));
        let flags = Layer {
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            ..Layer::default()
        };
        let err = Settings::resolve(flags, env, None, vec![]).expect_err("conflict");
        assert!(err.to_string().contains("environment"), "{err}");
        let half = Layer {
            tls_cert: Some("c.pem".into()),
            ..Layer::default()
        };
        assert!(Settings::resolve(half, Layer::default(), None, vec![]).is_err());
    }

    #[test]
    fn validate_checks_files_urls_and_limits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let users = dir.path().join("users");
        std::fs::write(&users, "alice:not-a-hash\n").expect("write");
        let flags = Layer {
            listen: Some("0.0.0.0:8443".into()),
            upstream: Some("ftp://example".into()),
            authority: Some("http://127.0.0.1:9000".into()),
            max_body: Some(100_000),
            users: Some(users),
            tls_cert: Some(dir.path().join("missing-cert.pem")),
            tls_key: Some(dir.path().join("missing-key.pem")),
            certificate: Some(dir.path().join("missing-app.pem")),
            log: Some("=[[".into()),
            ..Layer::default()
        };
        let report = Settings::resolve(flags, Layer::default(), None, vec![])
            .expect("resolves")
            .validate();
        let joined = report.errors.join("\n");
        for key in [
            "max-body",
            "upstream",
            "users",
            "tls-cert",
            "certificate",
            "log",
        ] {
            assert!(
                report.errors.iter().any(|e| e.starts_with(key)),
                "no {key} error in\n{joined}"
            );
        }
        assert!(
            !report.errors.iter().any(|e| e.starts_with("authority")),
            "{joined}"
        );
        // Each problem once, under its own setting: the server config's checks of the same
        // limits and URLs are not repeated as anonymous `proxy (default)` lines.
        assert_eq!(
            report
                .errors
                .iter()
                .filter(|e| e.starts_with("max-body"))
                .count(),
            1,
            "{joined}"
        );
        assert!(
            !report.errors.iter().any(|e| e.starts_with("proxy")),
            "{joined}"
        );
        assert!(report.warnings.iter().any(|w| w.contains("not loopback")));
    }

    #[test]
    fn app_mode_problems_are_named_after_their_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = dir.path().join("app.pem");
        let flags = Layer {
            tenant: Some("contoso.onmicrosoft.com".into()),
            certificate: Some(cert),
            ..Layer::default()
        };
        let mut settings =
            Settings::resolve(flags, Layer::default(), None, vec![]).expect("resolves");
        settings.client_secret = Some(SecretString::from("s3cret".to_owned()));
        let report = settings.validate();
        let joined = report.errors.join("\n");
        for (key, detail) in [
            ("certificate", "mutually exclusive"),
            ("client-id", "--tenant and --client-id"),
        ] {
            assert!(
                report
                    .errors
                    .iter()
                    .any(|e| e.starts_with(key) && e.contains(detail)),
                "no {key} error saying {detail:?} in\n{joined}"
            );
        }
        assert!(!joined.contains("s3cret"), "{joined}");
    }

    #[test]
    fn a_complete_valid_configuration_passes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let users = dir.path().join("users");
        crate::users::add(&users, "alice", "pw-alice").expect("add");
        let tls = crate::tls::self_signed(&dir.path().join("tls"), &[]).expect("tls");
        let config = dir.path().join("proxy.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\nupstream = \"http://127.0.0.1:9\"\n\
                 authority = \"http://127.0.0.1:9\"\ntenant = \"contoso.example\"\n\
                 client-id = \"app\"\nusers = {:?}\ntls-cert = {:?}\ntls-key = {:?}\n\
                 metrics-listen = \"127.0.0.1:0\"\nrequest-timeout = 90\n",
                users.display().to_string(),
                tls.cert_path.display().to_string(),
                tls.key_path.display().to_string()
            ),
        )
        .expect("write");
        let (env, unknown) = env(&[("EXOMIG_CLIENT_SECRET", "s3cret-s3cret")]);
        let s = Settings::resolve(
            Layer::default(),
            env,
            Some(Layer::from_file(&config).expect("file")),
            unknown,
        )
        .expect("resolves");
        let report = s.validate();
        assert!(report.is_ok(), "{report:?}");
        assert!(report.warnings.is_empty(), "{report:?}");
        assert_eq!(s.request_timeout, Duration::from_secs(90));
        let c = s.proxy_config();
        assert_eq!(c.identity_mode(), crate::config::IdentityMode::App);
        assert_eq!(c.tenant.as_deref(), Some("contoso.example"));
    }

    #[test]
    fn durations_accept_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 fortnights").is_err());
    }
}
