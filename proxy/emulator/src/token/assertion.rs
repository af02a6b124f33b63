//! Client assertions: JWTs signed with the registered certificate's key.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use http::StatusCode;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

use super::grants::{aad_error, TokenReply};
use super::{describe_jwt_error, Idp, LEEWAY_SECS};

pub(super) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A registered client certificate, for client assertions.
pub(super) struct ClientCertificate {
    key: DecodingKey,
    x5t: String,
    x5t_s256: String,
}

impl ClientCertificate {
    pub(super) fn parse(pem: &str) -> Result<Self> {
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

impl Idp {
    pub(super) fn verify_assertion(
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
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
}
