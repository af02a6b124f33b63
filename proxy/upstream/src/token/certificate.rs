//! Client credentials with a certificate: a signed JWT client assertion (exo-rest.md §5.6).
//!
//! Hand-built form post: the `oauth2` crate has no client-assertion authentication type.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha1::Digest as _;

use super::endpoint::{default_http_client, post_form};
use super::{unix_now, AccessToken, BoxFuture, CacheKey, FetchOptions, TokenError, TokenSource};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Entra ID accepts assertions valid for up to ten minutes.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// How the client assertion is signed. Current Entra ID docs use PS256 with `x5t#S256`;
/// older docs and MSAL use RS256 with `x5t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssertionAlgorithm {
    #[default]
    Ps256,
    Rs256,
}

impl AssertionAlgorithm {
    fn jwt_header(self, credential: &CertificateCredential) -> Header {
        match self {
            AssertionAlgorithm::Ps256 => {
                let mut header = Header::new(Algorithm::PS256);
                header.x5t_s256 = Some(credential.x5t_s256.clone());
                header
            }
            AssertionAlgorithm::Rs256 => {
                let mut header = Header::new(Algorithm::RS256);
                header.x5t = Some(credential.x5t.clone());
                header
            }
        }
    }
}

/// An RSA private key and its certificate. `Debug` shows only the thumbprints.
#[derive(Clone)]
pub struct CertificateCredential {
    key: EncodingKey,
    cert_der: Vec<u8>,
    x5t: String,
    x5t_s256: String,
}

impl CertificateCredential {
    /// From a DER certificate and a PKCS#8 DER private key.
    pub fn from_der(cert_der: Vec<u8>, pkcs8_key_der: &[u8]) -> Result<Self, TokenError> {
        let key = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8_key_der).map_err(|e| {
            TokenError::Certificate(format!("private key is not a PKCS#8 RSA key: {e}"))
        })?;
        Self::from_rsa_key(cert_der, &key)
    }

    fn from_rsa_key(cert_der: Vec<u8>, key: &rsa::RsaPrivateKey) -> Result<Self, TokenError> {
        // jsonwebtoken (through ring) signs with PKCS#1 DER keys only.
        let pkcs1 = key
            .to_pkcs1_der()
            .map_err(|e| TokenError::Certificate(format!("cannot encode the private key: {e}")))?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Ok(CertificateCredential {
            key: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            x5t: b64.encode(sha1::Sha1::digest(&cert_der)),
            x5t_s256: b64.encode(sha2::Sha256::digest(&cert_der)),
            cert_der,
        })
    }

    /// From PEM text holding the certificate and the key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8
    /// `PRIVATE KEY`), in one buffer or two.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, TokenError> {
        let mut cert: Option<Vec<u8>> = None;
        let mut key: Option<rsa::RsaPrivateKey> = None;
        for buffer in [cert_pem, key_pem] {
            for item in rustls_pemfile::read_all(&mut &buffer[..]) {
                let item = item.map_err(|e| TokenError::Certificate(format!("bad PEM: {e}")))?;
                match item {
                    rustls_pemfile::Item::X509Certificate(der) if cert.is_none() => {
                        cert = Some(der.as_ref().to_vec());
                    }
                    rustls_pemfile::Item::Pkcs8Key(der) if key.is_none() => {
                        key = Some(
                            rsa::RsaPrivateKey::from_pkcs8_der(der.secret_pkcs8_der()).map_err(
                                |e| TokenError::Certificate(format!("PKCS#8 key is not RSA: {e}")),
                            )?,
                        );
                    }
                    rustls_pemfile::Item::Pkcs1Key(der) if key.is_none() => {
                        use rsa::pkcs1::DecodeRsaPrivateKey as _;
                        key = Some(
                            rsa::RsaPrivateKey::from_pkcs1_der(der.secret_pkcs1_der()).map_err(
                                |e| TokenError::Certificate(format!("bad PKCS#1 key: {e}")),
                            )?,
                        );
                    }
                    _ => {}
                }
            }
        }
        let cert =
            cert.ok_or_else(|| TokenError::Certificate("no CERTIFICATE in the PEM".into()))?;
        let key = key.ok_or_else(|| {
            TokenError::Certificate("no RSA PRIVATE KEY or PRIVATE KEY in the PEM".into())
        })?;
        Self::from_rsa_key(cert, &key)
    }

    /// From a PKCS#12 (PFX) archive: the first private key and its leaf certificate.
    pub fn from_pfx(pfx: &[u8], password: &SecretString) -> Result<Self, TokenError> {
        let store = p12_keystore::KeyStore::from_pkcs12(
            pfx,
            password.expose_secret(),
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|e| TokenError::Certificate(format!("cannot open the PFX: {e}")))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or_else(|| TokenError::Certificate("the PFX holds no private key".into()))?;
        let cert = chain
            .certs()
            .first()
            .ok_or_else(|| TokenError::Certificate("the PFX key has no certificate".into()))?;
        Self::from_der(cert.as_der().to_vec(), chain.key().as_der())
    }

    /// From a file: PEM (certificate and key together) when it looks like PEM, PFX otherwise
    /// (with `password`, empty when `None`).
    pub fn from_file(path: &Path, password: Option<&SecretString>) -> Result<Self, TokenError> {
        let bytes = std::fs::read(path)
            .map_err(|e| TokenError::Certificate(format!("{}: {e}", path.display())))?;
        if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            Self::from_pem(&bytes, &bytes)
        } else {
            let empty = SecretString::from(String::new());
            Self::from_pfx(&bytes, password.unwrap_or(&empty))
        }
    }

    /// base64url(SHA-1 of the certificate DER): the `x5t` header.
    pub fn x5t(&self) -> &str {
        &self.x5t
    }

    /// base64url(SHA-256 of the certificate DER): the `x5t#S256` header.
    pub fn x5t_s256(&self) -> &str {
        &self.x5t_s256
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// A signed client assertion for `client_id`, addressed to `audience` (the token URL).
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        algorithm: AssertionAlgorithm,
    ) -> Result<String, TokenError> {
        #[derive(Serialize)]
        struct Claims<'a> {
            aud: &'a str,
            iss: &'a str,
            sub: &'a str,
            jti: String,
            nbf: u64,
            iat: u64,
            exp: u64,
        }
        let now = unix_now();
        let claims = Claims {
            aud: audience,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&algorithm.jwt_header(self), &claims, &self.key)
            .map_err(|e| TokenError::Certificate(format!("cannot sign the assertion: {e}")))
    }
}

impl fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("key", &"[REDACTED]")
            .field("x5t", &self.x5t)
            .field("x5t#S256", &self.x5t_s256)
            .finish()
    }
}

/// `grant_type=client_credentials` with a certificate-signed client assertion.
#[derive(Debug)]
pub struct ClientCertificate {
    client_id: String,
    credential: Arc<CertificateCredential>,
    tenant: String,
    token_url: String,
    scope: String,
    algorithm: AssertionAlgorithm,
    fallback: bool,
    /// Set once PS256 was refused and RS256 worked, so later fetches skip the doomed try.
    use_rs256: AtomicBool,
    http: reqwest::Client,
}

impl ClientCertificate {
    pub fn new(
        client_id: impl Into<String>,
        credential: Arc<CertificateCredential>,
        tenant: impl Into<String>,
        token_url: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        ClientCertificate {
            client_id: client_id.into(),
            credential,
            tenant: tenant.into(),
            token_url: token_url.into(),
            scope: scope.into(),
            algorithm: AssertionAlgorithm::Ps256,
            fallback: true,
            use_rs256: AtomicBool::new(false),
            http: default_http_client(),
        }
    }

    /// The first algorithm to try (PS256 by default).
    pub fn with_algorithm(mut self, algorithm: AssertionAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Whether a PS256 assertion refused by the identity provider is retried once with
    /// RS256 (on by default).
    pub fn with_rs256_fallback(mut self, enabled: bool) -> Self {
        self.fallback = enabled;
        self
    }

    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    async fn request_with(
        &self,
        algorithm: AssertionAlgorithm,
        options: &FetchOptions,
    ) -> Result<AccessToken, TokenError> {
        let assertion = self
            .credential
            .assertion(&self.client_id, &self.token_url, algorithm)?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
            ("scope", self.scope.as_str()),
        ];
        if let Some(claims) = &options.claims {
            form.push(("claims", claims.as_str()));
        }
        post_form(&self.http, &self.token_url, &form).await
    }

    async fn request(&self, options: &FetchOptions) -> Result<AccessToken, TokenError> {
        let first = if self.use_rs256.load(Ordering::Relaxed) {
            AssertionAlgorithm::Rs256
        } else {
            self.algorithm
        };
        match self.request_with(first, options).await {
            Err(err)
                if first == AssertionAlgorithm::Ps256
                    && self.fallback
                    && is_assertion_refusal(&err) =>
            {
                tracing::debug!(error = %err, "PS256 client assertion refused; retrying with RS256");
                let token = self
                    .request_with(AssertionAlgorithm::Rs256, options)
                    .await?;
                self.use_rs256.store(true, Ordering::Relaxed);
                Ok(token)
            }
            other => other,
        }
    }
}

/// A definite refusal of the client's authentication (as opposed to an outage), which a
/// different signature algorithm might fix.
fn is_assertion_refusal(err: &TokenError) -> bool {
    matches!(err, TokenError::Rejected { status: Some(400 | 401), error, .. }
        if error == "invalid_client" || error == "invalid_request" || error == "unauthorized_client")
}

impl TokenSource for ClientCertificate {
    fn fetch<'a>(
        &'a self,
        options: &'a FetchOptions,
    ) -> BoxFuture<'a, Result<AccessToken, TokenError>> {
        Box::pin(self.request(options))
    }

    fn cache_key(&self) -> CacheKey {
        CacheKey {
            identity: format!("app:{}:cert:{}", self.client_id, self.credential.x5t),
            tenant: self.tenant.clone(),
            scope: self.scope.clone(),
        }
    }

    fn supports_claims(&self) -> bool {
        true
    }
}
