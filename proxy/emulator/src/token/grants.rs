//! The token endpoint's grants: client credentials (secret or assertion) and password.

use http::StatusCode;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;

use super::assertion::ASSERTION_TYPE;
use crate::config::EXO_PUBLIC_CLIENT_ID;
use crate::form;

use super::{Idp, TokenSpec, TokenSubject, MANAGE_SCOPE};

/// An answer of the token endpoint.
pub(crate) struct TokenReply {
    pub status: StatusCode,
    pub body: Value,
}

impl Idp {
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
