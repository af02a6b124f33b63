//! The identity provider: the token endpoint, the tokens it signs, and their validation.

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use http::StatusCode;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::{stable_guid, UserAccount, EXO_PUBLIC_CLIENT_ID};
use crate::error::{Error, Result};
use crate::form;
use crate::keys::SigningKey;

/// The application permission that app-only Exchange access needs.
pub const MANAGE_AS_APP_ROLE: &str = "Exchange.ManageAsApp";
/// The delegated scope carried by user tokens.
pub const MANAGE_SCOPE: &str = "Exchange.Manage";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew tolerated on `exp`/`nbf`, as Entra and Exchange do.
const LEEWAY_SECS: u64 = 30;

/// The claims of an access token, shaped like Entra ID's v1.0 tokens for Exchange.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    pub ver: String,
    pub appid: String,
    pub azp: String,
    pub appidacr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
}

impl AccessClaims {
    pub fn is_app(&self) -> bool {
        self.upn.is_none()
    }
}

/// Who a minted token speaks for.
#[derive(Clone, Debug)]
pub enum TokenSubject {
    App { client_id: String },
    User { upn: String, client_id: String },
}

/// Everything about a token a test may want to get wrong on purpose.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    pub subject: TokenSubject,
    /// `None`: the emulator's audience.
    pub audience: Option<String>,
    /// `None`: the emulator's tenant.
    pub tenant_id: Option<Uuid>,
    /// Seconds added to "now" for `iat`/`nbf` (negative: issued in the past).
    pub issued_offset_secs: i64,
    pub lifetime_secs: i64,
    /// App tokens only; `None`: `["Exchange.ManageAsApp"]`.
    pub roles: Option<Vec<String>>,
}

impl TokenSpec {
    pub fn app(client_id: impl Into<String>) -> Self {
        Self::new(TokenSubject::App {
            client_id: client_id.into(),
        })
    }

    pub fn user(upn: impl Into<String>) -> Self {
        Self::new(TokenSubject::User {
            upn: upn.into(),
            client_id: EXO_PUBLIC_CLIENT_ID.to_owned(),
        })
    }

    fn new(subject: TokenSubject) -> Self {
        Self {
            subject,
            audience: None,
            tenant_id: None,
            issued_offset_secs: 0,
            lifetime_secs: 3599,
            roles: None,
        }
    }

    /// Issued two hours ago, expired one hour ago.
    pub fn expired(mut self) -> Self {
        self.issued_offset_secs = -7200;
        self.lifetime_secs = 3600;
        self
    }
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    Missing,
    Invalid(String),
    WrongTenant,
    MissingRole,
}

/// A registered client certificate, for client assertions.
struct ClientCertificate {
    key: DecodingKey,
    x5t: String,
    x5t_s256: String,
}

impl ClientCertificate {
    fn parse(pem: &str) -> Result<Self> {
        let mut reader = pem.as_bytes();
        let der = rustls_pemfile::certs(&mut reader)
            .next()
            .ok_or_else(|| Error::Certificate("no CERTIFICATE block in the PEM".into()))?
            .map_err(|e| Error::Certificate(e.to_string()))?;
        // Re-wrap the certificate alone: the file may hold a private key before it.
        let wrapped = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            STANDARD.encode(der.as_ref())
        );
        let key = DecodingKey::from_rsa_pem(wrapped.as_bytes())
            .map_err(|e| Error::Certificate(format!("no RSA public key: {e}")))?;
        Ok(Self {
            key,
            x5t: URL_SAFE_NO_PAD.encode(Sha1::digest(der.as_ref())),
            x5t_s256: URL_SAFE_NO_PAD.encode(Sha256::digest(der.as_ref())),
        })
    }
}

pub(crate) struct IdpSettings {
    pub audience: String,
    pub tenant_id: Uuid,
    pub tenant_domain: String,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub client_certificate_pem: Option<String>,
    pub users: Vec<UserAccount>,
    pub lifetime: Duration,
}

pub(crate) struct Idp {
    key: SigningKey,
    audience: String,
    tenant_id: Uuid,
    tenant_domain: String,
    client_id: String,
    client_secret: Option<SecretString>,
    certificate: Option<ClientCertificate>,
    users: Vec<UserAccount>,
    lifetime: Duration,
}

/// An answer of the token endpoint.
pub(crate) struct TokenReply {
    pub status: StatusCode,
    pub body: Value,
}

impl Idp {
    pub fn new(key: SigningKey, settings: IdpSettings) -> Result<Self> {
        let certificate = settings
            .client_certificate_pem
            .as_deref()
            .map(ClientCertificate::parse)
            .transpose()?;
        Ok(Self {
            key,
            audience: settings.audience,
            tenant_id: settings.tenant_id,
            tenant_domain: settings.tenant_domain,
            client_id: settings.client_id,
            client_secret: settings.client_secret,
            certificate,
            users: settings.users,
            lifetime: settings.lifetime,
        })
    }

    pub fn jwks(&self) -> Value {
        self.key.jwks()
    }

    pub fn issuer(&self) -> String {
        format!("https://sts.windows.net/{}/", self.tenant_id)
    }

    /// Whether a URL segment names this tenant (its id or its domain).
    pub fn is_tenant(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.tenant_domain)
            || Uuid::parse_str(segment).is_ok_and(|id| id == self.tenant_id)
    }

    pub fn mint(&self, spec: &TokenSpec) -> Result<String, jsonwebtoken::errors::Error> {
        let now = OffsetDateTime::now_utc().unix_timestamp() + spec.issued_offset_secs;
        let tenant_id = spec.tenant_id.unwrap_or(self.tenant_id);
        let (client_id, upn, roles, scp, oid_name) = match &spec.subject {
            TokenSubject::App { client_id } => (
                client_id.clone(),
                None,
                Some(
                    spec.roles
                        .clone()
                        .unwrap_or_else(|| vec![MANAGE_AS_APP_ROLE.to_owned()]),
                ),
                None,
                format!("app:{client_id}"),
            ),
            TokenSubject::User { upn, client_id } => (
                client_id.clone(),
                Some(upn.clone()),
                None,
                Some(MANAGE_SCOPE.to_owned()),
                format!("user:{}", upn.to_ascii_lowercase()),
            ),
        };
        let oid = stable_guid(&tenant_id.to_string(), &oid_name).to_string();
        let claims = AccessClaims {
            aud: spec
                .audience
                .clone()
                .unwrap_or_else(|| self.audience.clone()),
            iss: format!("https://sts.windows.net/{tenant_id}/"),
            iat: now,
            nbf: now,
            exp: now + spec.lifetime_secs,
            tid: tenant_id.to_string(),
            sub: oid.clone(),
            oid,
            ver: "1.0".to_owned(),
            appid: client_id.clone(),
            azp: client_id,
            // 0: public client, 1: secret, 2: certificate; what matters is that it is present.
            appidacr: if upn.is_some() { "0" } else { "1" }.to_owned(),
            roles,
            scp,
            unique_name: upn.clone(),
            upn,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.key.kid.clone());
        header.typ = Some("JWT".to_owned());
        jsonwebtoken::encode(&header, &claims, &self.key.encoding)
    }

    /// Validates an `Authorization` header value for a call on `path_tenant`.
    pub fn authorize(
        &self,
        authorization: Option<&str>,
        path_tenant: &str,
    ) -> Result<AccessClaims, AuthFailure> {
        let token = authorization
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(AuthFailure::Missing)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &self.key.decoding, &validation)
            .map_err(|e| AuthFailure::Invalid(describe_jwt_error(&e)))?
            .claims;
        if claims.iss != self.issuer()
            || !claims.tid.eq_ignore_ascii_case(&self.tenant_id.to_string())
        {
            return Err(AuthFailure::WrongTenant);
        }
        if !self.is_tenant(path_tenant) {
            return Err(AuthFailure::WrongTenant);
        }
        if claims.is_app()
            && !claims
                .roles
                .as_ref()
                .is_some_and(|roles| roles.iter().any(|r| r == MANAGE_AS_APP_ROLE))
        {
            return Err(AuthFailure::MissingRole);
        }
        Ok(claims)
    }

    /// `POST /{tenant}/oauth2/v2.0/token`. `endpoint_base` is `scheme://host` as the client
    /// addressed us, for the `aud` of client assertions.
    pub fn token_endpoint(&self, tenant: &str, endpoint_base: &str, body: &[u8]) -> TokenReply {
        let generic = ["organizations", "common"];
        if !self.is_tenant(tenant) && !generic.iter().any(|g| g.eq_ignore_ascii_case(tenant)) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
            );
        }
        let pairs = form::parse(&String::from_utf8_lossy(body));
        let Some(grant) = form::get(&pairs, "grant_type") else {
            return missing_parameter("grant_type");
        };
        let Some(scope) = form::get(&pairs, "scope") else {
            return missing_parameter("scope");
        };
        let Some(client_id) = form::get(&pairs, "client_id") else {
            return missing_parameter("client_id");
        };
        match grant {
            "client_credentials" => {
                self.client_credentials(&pairs, tenant, endpoint_base, client_id, scope)
            }
            "password" => self.password(&pairs, client_id, scope),
            other => aad_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            ),
        }
    }

    fn client_credentials(
        &self,
        pairs: &[(String, String)],
        tenant: &str,
        endpoint_base: &str,
        client_id: &str,
        scope: &str,
    ) -> TokenReply {
        if !self.is_tenant(tenant) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90014,
                "The client credentials grant needs a tenant-specific authority, not /organizations or /common.",
            );
        }
        if scope.trim() != format!("{}/.default", self.audience) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1002012,
                &format!("The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
            );
        }
        if !client_id.eq_ignore_ascii_case(&self.client_id) {
            return unknown_client(client_id, &self.tenant_domain);
        }
        if let Some(assertion) = form::get(pairs, "client_assertion") {
            if form::get(pairs, "client_assertion_type") != Some(ASSERTION_TYPE) {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    50027,
                    &format!("Invalid client_assertion_type; expected '{ASSERTION_TYPE}'."),
                );
            }
            if let Err(reply) = self.verify_assertion(assertion, tenant, endpoint_base) {
                return reply;
            }
        } else if let Some(secret) = form::get(pairs, "client_secret") {
            if !self.secret_matches(secret) {
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.", self.client_id),
                );
            }
        } else {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        self.issue(&TokenSpec::app(&self.client_id), None)
    }

    fn password(&self, pairs: &[(String, String)], client_id: &str, scope: &str) -> TokenReply {
        let known_client = client_id.eq_ignore_ascii_case(&self.client_id)
            || client_id.eq_ignore_ascii_case(EXO_PUBLIC_CLIENT_ID);
        if !known_client {
            return unknown_client(client_id, &self.tenant_domain);
        }
        let resource_prefix = format!("{}/", self.audience);
        let resource_scopes: Vec<&str> = scope
            .split_whitespace()
            .filter(|s| s.starts_with(&resource_prefix))
            .collect();
        if resource_scopes.is_empty() {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
                &format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
            );
        }
        if let Some(secret) = form::get(pairs, "client_secret") {
            if !client_id.eq_ignore_ascii_case(&self.client_id) || !self.secret_matches(secret) {
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided.",
                );
            }
        }
        let (Some(username), Some(password)) =
            (form::get(pairs, "username"), form::get(pairs, "password"))
        else {
            return missing_parameter("username' or 'password");
        };
        let user = self.users.iter().find(|u| {
            u.name.eq_ignore_ascii_case(username)
                && bool::from(
                    u.password
                        .expose_secret()
                        .as_bytes()
                        .ct_eq(password.as_bytes()),
                )
        });
        let Some(user) = user else {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            );
        };
        let spec = TokenSpec::new(TokenSubject::User {
            upn: user.name.clone(),
            client_id: client_id.to_owned(),
        });
        self.issue(&spec, Some(format!("{}/{MANAGE_SCOPE}", self.audience)))
    }

    fn secret_matches(&self, presented: &str) -> bool {
        self.client_secret.as_ref().is_some_and(|secret| {
            bool::from(
                secret
                    .expose_secret()
                    .as_bytes()
                    .ct_eq(presented.as_bytes()),
            )
        })
    }

    fn verify_assertion(
        &self,
        assertion: &str,
        tenant: &str,
        endpoint_base: &str,
    ) -> Result<(), TokenReply> {
        let Some(certificate) = &self.certificate else {
            return Err(aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                700027,
                "Client assertion failed signature validation: no certificate is registered for this application.",
            ));
        };
        let invalid = |code: u32, text: &str| {
            aad_error(StatusCode::UNAUTHORIZED, "invalid_client", code, text)
        };
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|e| invalid(50012, &format!("Client assertion is not a valid JWT: {e}.")))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
            return Err(invalid(
                5002738,
                &format!("Client assertion uses unsupported algorithm {:?}; RS256 and PS256 are accepted.", header.alg),
            ));
        }
        let thumbprint_ok = header.x5t.as_deref().is_none_or(|t| t == certificate.x5t)
            && header
                .x5t_s256
                .as_deref()
                .is_none_or(|t| t == certificate.x5t_s256);
        if !thumbprint_ok {
            return Err(invalid(
                700027,
                "Client assertion contains an invalid signature. [Reason - The key was not found.]",
            ));
        }
        let audiences: Vec<String> = [
            tenant.to_owned(),
            self.tenant_id.to_string(),
            self.tenant_domain.clone(),
        ]
        .iter()
        .map(|t| format!("{endpoint_base}/{t}/oauth2/v2.0/token"))
        .collect();
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&audiences);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &certificate.key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => invalid(
                        700024,
                        "Client assertion is not within its valid time range.",
                    ),
                    ErrorKind::InvalidAudience => invalid(
                        700021,
                        &format!("Client assertion audience claim does not match Realm issuer. Expected one of {audiences:?}."),
                    ),
                    _ => invalid(
                        700027,
                        &format!("Client assertion contains an invalid signature. [Reason - {}.]", describe_jwt_error(&e)),
                    ),
                }
            })?
            .claims;
        if !claims.iss.eq_ignore_ascii_case(&self.client_id)
            || !claims.sub.eq_ignore_ascii_case(&self.client_id)
        {
            return Err(invalid(
                700023,
                "Client assertion 'iss' and 'sub' must both be the client id.",
            ));
        }
        Ok(())
    }

    fn issue(&self, spec: &TokenSpec, scope: Option<String>) -> TokenReply {
        let mut spec = spec.clone();
        spec.lifetime_secs = i64::try_from(self.lifetime.as_secs()).unwrap_or(3599);
        match self.mint(&spec) {
            Ok(token) => {
                let mut body = json!({
                    "token_type": "Bearer",
                    "expires_in": spec.lifetime_secs,
                    "ext_expires_in": spec.lifetime_secs,
                    "access_token": token,
                });
                if let (Some(scope), Some(map)) = (scope, body.as_object_mut()) {
                    map.insert("scope".into(), Value::String(scope));
                }
                TokenReply {
                    status: StatusCode::OK,
                    body,
                }
            }
            Err(e) => aad_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                50000,
                &format!("There was an error issuing a token: {e}."),
            ),
        }
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
}

fn describe_jwt_error(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token is expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".into(),
        ErrorKind::InvalidAudience => "the audience is invalid".into(),
        ErrorKind::InvalidSignature => "the signature is invalid".into(),
        ErrorKind::InvalidAlgorithm => "the signing algorithm is not accepted".into(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the claim '{claim}' is missing"),
        _ => "the token is malformed".into(),
    }
}

fn missing_parameter(name: &str) -> TokenReply {
    aad_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

fn unknown_client(client_id: &str, domain: &str) -> TokenReply {
    aad_error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700016,
        &format!("Application with identifier '{client_id}' was not found in the directory '{domain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."),
    )
}

/// The failure body of Entra's token endpoint.
pub(crate) fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> TokenReply {
    let now = OffsetDateTime::now_utc();
    let timestamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let trace_id = Uuid::new_v4().to_string();
    let correlation_id = Uuid::new_v4().to_string();
    TokenReply {
        status,
        body: json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    }
}
