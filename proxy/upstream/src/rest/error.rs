//! Exchange Online error objects turned into PowerShell-shaped errors (exo-rest.md §3.6).

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::token::TokenError;

/// `System.Management.Automation.ErrorCategory`, in enum order (a numeric
/// `details[0].code` is an index into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    NotSpecified,
    OpenError,
    CloseError,
    DeviceError,
    DeadlockDetected,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    InvalidResult,
    InvalidType,
    MetadataError,
    NotImplemented,
    NotInstalled,
    ObjectNotFound,
    OperationStopped,
    OperationTimeout,
    SyntaxError,
    ParserError,
    PermissionDenied,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    ReadError,
    WriteError,
    FromStdErr,
    SecurityError,
    ProtocolError,
    ConnectionError,
    AuthenticationError,
    LimitsExceeded,
    QuotaExceeded,
    NotEnabled,
}

impl ErrorCategory {
    const ALL: [ErrorCategory; 32] = [
        ErrorCategory::NotSpecified,
        ErrorCategory::OpenError,
        ErrorCategory::CloseError,
        ErrorCategory::DeviceError,
        ErrorCategory::DeadlockDetected,
        ErrorCategory::InvalidArgument,
        ErrorCategory::InvalidData,
        ErrorCategory::InvalidOperation,
        ErrorCategory::InvalidResult,
        ErrorCategory::InvalidType,
        ErrorCategory::MetadataError,
        ErrorCategory::NotImplemented,
        ErrorCategory::NotInstalled,
        ErrorCategory::ObjectNotFound,
        ErrorCategory::OperationStopped,
        ErrorCategory::OperationTimeout,
        ErrorCategory::SyntaxError,
        ErrorCategory::ParserError,
        ErrorCategory::PermissionDenied,
        ErrorCategory::ResourceBusy,
        ErrorCategory::ResourceExists,
        ErrorCategory::ResourceUnavailable,
        ErrorCategory::ReadError,
        ErrorCategory::WriteError,
        ErrorCategory::FromStdErr,
        ErrorCategory::SecurityError,
        ErrorCategory::ProtocolError,
        ErrorCategory::ConnectionError,
        ErrorCategory::AuthenticationError,
        ErrorCategory::LimitsExceeded,
        ErrorCategory::QuotaExceeded,
        ErrorCategory::NotEnabled,
    ];

    /// The PowerShell name, e.g. `ObjectNotFound`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCategory::NotSpecified => "NotSpecified",
            ErrorCategory::OpenError => "OpenError",
            ErrorCategory::CloseError => "CloseError",
            ErrorCategory::DeviceError => "DeviceError",
            ErrorCategory::DeadlockDetected => "DeadlockDetected",
            ErrorCategory::InvalidArgument => "InvalidArgument",
            ErrorCategory::InvalidData => "InvalidData",
            ErrorCategory::InvalidOperation => "InvalidOperation",
            ErrorCategory::InvalidResult => "InvalidResult",
            ErrorCategory::InvalidType => "InvalidType",
            ErrorCategory::MetadataError => "MetadataError",
            ErrorCategory::NotImplemented => "NotImplemented",
            ErrorCategory::NotInstalled => "NotInstalled",
            ErrorCategory::ObjectNotFound => "ObjectNotFound",
            ErrorCategory::OperationStopped => "OperationStopped",
            ErrorCategory::OperationTimeout => "OperationTimeout",
            ErrorCategory::SyntaxError => "SyntaxError",
            ErrorCategory::ParserError => "ParserError",
            ErrorCategory::PermissionDenied => "PermissionDenied",
            ErrorCategory::ResourceBusy => "ResourceBusy",
            ErrorCategory::ResourceExists => "ResourceExists",
            ErrorCategory::ResourceUnavailable => "ResourceUnavailable",
            ErrorCategory::ReadError => "ReadError",
            ErrorCategory::WriteError => "WriteError",
            ErrorCategory::FromStdErr => "FromStdErr",
            ErrorCategory::SecurityError => "SecurityError",
            ErrorCategory::ProtocolError => "ProtocolError",
            ErrorCategory::ConnectionError => "ConnectionError",
            ErrorCategory::AuthenticationError => "AuthenticationError",
            ErrorCategory::LimitsExceeded => "LimitsExceeded",
            ErrorCategory::QuotaExceeded => "QuotaExceeded",
            ErrorCategory::NotEnabled => "NotEnabled",
        }
    }

    /// The numeric value of the .NET enum.
    pub fn code(self) -> u32 {
        Self::ALL
            .iter()
            .position(|c| *c == self)
            .map_or(0, |i| i as u32)
    }

    pub fn from_code(code: u64) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Category for an Exchange exception class (full or short name), by the conventions
    /// of Exchange's task framework.
    pub fn for_exception_class(class: &str) -> Option<Self> {
        let short = class.rsplit('.').next().unwrap_or(class);
        let rules: [(&[&str], ErrorCategory); 9] = [
            (&["NotFound"], ErrorCategory::ObjectNotFound),
            (
                &["AlreadyExists", "ProxyAddressExists", "Duplicate"],
                ErrorCategory::ResourceExists,
            ),
            (
                &["Ambiguous", "Argument", "ParameterBinding", "Validation"],
                ErrorCategory::InvalidArgument,
            ),
            (
                &["AccessDenied", "Unauthorized", "Permission"],
                ErrorCategory::PermissionDenied,
            ),
            (
                &["Throttl", "Overbudget", "Quota"],
                ErrorCategory::LimitsExceeded,
            ),
            (&["Timeout", "TimedOut"], ErrorCategory::OperationTimeout),
            (
                &["Transient", "Overloaded", "Unavailable", "ServerInMM"],
                ErrorCategory::ResourceUnavailable,
            ),
            (
                &["DataValidation", "InvalidData"],
                ErrorCategory::InvalidData,
            ),
            (
                &["InvalidOperation", "NotSupported"],
                ErrorCategory::InvalidOperation,
            ),
        ];
        rules
            .iter()
            .find(|(needles, _)| needles.iter().any(|n| short.contains(n)))
            .map(|(_, category)| *category)
    }

    /// Fallback when nothing in the body says more.
    pub fn for_status(status: u16) -> Self {
        match status {
            400 | 422 => ErrorCategory::InvalidArgument,
            401 => ErrorCategory::AuthenticationError,
            403 => ErrorCategory::PermissionDenied,
            404 => ErrorCategory::ObjectNotFound,
            408 | 504 => ErrorCategory::OperationTimeout,
            409 => ErrorCategory::ResourceExists,
            429 => ErrorCategory::LimitsExceeded,
            503 => ErrorCategory::ResourceUnavailable,
            _ => ErrorCategory::NotSpecified,
        }
    }
}

impl fmt::Display for ErrorCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One cmdlet error as PowerShell would show it: `FullyQualifiedErrorId` comes from
/// `error_id`, the exception type from `exception_class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdletError {
    /// HTTP status of the response that carried it (200 for `@adminapi.errors`).
    pub status: u16,
    /// e.g. `Ex6F9304`; empty when the service gave none.
    pub error_id: String,
    /// e.g. `Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException`.
    pub exception_class: String,
    pub message: String,
    pub category: ErrorCategory,
    /// `details[0].target`, when not empty.
    pub target: Option<String>,
}

impl fmt::Display for CmdletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        if !self.error_id.is_empty() || !self.exception_class.is_empty() {
            write!(f, " ({}|{})", self.error_id, self.exception_class)?;
        }
        Ok(())
    }
}

impl CmdletError {
    /// Whether the service says the failure was transient (exo-rest.md §3.7).
    pub fn is_transient(&self) -> bool {
        TRANSIENT_EXCEPTIONS
            .iter()
            .any(|name| self.exception_class.contains(name) || self.message.contains(name))
            || self
                .message
                .to_ascii_lowercase()
                .contains("maximum number of concurrent requests")
    }

    /// Parses a non-2xx response body. Never fails: a body that is not the JSON error shape
    /// (plain text, HTML) becomes the message.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        match error {
            Some(error) => Self::from_error_object(status, error),
            None => {
                let text = String::from_utf8_lossy(body).trim().to_owned();
                CmdletError {
                    status,
                    error_id: String::new(),
                    exception_class: String::new(),
                    message: if text.is_empty() {
                        format!("the server answered HTTP {status} without a body")
                    } else {
                        text
                    },
                    category: ErrorCategory::for_status(status),
                    target: None,
                }
            }
        }
    }

    /// Parses one `error` object (`{code, message, details, innererror}`), or one element of
    /// `@adminapi.errors`.
    pub fn from_error_object(status: u16, error: &Value) -> Self {
        let detail = error
            .get("details")
            .and_then(Value::as_array)
            .and_then(|d| d.first());
        let detail_message = detail
            .and_then(|d| d.get("message"))
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty());
        let inner_message = error
            .pointer("/innererror/internalexception/message")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty());
        let top_message = error.get("message").and_then(Value::as_str);
        let raw = detail_message
            .or(inner_message)
            .or(top_message)
            .unwrap_or("the server reported an error without a message");
        let (error_id, exception_class, message) = split_detail_message(raw);
        let exception_class = if exception_class.is_empty() {
            error
                .pointer("/innererror/internalexception/type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        } else {
            exception_class
        };
        let numeric_category = detail
            .and_then(|d| d.get("code"))
            .and_then(|c| {
                c.as_u64()
                    .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
            })
            .and_then(ErrorCategory::from_code);
        let category = numeric_category
            .or_else(|| ErrorCategory::for_exception_class(&exception_class))
            .unwrap_or_else(|| ErrorCategory::for_status(status));
        let target = detail
            .and_then(|d| d.get("target"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        CmdletError {
            status,
            error_id,
            exception_class,
            message,
            category,
            target,
        }
    }
}

/// Exception names after which the module retries (exo-rest.md §3.7).
pub const TRANSIENT_EXCEPTIONS: [&str; 5] = [
    "DCOverloadedException",
    "SuitabilityDirectoryException",
    "ServerInMMException",
    "ADServerSettingsChangedException",
    "StorageTransientException",
];

/// `ErrorId|ExceptionClass|Text` (the text may itself contain `|`), or a JSON string with
/// `localizedString.stringId`, `ClassName` and `Message`, or plain text.
fn split_detail_message(raw: &str) -> (String, String, String) {
    if raw.trim_start().starts_with('{') {
        if let Ok(value) = serde_json::from_str::<Value>(raw) {
            let get = |pointer: &str| {
                value
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let message = get("/Message");
            if !message.is_empty() {
                return (get("/localizedString/stringId"), get("/ClassName"), message);
            }
        }
    }
    let mut parts = raw.splitn(3, '|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(id), Some(class), Some(text)) if !id.contains(' ') && !class.contains(' ') => {
            (id.to_owned(), class.to_owned(), text.to_owned())
        }
        _ => (String::new(), String::new(), raw.to_owned()),
    }
}

/// Why an `InvokeCommand` call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExoError {
    /// The cmdlet failed on the service (terminating error).
    #[error("{0}")]
    Cmdlet(CmdletError),
    /// Still throttled after the last retry; the service's body is the error.
    #[error("throttled by Exchange Online after {attempts} attempts: {error}")]
    Throttled {
        attempts: u32,
        retry_after: Option<Duration>,
        error: CmdletError,
    },
    /// No token could be obtained, or a claims challenge could not be met.
    #[error("cannot obtain an access token: {0}")]
    Token(#[from] TokenError),
    /// The request did not complete (connection refused, reset, TLS failure, …).
    #[error("upstream request failed: {0}")]
    Transport(String),
    /// The per-cmdlet timeout elapsed.
    #[error("{cmdlet} timed out after {after:?}")]
    Timeout { cmdlet: String, after: Duration },
    /// The client is misconfigured (bad upstream URL).
    #[error("upstream client configuration: {0}")]
    Config(String),
    /// The call cannot be sent as given (a cmdlet name or token not valid in a header).
    #[error("cannot build the request: {0}")]
    InvalidRequest(String),
    /// A 2xx answer that is not the InvokeCommand response shape.
    #[error("unexpected upstream response: {0}")]
    InvalidResponse(String),
    /// `@odata.nextLink` points somewhere the token must not be sent.
    #[error("refusing to follow @odata.nextLink to another host: {0}")]
    ForeignNextLink(String),
}

impl ExoError {
    /// The PowerShell-shaped error, for errors the service reported.
    pub fn cmdlet_error(&self) -> Option<&CmdletError> {
        match self {
            ExoError::Cmdlet(e) | ExoError::Throttled { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The category PowerShell would show for this error.
    pub fn category(&self) -> ErrorCategory {
        match self {
            ExoError::Cmdlet(e) => e.category,
            ExoError::Throttled { .. } => ErrorCategory::LimitsExceeded,
            ExoError::Token(_) => ErrorCategory::AuthenticationError,
            ExoError::Transport(_) => ErrorCategory::ConnectionError,
            ExoError::Timeout { .. } => ErrorCategory::OperationTimeout,
            ExoError::InvalidResponse(_) => ErrorCategory::InvalidResult,
            ExoError::Config(_) => ErrorCategory::NotSpecified,
            ExoError::InvalidRequest(_) => ErrorCategory::InvalidArgument,
            ExoError::ForeignNextLink(_) => ErrorCategory::SecurityError,
        }
    }
}
