//! A tiny HTTP server on 127.0.0.1:0 for tests: records every request and answers with a
//! closure. Never binds a non-loopback address.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// Decoded `application/x-www-form-urlencoded` fields.
    pub fn form(&self) -> Vec<(String, String)> {
        url_decode_pairs(std::str::from_utf8(&self.body).expect("form is UTF-8"))
    }

    pub fn form_field(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn query(&self) -> Vec<(String, String)> {
        self.target
            .split_once('?')
            .map(|(_, q)| url_decode_pairs(q))
            .unwrap_or_default()
    }
}

fn url_decode_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The answer to give.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(&value).expect("serialisable"),
        }
    }

    pub fn text(status: u16, text: &str) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A token endpoint success body.
    pub fn token(access_token: &str, expires_in: u64) -> Self {
        Reply::json(
            200,
            serde_json::json!({
                "token_type": "Bearer",
                "expires_in": expires_in,
                "ext_expires_in": expires_in,
                "access_token": access_token,
            }),
        )
    }

    /// An InvokeCommand success page without objects or warnings.
    pub fn empty_page() -> Self {
        Self::page(Vec::new(), None, &[])
    }

    /// An InvokeCommand success page.
    pub fn page(
        values: Vec<serde_json::Value>,
        next_link: Option<String>,
        warnings: &[&str],
    ) -> Self {
        let mut body = serde_json::json!({
            "@odata.context": "http://mock/adminapi/beta/t/$metadata#Collection(Exchange.GenericHashTable)",
            "adminapi.warnings@odata.type": "#Collection(String)",
            "@adminapi.warnings": warnings,
            "value": values,
        });
        if let Some(link) = next_link {
            body["@odata.nextLink"] = serde_json::Value::from(link);
        }
        Reply::json(200, body)
    }

    /// The Exchange error object with `ErrorId|Class|Text` in `details[0].message`.
    pub fn exo_error(status: u16, id: &str, class: &str, text: &str) -> Self {
        Reply::json(
            status,
            serde_json::json!({
                "error": {
                    "code": "Error",
                    "message": "Error executing cmdlet",
                    "details": [{ "code": "Client", "target": "", "message": format!("{id}|{class}|{text}") }],
                    "innererror": { "message": text, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException" }
                },
                "adminapi.warnings@odata.type": "#Collection(String)",
                "@adminapi.warnings": []
            }),
        )
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A running mock; stops when dropped (the task is aborted).
pub struct MockServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    /// `handler` gets each request and its 0-based index.
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let handler = Arc::clone(&handler);
                        let log = Arc::clone(&log);
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let recorded = Recorded {
                                method: parts.method.to_string(),
                                target: parts
                                    .uri
                                    .path_and_query()
                                    .map(|p| p.to_string())
                                    .unwrap_or_default(),
                                headers: parts.headers,
                                body,
                            };
                            let index = {
                                let mut log = log.lock().expect("log lock");
                                log.push(recorded.clone());
                                log.len() - 1
                            };
                            let reply = handler(&recorded, index);
                            let mut builder = Response::builder().status(reply.status);
                            for (name, value) in &reply.headers {
                                builder = builder.header(name, value);
                            }
                            Ok::<_, Infallible>(
                                builder
                                    .body(Full::new(Bytes::from(reply.body)))
                                    .expect("response"),
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        MockServer {
            addr,
            requests,
            task,
        }
    }

    /// Answers the first `n` requests with `failure()`, every later one with an empty page.
    pub async fn failing_first(
        n: usize,
        failure: impl Fn() -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::start(move |_, i| {
            if i < n {
                failure()
            } else {
                Reply::empty_page()
            }
        })
        .await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("log lock").clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().expect("log lock").len()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The test RSA key (PKCS#8 PEM) and a self-signed certificate for it made with rcgen.
pub fn test_certificate() -> (String, String) {
    let key_pem = include_str!("../fixtures/test-rsa-key.pem").to_owned();
    let key_pair = rcgen::KeyPair::from_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256)
        .expect("rcgen reads the RSA key");
    let cert = rcgen::CertificateParams::new(vec!["exomig-upstream-test".to_owned()])
        .expect("params")
        .self_signed(&key_pair)
        .expect("self-signed certificate");
    (cert.pem(), key_pem)
}

/// A scripted token source: answers from `script` in order (the last entry repeats), counts
/// fetches, and can take a while to answer.
#[derive(Debug)]
pub struct ScriptedSource {
    pub key: String,
    pub script: Vec<Result<(String, Option<std::time::Duration>), exomig_upstream::TokenError>>,
    pub delay: std::time::Duration,
    pub fetches: std::sync::atomic::AtomicUsize,
    pub claims_seen: Mutex<Vec<Option<String>>>,
}

impl ScriptedSource {
    pub fn new(
        script: Vec<Result<(String, Option<std::time::Duration>), exomig_upstream::TokenError>>,
    ) -> Self {
        ScriptedSource {
            key: "scripted".into(),
            script,
            delay: std::time::Duration::ZERO,
            fetches: std::sync::atomic::AtomicUsize::new(0),
            claims_seen: Mutex::new(Vec::new()),
        }
    }

    /// Always the same token, valid for an hour.
    pub fn fixed(token: &str) -> Self {
        Self::new(vec![Ok((
            token.to_owned(),
            Some(std::time::Duration::from_secs(3600)),
        ))])
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl exomig_upstream::TokenSource for ScriptedSource {
    fn fetch<'a>(
        &'a self,
        options: &'a exomig_upstream::FetchOptions,
    ) -> exomig_upstream::token::BoxFuture<
        'a,
        Result<exomig_upstream::AccessToken, exomig_upstream::TokenError>,
    > {
        Box::pin(async move {
            let n = self
                .fetches
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.claims_seen
                .lock()
                .expect("lock")
                .push(options.claims.clone());
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            let step = self
                .script
                .get(n)
                .or(self.script.last())
                .expect("non-empty script")
                .clone();
            step.map(|(token, expires_in)| {
                exomig_upstream::AccessToken::new(secrecy::SecretString::from(token), expires_in)
            })
        })
    }

    fn cache_key(&self) -> exomig_upstream::token::CacheKey {
        exomig_upstream::token::CacheKey {
            identity: self.key.clone(),
            tenant: "t".into(),
            scope: "s".into(),
        }
    }

    fn supports_claims(&self) -> bool {
        true
    }
}

/// A transient token failure like an identity provider outage.
pub fn outage() -> exomig_upstream::TokenError {
    exomig_upstream::TokenError::Rejected {
        status: Some(503),
        error: "temporarily_unavailable".into(),
        description: "AADSTS90033: A transient error has occurred.".into(),
    }
}

/// Retries as the module does (count), with millisecond waits so tests stay fast.
pub fn fast_config() -> exomig_upstream::ExoClientConfig {
    exomig_upstream::ExoClientConfig {
        retry: exomig_upstream::RetryPolicy {
            max_retries: 5,
            base_delay: std::time::Duration::from_millis(5),
            max_delay: std::time::Duration::from_millis(200),
        },
        ..exomig_upstream::ExoClientConfig::default()
    }
}

/// A client for `server` with [`fast_config`] and an empty token cache.
pub fn mock_client(server: &MockServer) -> exomig_upstream::ExoClient {
    exomig_upstream::ExoClient::new(
        &server.url(),
        std::sync::Arc::new(exomig_upstream::TokenCache::default()),
    )
    .expect("client")
    .with_config(fast_config())
}

/// A call context for the test tenant whose token source always answers `token`.
pub fn fixed_ctx(token: &str) -> exomig_upstream::CallContext {
    exomig_upstream::CallContext::new(
        "contoso.onmicrosoft.com",
        std::sync::Arc::new(ScriptedSource::fixed(token)),
    )
}

/// `cmdlet` without parameters through a fresh [`mock_client`] for `server`.
pub async fn call(
    server: &MockServer,
    cmdlet: &str,
) -> Result<exomig_upstream::CmdletResult, exomig_upstream::ExoError> {
    mock_client(server)
        .invoke(&fixed_ctx("t"), cmdlet, &exomig_upstream::Parameters::new())
        .await
}
