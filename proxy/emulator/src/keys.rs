//! The RSA key that signs access tokens, and its public JWKS form.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};

use crate::config::SigningKeySource;
use crate::error::{Error, Result};

const DEVELOPMENT_KEY_PEM: &str = include_str!("dev-signing-key.pem");

/// One generated key per process: 2048-bit generation is slow in debug builds, and every
/// emulator in a test binary can share it.
static GENERATED: OnceLock<RsaPrivateKey> = OnceLock::new();

pub(crate) struct SigningKey {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    pub kid: String,
    n: String,
    e: String,
}

impl SigningKey {
    pub fn load(source: &SigningKeySource) -> Result<Self> {
        let private = match source {
            SigningKeySource::Generate => GENERATED
                .get_or_init(|| {
                    // A failure here would mean the OS has no randomness; nothing can continue.
                    #[allow(clippy::expect_used)]
                    RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                        .expect("RSA key generation needs a working random source")
                })
                .clone(),
            SigningKeySource::Development => parse_pem(DEVELOPMENT_KEY_PEM)?,
            SigningKeySource::Pem(pem) => parse_pem(pem)?,
        };
        Self::from_private(&private)
    }

    fn from_private(private: &RsaPrivateKey) -> Result<Self> {
        let der = private
            .to_pkcs1_der()
            .map_err(|e| Error::SigningKey(e.to_string()))?;
        let encoding = EncodingKey::from_rsa_der(der.as_bytes());
        let n_bytes = private.n().to_bytes_be();
        let e_bytes = private.e().to_bytes_be();
        let decoding = DecodingKey::from_rsa_raw_components(&n_bytes, &e_bytes);
        // A key id that changes with the key, as Entra's do across rotations.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&n_bytes)[..20]);
        Ok(Self {
            encoding,
            decoding,
            kid,
            n: URL_SAFE_NO_PAD.encode(&n_bytes),
            e: URL_SAFE_NO_PAD.encode(&e_bytes),
        })
    }

    /// The key set published at `/{tenant}/discovery/v2.0/keys`.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": self.kid,
                "n": self.n,
                "e": self.e,
            }]
        })
    }
}

fn parse_pem(pem: &str) -> Result<RsaPrivateKey> {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| Error::SigningKey(e.to_string()))
}
