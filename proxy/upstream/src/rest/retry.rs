//! Retry and timeout policy for `InvokeCommand` (exo-rest.md §3.7).

use std::time::Duration;

/// How often and how long to retry.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the module: 5).
    pub max_retries: u32,
    /// Backoff base without `Retry-After`: `base_delay × 2^retry` (the module: 2 s).
    pub base_delay: Duration,
    /// Upper bound on any single wait, `Retry-After` included, so a hostile or broken
    /// upstream cannot park a call for hours.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based) when the service gave no `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// `Retry-After` if given (capped), else [`RetryPolicy::backoff`].
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.map_or_else(|| self.backoff(retry), |d| d.min(self.max_delay))
    }
}

/// Per-cmdlet HTTP timeouts: 960 s by default, longer for the cmdlets the module knows to be
/// slow, each plus 60 s of grace.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeoutPolicy {
    pub default: Duration,
    /// Case-insensitive cmdlet name → timeout (grace included).
    pub overrides: Vec<(String, Duration)>,
}

impl Default for TimeoutPolicy {
    fn default() -> Self {
        const GRACE: u64 = 60;
        let long = Duration::from_secs(3600 + GRACE);
        let medium = Duration::from_secs(1800 + GRACE);
        TimeoutPolicy {
            default: Duration::from_secs(960 + GRACE),
            overrides: vec![
                ("Get-DistributionGroupMember".into(), long),
                ("Import-TransportRuleCollection".into(), long),
                ("Set-UnifiedGroup".into(), long),
                ("Update-DistributionGroupMember".into(), long),
                ("Set-OrganizationConfig".into(), medium),
                ("Update-RoleGroupMember".into(), medium),
            ],
        }
    }
}

impl TimeoutPolicy {
    /// Every cmdlet gets the same timeout.
    pub fn uniform(timeout: Duration) -> Self {
        TimeoutPolicy {
            default: timeout,
            overrides: Vec::new(),
        }
    }

    pub fn for_cmdlet(&self, cmdlet: &str) -> Duration {
        self.overrides
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(cmdlet))
            .map_or(self.default, |(_, timeout)| *timeout)
    }
}

/// Whether running the cmdlet twice is harmless. Anything but a read may have taken effect
/// on a response we never saw, so those are retried only when the service certainly did not
/// run them.
pub fn is_idempotent(cmdlet: &str) -> bool {
    let verb = cmdlet.split('-').next().unwrap_or_default();
    ["Get", "Test", "Search"]
        .iter()
        .any(|v| v.eq_ignore_ascii_case(verb))
}

/// `Retry-After` as seconds (fractional allowed, exo-rest.md §3.7) or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).ok())
            .flatten();
    }
    let at =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let left = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

/// The `claims` value of a `WWW-Authenticate: Bearer …, claims="…"` challenge (CAE). Entra
/// sends it base64-encoded; it is passed on as received.
pub fn parse_claims_challenge(www_authenticate: &str) -> Option<String> {
    let lower = www_authenticate.to_ascii_lowercase();
    let start = lower.find("claims=")? + "claims=".len();
    let rest = &www_authenticate[start..];
    let value = match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split([',', ' ']).next().unwrap_or_default(),
    };
    (!value.is_empty()).then(|| value.to_owned())
}
