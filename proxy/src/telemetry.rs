//! Logging: `tracing-subscriber` in text or JSON, filtered by `EXOMIG_LOG` (or `RUST_LOG`),
//! written through a redacting writer, plus request ids.
//!
//! Secrets are kept out of logs first by never logging them (they live in `secrecy` types).
//! The writer here is the last line of defence for what slips through: every formatted line
//! is scanned for `Authorization`/password/secret/token key-value pairs, `Bearer …` and
//! `Basic …` credentials, JWT-shaped strings and every secret value registered with the
//! [`Redactor`], and those are replaced before anything reaches the output.

use std::borrow::Cow;
use std::io::Write;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// What replaces a redacted value.
pub const MASK: &str = "[REDACTED]";

/// Registered secrets kept before the oldest are forgotten; bounds memory when the proxy
/// registers per-user passwords.
pub const MAX_SECRETS: usize = 4096;

/// Secrets shorter than this are not searched for: masking every `pw` or `1` in every line
/// would make logs unreadable and still not hide a two-letter password.
pub const MIN_SECRET_LEN: usize = 4;

/// Keys whose values are always masked when followed by `:` or `=`.
const SENSITIVE_KEYS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "password",
    "client_secret",
    "client-secret",
    "clientsecret",
    "client_assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "assertion",
];

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("invalid log filter {directive:?}: {detail}")]
    Filter { directive: String, detail: String },
    #[error("unknown log format {0:?} (expected text or json)")]
    Format(String),
    #[error("a global logger is already installed")]
    AlreadyInstalled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = TelemetryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(TelemetryError::Format(s.to_owned())),
        }
    }
}

impl LogFormat {
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }
}

/// The log filter: `EXOMIG_LOG`, else `RUST_LOG`, else `default`. `lookup` reads a variable
/// (normally `std::env::var`), so tests need not touch the process environment.
pub fn env_filter(
    lookup: impl Fn(&str) -> Option<String>,
    default: &str,
) -> Result<EnvFilter, TelemetryError> {
    let directive = lookup("EXOMIG_LOG")
        .or_else(|| lookup("RUST_LOG"))
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| default.to_owned());
    EnvFilter::try_new(&directive).map_err(|e| TelemetryError::Filter {
        directive,
        detail: e.to_string(),
    })
}

/// Masks secrets in log text. Cheap to clone; clones share the registered secrets.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value (client secret, password, token) to be masked wherever it
    /// appears, also in its JSON-escaped and Debug-escaped forms.
    pub fn register(&self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_LEN {
            return;
        }
        let Ok(mut secrets) = self.secrets.write() else {
            return;
        };
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"').to_owned();
        let debug = format!("{secret:?}").trim_matches('"').to_owned();
        for form in [secret.to_owned(), json, debug] {
            if !secrets.contains(&form) {
                secrets.push(form);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        if secrets.len() > MAX_SECRETS {
            let excess = secrets.len() - MAX_SECRETS;
            // Shortest entries go first: they are the least specific and cheapest to lose.
            let keep = secrets.len() - excess;
            secrets.truncate(keep);
        }
    }

    pub fn secret_count(&self) -> usize {
        self.secrets.read().map(|s| s.len()).unwrap_or(0)
    }

    /// The text with every recognised secret masked.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        if let Ok(secrets) = self.secrets.read() {
            for secret in secrets.iter() {
                if out.contains(secret.as_str()) {
                    out = Cow::Owned(out.replace(secret.as_str(), MASK));
                }
            }
        }
        let ranges = sensitive_ranges(&out);
        if ranges.is_empty() {
            return out;
        }
        let mut masked = String::with_capacity(out.len());
        let mut at = 0;
        for (start, end, mask) in ranges {
            masked.push_str(&out[at..start]);
            masked.push_str(mask);
            at = end;
        }
        masked.push_str(&out[at..]);
        Cow::Owned(masked)
    }
}

/// Byte ranges to replace, sorted and non-overlapping, with their replacement.
fn sensitive_ranges(text: &str) -> Vec<(usize, usize, &'static str)> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    for key in SENSITIVE_KEYS {
        for (pos, _) in lower.match_indices(key) {
            // `password_grant` or `xauthorization` are other words.
            let before = pos.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            if let Some(range) = value_after_key(bytes, pos + key.len()) {
                ranges.push((range.0, range.1, MASK));
            }
        }
    }
    for scheme in ["bearer ", "basic "] {
        for (pos, _) in lower.match_indices(scheme) {
            let start = pos + scheme.len();
            let end = scan(bytes, start, is_token_byte);
            if end > start && credential_like(scheme, &text[start..end]) {
                ranges.push((start, end, MASK));
            }
        }
    }
    for (pos, _) in text.match_indices("eyJ") {
        if let Some(end) = jwt_end(bytes, pos) {
            ranges.push((pos, end, "[REDACTED-JWT]"));
        }
    }
    ranges.sort_by_key(|r| (r.0, std::cmp::Reverse(r.1)));
    let mut merged: Vec<(usize, usize, &'static str)> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.0 <= last.1 => {
                if r.1 > last.1 {
                    last.1 = r.1;
                }
            }
            _ => merged.push(r),
        }
    }
    merged
}

/// After a sensitive key: optional quotes, backslashes (JSON-escaped quotes) and spaces, then
/// `:` or `=`, then the value up to a delimiter.
fn value_after_key(bytes: &[u8], mut i: usize) -> Option<(usize, usize)> {
    i = scan(bytes, i, |b| matches!(b, b'"' | b'\\' | b' ' | b'\''));
    if !matches!(bytes.get(i), Some(b':' | b'=')) {
        return None;
    }
    i += 1;
    i = scan(bytes, i, |b| matches!(b, b'"' | b'\\' | b' ' | b'\''));
    // Already masked (by a registered secret or an earlier pass): leave it.
    if bytes[i..].starts_with(b"[REDACTED") {
        return None;
    }
    let end = scan(bytes, i, |b| {
        !matches!(
            b,
            b'"' | b'\\' | b'\'' | b',' | b'}' | b']' | b';' | b'&' | b'\n' | b'\r'
        )
    });
    (end > i).then_some((i, end))
}

fn scan(bytes: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Whether the word after `Bearer`/`Basic` is a credential rather than prose ("Basic
/// authentication failed"): a Basic credential decodes to `user:password`; bearer tokens are
/// long.
fn credential_like(scheme: &str, word: &str) -> bool {
    if scheme == "basic " {
        base64::engine::general_purpose::STANDARD
            .decode(word)
            .is_ok_and(|raw| raw.contains(&b':'))
    } else {
        word.len() >= 16
    }
}

/// End of a JWT starting at `start` (`eyJ…` header, `.` payload, `.` optional signature).
fn jwt_end(bytes: &[u8], start: usize) -> Option<usize> {
    let b64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let header_end = scan(bytes, start, b64url);
    if header_end - start < 8 || bytes.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = scan(bytes, header_end + 1, b64url);
    if payload_end == header_end + 1 || bytes.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some(scan(bytes, payload_end + 1, b64url))
}

/// A [`MakeWriter`] whose writers buffer one event and write it redacted.
#[derive(Debug, Clone)]
pub struct RedactingMakeWriter<M> {
    inner: M,
    redactor: Redactor,
}

impl<M> RedactingMakeWriter<M> {
    pub fn new(inner: M, redactor: Redactor) -> Self {
        Self { inner, redactor }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMakeWriter<M> {
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            inner: self.inner.make_writer(),
            buffer: Vec::new(),
            redactor: self.redactor.clone(),
        }
    }
}

/// Buffers what the formatter writes and emits it redacted on flush or drop; a secret split
/// across two `write` calls is still seen whole.
pub struct RedactingWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
    redactor: Redactor,
}

impl<W: Write> RedactingWriter<W> {
    fn emit(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer).into_owned();
        self.buffer.clear();
        let redacted = self.redactor.redact(&text);
        self.inner.write_all(redacted.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.emit()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        // Nowhere to report a failed log write; losing the line is the only option.
        let _ = self.emit();
    }
}

/// A subscriber writing redacted lines to `writer` in `format`.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    redactor: Redactor,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactingMakeWriter::new(writer, redactor))
        .with_ansi(false)
        .with_target(true);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}

/// Installs the process-wide logger on stderr.
pub fn init(
    format: LogFormat,
    filter: EnvFilter,
    redactor: Redactor,
) -> Result<(), TelemetryError> {
    tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, redactor))
        .map_err(|_| TelemetryError::AlreadyInstalled)
}

/// Header carrying the request id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The caller's request id when it is short and plain (so it cannot inject log lines),
/// otherwise a fresh one.
pub fn request_id(incoming: Option<&[u8]>) -> String {
    match incoming {
        Some(raw)
            if !raw.is_empty()
                && raw.len() <= 64
                && raw.iter().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
                }) =>
        {
            String::from_utf8_lossy(raw).into_owned()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Capture {
        fn text(&self) -> String {
            let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
            String::from_utf8(bytes).expect("utf-8 logs")
        }
    }

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Capture {
            self.clone()
        }
    }

    const JWT: &str =
        "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2lnbmF0dXJlLWJ5dGVz";

    #[test]
    fn masks_headers_schemes_jwts_and_form_fields() {
        let r = Redactor::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("alice:Hunter2!");
        let cases = [
            format!("Authorization: Basic {basic}"),
            format!(r#"headers: {{"authorization": "Basic {basic}", "host": "x"}}"#),
            format!(r#"{{"message":"hdr {{\"authorization\": \"Basic {basic}\"}}"}}"#),
            format!("sent Bearer {JWT} upstream"),
            format!("token {JWT}"),
            "grant_type=password&username=a&password=Hunter2!&scope=x".to_owned(),
            "client_secret=s3cr3t-value&client_id=abc".to_owned(),
        ];
        for line in &cases {
            let out = r.redact(line);
            for secret in [basic.as_str(), JWT, "Hunter2!", "s3cr3t-value"] {
                assert!(!out.contains(secret), "{secret} leaked in {out:?}");
            }
            assert!(out.contains("[REDACTED"), "nothing masked in {out:?}");
        }
        // What is not secret survives, so logs stay useful.
        let out = r.redact("client_secret=s3cr3t-value&client_id=abc");
        assert!(out.ends_with("&client_id=abc"), "{out}");
        let out = r.redact(r#"{"authorization": "Basic x", "host": "x"}"#);
        assert!(out.contains(r#""host": "x""#), "{out}");
    }

    #[test]
    fn prose_about_credentials_is_left_alone() {
        let r = Redactor::new();
        for line in [
            "Basic authentication failed for alice",
            "password grant refused: invalid_grant",
            "using the password_grant flow",
            "Bearer token rejected",
            "eyJ is how JWTs start",
        ] {
            assert_eq!(r.redact(line), line);
        }
    }

    #[test]
    fn registered_secrets_are_masked_in_every_encoding() {
        let r = Redactor::new();
        let secret = r#"pa"ss\word"#;
        r.register(secret);
        r.register("ab"); // too short to search for
        assert_eq!(r.secret_count(), 2, "raw and escaped forms");
        let json = serde_json::to_string(secret).expect("json");
        for line in [
            format!("raw {secret} end"),
            format!(r#"{{"field":{json}}}"#),
            format!("debug {secret:?}"),
        ] {
            let out = r.redact(&line);
            assert!(
                !out.contains(secret) && !out.contains(json.trim_matches('"')),
                "{out}"
            );
        }
        assert_eq!(r.redact("ab cd"), "ab cd");
        // Redacting is idempotent: the mask itself triggers nothing.
        let once = r
            .redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")
            .into_owned();
        assert_eq!(r.redact(&once), once);
    }

    #[test]
    fn secret_registry_is_bounded() {
        let r = Redactor::new();
        for i in 0..(MAX_SECRETS + 100) {
            r.register(&format!("secret-number-{i:05}"));
        }
        assert_eq!(r.secret_count(), MAX_SECRETS);
    }

    fn log_everything(secret: &str, basic: &str) {
        let span = tracing::info_span!("request", request_id = "req-42");
        let _entered = span.enter();
        tracing::debug!(authorization = %format!("Basic {basic}"), "incoming request");
        tracing::debug!(client_secret = secret, "token request");
        tracing::info!("upstream said: Bearer {JWT}");
        tracing::debug!(body = %format!("password={secret}&user=alice"), "form");
        tracing::warn!(detail = ?secret, "something went wrong with {secret}");
    }

    #[test]
    fn both_formats_write_nothing_secret_at_debug_level() {
        let secret = "Sup3r-S3cret-Value";
        let basic = base64::engine::general_purpose::STANDARD.encode("alice:Hunter2!");
        for format in [LogFormat::Text, LogFormat::Json] {
            let capture = Capture::default();
            let redactor = Redactor::new();
            redactor.register(secret);
            let filter = env_filter(|_| None, "debug").expect("filter");
            let sub = subscriber(format, filter, capture.clone(), redactor);
            tracing::subscriber::with_default(sub, || log_everything(secret, &basic));
            let text = capture.text();
            assert_eq!(
                text.lines().count(),
                5,
                "{format:?}: every event written\n{text}"
            );
            for needle in [secret, basic.as_str(), JWT, "Hunter2!"] {
                assert!(
                    !text.contains(needle),
                    "{format:?} leaked {needle}:\n{text}"
                );
            }
            assert!(text.contains("req-42"), "request id in every line\n{text}");
            if format == LogFormat::Json {
                for line in text.lines() {
                    serde_json::from_str::<serde_json::Value>(line)
                        .unwrap_or_else(|e| panic!("not JSON after redaction ({e}): {line}"));
                }
            }
        }
    }

    #[test]
    fn filter_prefers_exomig_log_over_rust_log() {
        let capture = Capture::default();
        let env = |name: &str| match name {
            "EXOMIG_LOG" => Some("warn".to_owned()),
            "RUST_LOG" => Some("trace".to_owned()),
            _ => None,
        };
        let filter = env_filter(env, "info").expect("filter");
        let sub = subscriber(LogFormat::Text, filter, capture.clone(), Redactor::new());
        tracing::subscriber::with_default(sub, || {
            tracing::info!("hidden");
            tracing::warn!("shown");
        });
        let text = capture.text();
        assert!(text.contains("shown") && !text.contains("hidden"), "{text}");
        assert!(matches!(
            env_filter(|_| Some("=[[bad".to_owned()), "info"),
            Err(TelemetryError::Filter { .. })
        ));
        assert_eq!("JSON".parse::<LogFormat>().ok(), Some(LogFormat::Json));
        assert!("xml".parse::<LogFormat>().is_err());
    }

    #[test]
    fn request_ids_are_kept_only_when_plain() {
        assert_eq!(request_id(Some(b"abc-123")), "abc-123");
        let fresh = request_id(Some(b"evil\nline"));
        assert_eq!(fresh.len(), 32);
        assert!(fresh.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(request_id(None), request_id(None));
        assert_eq!(request_id(Some(&[b'a'; 65])).len(), 32);
    }
}
