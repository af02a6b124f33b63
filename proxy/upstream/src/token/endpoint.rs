//! Shared plumbing for token endpoints: the HTTP client, hand-built form posts (for the
//! grants `oauth2` has no typed support for) and response parsing.

use std::time::Duration;

use base64::Engine as _;
use oauth2::basic::BasicErrorResponse;
use oauth2::{HttpClientError, RequestTokenError};
use secrecy::SecretString;
use serde::Deserialize;

use super::{AccessToken, TokenError};

/// An HTTP client fit for token endpoints: no redirects (a redirected token request could
/// leak credentials to another host, as the oauth2 crate warns) and bounded timeouts.
pub fn default_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        // Only TLS backend initialisation can fail here; fall back to reqwest's default
        // client rather than panic.
        .unwrap_or_default()
}

/// A token endpoint's success body. `expires_in` is a number from Entra ID but a string from
/// the managed-identity endpoints, so both are accepted.
#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    expires_in: Option<NumberOrString>,
    #[serde(default)]
    expires_on: Option<NumberOrString>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(u64),
    Text(String),
}

impl NumberOrString {
    fn as_u64(&self) -> Option<u64> {
        match self {
            NumberOrString::Number(n) => Some(*n),
            NumberOrString::Text(s) => s.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Turns a token endpoint answer into a token or a typed error.
pub(crate) fn parse_token_response(status: u16, body: &[u8]) -> Result<AccessToken, TokenError> {
    if (200..300).contains(&status) {
        let parsed: TokenBody =
            serde_json::from_slice(body).map_err(|e| TokenError::InvalidResponse {
                status,
                detail: format!("not a token response: {e}"),
            })?;
        let expires_in = parsed
            .expires_in
            .as_ref()
            .and_then(NumberOrString::as_u64)
            .or_else(|| {
                // Managed identity may send only `expires_on` (Unix seconds).
                parsed
                    .expires_on
                    .as_ref()
                    .and_then(NumberOrString::as_u64)
                    .map(|on| on.saturating_sub(super::unix_now()))
            });
        return Ok(AccessToken::new(
            SecretString::from(parsed.access_token),
            expires_in.map(Duration::from_secs),
        ));
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(err) => Err(TokenError::Rejected {
            status: Some(status),
            error: err.error,
            description: err.error_description.unwrap_or_default(),
        }),
        Err(_) => Err(TokenError::InvalidResponse {
            status,
            detail: snippet(body),
        }),
    }
}

/// POSTs an `application/x-www-form-urlencoded` body and parses the answer.
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<AccessToken, TokenError> {
    let response = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| TokenError::Transport(transport_detail(&e)))?;
    read_token_response(response).await
}

pub(crate) async fn read_token_response(
    response: reqwest::Response,
) -> Result<AccessToken, TokenError> {
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| TokenError::Transport(transport_detail(&e)))?;
    parse_token_response(status, &body)
}

/// The result of an `oauth2` token request as our token (shared by the grants `oauth2` types).
pub(crate) fn token_from_oauth2(
    result: Result<
        oauth2::basic::BasicTokenResponse,
        RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>,
    >,
) -> Result<AccessToken, TokenError> {
    use oauth2::TokenResponse as _;
    let response = result.map_err(from_oauth2)?;
    Ok(AccessToken::new(
        SecretString::from(response.access_token().secret().clone()),
        response.expires_in(),
    ))
}

/// Maps the oauth2 crate's error onto ours. oauth2 hides the HTTP status of error
/// responses, so transient-ness is judged from the OAuth2 error code instead.
pub(crate) fn from_oauth2(
    err: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>,
) -> TokenError {
    match err {
        RequestTokenError::ServerResponse(resp) => TokenError::Rejected {
            status: None,
            error: resp.error().to_string(),
            description: resp.error_description().cloned().unwrap_or_default(),
        },
        RequestTokenError::Request(e) => TokenError::Transport(e.to_string()),
        // An unparsable or empty error body is typically a gateway or proxy page: treat it
        // like a server-side failure so that it is retried.
        RequestTokenError::Parse(e, body) => TokenError::InvalidResponse {
            status: 502,
            detail: format!("{e}: {}", snippet(&body)),
        },
        RequestTokenError::Other(detail) => TokenError::InvalidResponse {
            status: 502,
            detail,
        },
    }
}

fn transport_detail(e: &reqwest::Error) -> String {
    // reqwest's Display omits the cause chain ("error sending request"); the source says why.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    detail
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        cut.push('…');
    }
    cut
}

/// Decodes a JWT's claims without verifying it: only for reading `exp`, `tid` or `upn`
/// of a token we forward anyway. Returns `None` when the token is not a JWT.
pub fn jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}
