//! The identity provider: the token endpoint, the tokens it signs, and their validation.

mod assertion;
mod grants;

use std::time::Duration;

use jsonwebtoken::{Algorithm, Header, Validation};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::{stable_guid, UserAccount, EXO_PUBLIC_CLIENT_ID};
use crate::error::Result;
use crate::keys::SigningKey;

use assertion::ClientCertificate;

pub(crate) use grants::aad_error;

/// The application permission that app-only Exchange access needs.
pub const MANAGE_AS_APP_ROLE: &str = "Exchange.ManageAsApp";
/// The delegated scope carried by user tokens.
pub const MANAGE_SCOPE: &str = "Exchange.Manage";
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
