//! The direct path: InvokeCommand against the emulator with a bearer token, as the
//! ExchangeOnlineManagement module calls the REST API (no proxy in between).

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};

use crate::cli::CmdletSpec;

/// The module's public client id, accepted by the password grant.
const EXO_PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";
const SCOPE: &str = "https://outlook.office365.com/.default";

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("token endpoint answered {status}: {body}")]
    Token { status: u16, body: String },
    #[error("InvokeCommand answered {status}: {body}")]
    Invoke { status: u16, body: String },
    #[error("InvokeCommand answered something that is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("a value not allowed in a header: {0}")]
    Header(#[from] reqwest::header::InvalidHeaderValue),
}

/// `application/x-www-form-urlencoded` escaping of one value.
pub fn form_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub struct RestClient {
    http: reqwest::Client,
    invoke_url: String,
    bearer: HeaderValue,
}

impl RestClient {
    /// Gets a token with the password grant (once; the emulator's tokens live an hour).
    pub async fn connect(
        base: &str,
        tenant: &str,
        user: &str,
        password: &str,
    ) -> Result<Self, RestError> {
        let base = base.trim_end_matches('/');
        let http = reqwest::Client::builder().build()?;
        let form = format!(
            "grant_type=password&client_id={}&username={}&password={}&scope={}",
            EXO_PUBLIC_CLIENT_ID,
            form_escape(user),
            form_escape(password),
            form_escape(SCOPE)
        );
        let response = http
            .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        if status != 200 {
            return Err(RestError::Token { status, body });
        }
        let json: serde_json::Value = serde_json::from_str(&body)?;
        let Some(token) = json.get("access_token").and_then(|t| t.as_str()) else {
            return Err(RestError::Token {
                status,
                body: "no access_token".into(),
            });
        };
        let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))?;
        bearer.set_sensitive(true);
        Ok(Self {
            http,
            invoke_url: format!("{base}/adminapi/beta/{tenant}/InvokeCommand"),
            bearer,
        })
    }

    /// The per-cmdlet headers and body, built once per cmdlet line (the module builds them
    /// per call too, but that is microseconds and the same work the proxy does).
    pub fn prepare(&self, cmdlet: &CmdletSpec) -> Result<Prepared, RestError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert("Accept", HeaderValue::from_static("application/json"));
        headers.insert("X-ResponseFormat", HeaderValue::from_static("json"));
        headers.insert("X-CmdletName", HeaderValue::from_str(&cmdlet.name)?);
        let page = cmdlet.result_size().unwrap_or(1000).clamp(1, 1000);
        headers.insert(
            "Prefer",
            HeaderValue::from_str(&format!("odata.maxpagesize={page}"))?,
        );
        headers.insert(AUTHORIZATION, self.bearer.clone());
        Ok(Prepared {
            headers,
            body: serde_json::to_vec(&cmdlet.to_rest_body())?,
        })
    }

    /// One call; returns the number of objects in `value` (the answer is parsed, as any
    /// client has to).
    pub async fn invoke(&self, prepared: &Prepared) -> Result<usize, RestError> {
        let response = self
            .http
            .post(&self.invoke_url)
            .headers(prepared.headers.clone())
            .body(prepared.body.clone())
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        if status != 200 {
            return Err(RestError::Invoke {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        let json: serde_json::Value = serde_json::from_slice(&bytes)?;
        Ok(json
            .get("value")
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len))
    }
}

pub struct Prepared {
    headers: HeaderMap,
    body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::form_escape;

    #[test]
    fn form_values() {
        assert_eq!(form_escape("Passw0rd!"), "Passw0rd%21");
        assert_eq!(form_escape("a b&c=d"), "a+b%26c%3Dd");
        assert_eq!(
            form_escape("https://outlook.office365.com/.default"),
            "https%3A%2F%2Foutlook.office365.com%2F.default"
        );
        assert_eq!(form_escape("ü"), "%C3%BC");
    }
}
