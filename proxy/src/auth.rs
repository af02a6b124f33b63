//! Basic authentication of every request, in the three identity modes of interfaces.md §2.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::backend::{Backend, CredentialError, UpstreamCredential};
use crate::config::IdentityMode;
use crate::query::ConnectionQuery;
use crate::users::Users;

/// The user name and password of an `Authorization: Basic` header.
pub struct BasicCredentials {
    pub user: String,
    pub password: SecretString,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Parses `Basic base64(user:password)`: UTF-8, with a Latin-1 fallback for old clients,
/// split at the first `:`.
pub fn parse_basic(header: &[u8]) -> Option<BasicCredentials> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, rest) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let decoded = match String::from_utf8(raw) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    let (user, password) = decoded.split_once(':')?;
    if user.is_empty() {
        return None;
    }
    Some(BasicCredentials {
        user: user.to_owned(),
        password: SecretString::from(password.to_owned()),
    })
}

/// Who made a request, and how their upstream calls are authorised.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Shell ownership key: shells are visible only to the same key.
    pub owner: String,
    /// The Basic user name, for display (`rsp:Owner`) and logs.
    pub user: String,
    pub credential: UpstreamCredential,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing or malformed Authorization header")]
    Missing,
    #[error("invalid credentials")]
    Invalid,
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

/// How long a successful password check is remembered, so that every long-poll Receive does
/// not cost an argon2 hash or an identity-provider round trip.
const VERIFIED_TTL: Duration = Duration::from_secs(300);

pub struct Authenticator {
    mode: IdentityMode,
    users: Option<Users>,
    tenant: Option<String>,
    backend: Arc<dyn Backend>,
    /// SHA-256 of `mode ‖ user ‖ password` → time of the last successful check. Only digests
    /// are kept, never the passwords.
    verified: Mutex<HashMap<[u8; 32], Instant>>,
}

impl Authenticator {
    pub fn new(
        mode: IdentityMode,
        users: Option<Users>,
        tenant: Option<String>,
        backend: Arc<dyn Backend>,
    ) -> Self {
        Self {
            mode,
            users,
            tenant,
            backend,
            verified: Mutex::new(HashMap::new()),
        }
    }

    pub async fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        query: &ConnectionQuery,
    ) -> Result<Principal, AuthError> {
        let creds = authorization
            .and_then(parse_basic)
            .ok_or(AuthError::Missing)?;
        if query.basic_auth_to_oauth {
            return token_principal(creds);
        }
        let key = digest(&[
            match self.mode {
                IdentityMode::App => b"app".as_slice(),
                IdentityMode::PasswordPassthrough => b"ropc".as_slice(),
            },
            creds.user.as_bytes(),
            creds.password.expose_secret().as_bytes(),
        ]);
        let fresh = self.recently_verified(&key);
        match self.mode {
            IdentityMode::App => {
                if !fresh {
                    let users = self.users.as_ref().ok_or(AuthError::Invalid)?;
                    if !users.verify(&creds.user, creds.password.expose_secret()) {
                        return Err(AuthError::Invalid);
                    }
                    self.remember(key);
                }
                Ok(Principal {
                    owner: format!("app:{}", creds.user.to_lowercase()),
                    user: creds.user,
                    credential: UpstreamCredential::App,
                })
            }
            IdentityMode::PasswordPassthrough => {
                if !fresh {
                    let tenant = query.delegated_org.as_deref().or(self.tenant.as_deref());
                    match self
                        .backend
                        .verify_password(&creds.user, &creds.password, tenant)
                        .await
                    {
                        Ok(()) => self.remember(key),
                        Err(CredentialError::Refused) => return Err(AuthError::Invalid),
                        Err(CredentialError::Unavailable(e)) => {
                            return Err(AuthError::Unavailable(e))
                        }
                    }
                }
                Ok(Principal {
                    owner: format!("user:{}", creds.user.to_lowercase()),
                    user: creds.user.clone(),
                    credential: UpstreamCredential::Password {
                        user: creds.user,
                        password: creds.password,
                    },
                })
            }
        }
    }

    fn recently_verified(&self, key: &[u8; 32]) -> bool {
        let Ok(mut map) = self.verified.lock() else {
            return false;
        };
        let now = Instant::now();
        map.retain(|_, at| now.duration_since(*at) < VERIFIED_TTL);
        map.contains_key(key)
    }

    fn remember(&self, key: [u8; 32]) {
        if let Ok(mut map) = self.verified.lock() {
            map.insert(key, Instant::now());
        }
    }
}

/// Token pass-through: the token itself is the credential. Its owner key is derived from the
/// token so that another caller naming the same user cannot reach the shell.
fn token_principal(creds: BasicCredentials) -> Result<Principal, AuthError> {
    let raw = creds.password.expose_secret().trim();
    let token = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => raw,
    };
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(AuthError::Invalid);
    }
    let owner = digest(&[b"token", token.as_bytes()]);
    Ok(Principal {
        owner: format!("token:{}", hex(&owner[..16])),
        user: creds.user,
        credential: UpstreamCredential::Token(SecretString::from(token.to_owned())),
    })
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BoxFuture, InvokeError, InvokeOutput, UpstreamCall};
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct FakeIdp {
        calls: AtomicUsize,
    }

    impl Backend for FakeIdp {
        fn verify_password<'a>(
            &'a self,
            user: &'a str,
            password: &'a SecretString,
            _tenant: Option<&'a str>,
        ) -> BoxFuture<'a, Result<(), CredentialError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let ok = user == "bob" && password.expose_secret() == "pw";
            Box::pin(async move {
                if ok {
                    Ok(())
                } else {
                    Err(CredentialError::Refused)
                }
            })
        }
        fn invoke<'a>(
            &'a self,
            _c: &'a UpstreamCall,
        ) -> BoxFuture<'a, Result<InvokeOutput, InvokeError>> {
            Box::pin(async { Ok(InvokeOutput::default()) })
        }
        fn ready(&self) -> BoxFuture<'_, bool> {
            Box::pin(async { true })
        }
    }

    fn header(user: &str, pass: &str) -> Vec<u8> {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        format!("Basic {b}").into_bytes()
    }

    #[test]
    fn parses_basic_with_colon_in_password_and_latin1() {
        let c = parse_basic(&header("a@b.com", "x:y")).expect("parsed");
        assert_eq!(c.user, "a@b.com");
        assert_eq!(c.password.expose_secret(), "x:y");
        let latin1 = base64::engine::general_purpose::STANDARD.encode(b"j\xf6rg:p");
        let c = parse_basic(format!("basic {latin1}").as_bytes()).expect("parsed");
        assert_eq!(c.user, "jörg");
        assert!(parse_basic(b"Bearer abc").is_none());
        assert!(parse_basic(b"Basic !!!").is_none());
        assert!(format!("{c:?}").contains("jörg") && !format!("{c:?}").contains("\"p\""));
    }

    #[tokio::test]
    async fn password_passthrough_checks_once_then_caches() {
        let idp = Arc::new(FakeIdp {
            calls: AtomicUsize::new(0),
        });
        let auth = Authenticator::new(IdentityMode::PasswordPassthrough, None, None, idp.clone());
        let q = ConnectionQuery::default();
        let p = auth
            .authenticate(Some(&header("bob", "pw")), &q)
            .await
            .expect("ok");
        assert_eq!(p.owner, "user:bob");
        auth.authenticate(Some(&header("bob", "pw")), &q)
            .await
            .expect("ok");
        assert_eq!(idp.calls.load(Ordering::SeqCst), 1);
        let bad = auth.authenticate(Some(&header("bob", "nope")), &q).await;
        assert!(matches!(bad, Err(AuthError::Invalid)));
        assert!(matches!(
            auth.authenticate(None, &q).await,
            Err(AuthError::Missing)
        ));
    }

    #[tokio::test]
    async fn token_passthrough_strips_bearer_and_keys_owner_by_token() {
        let idp = Arc::new(FakeIdp {
            calls: AtomicUsize::new(0),
        });
        let auth = Authenticator::new(IdentityMode::PasswordPassthrough, None, None, idp.clone());
        let q = ConnectionQuery {
            basic_auth_to_oauth: true,
            delegated_org: None,
        };
        let a = auth
            .authenticate(Some(&header("x", "Bearer tok.en")), &q)
            .await
            .expect("ok");
        let b = auth
            .authenticate(Some(&header("y", "tok.en")), &q)
            .await
            .expect("ok");
        let UpstreamCredential::Token(t) = &a.credential else {
            panic!("token expected")
        };
        assert_eq!(t.expose_secret(), "tok.en");
        assert_eq!(a.owner, b.owner);
        let c = auth
            .authenticate(Some(&header("x", "other")), &q)
            .await
            .expect("ok");
        assert_ne!(a.owner, c.owner);
        assert_eq!(idp.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn app_mode_uses_users_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("u");
        crate::users::add(&path, "ops", "hunter2").expect("add");
        let users = Users::load(&path).expect("load");
        let idp = Arc::new(FakeIdp {
            calls: AtomicUsize::new(0),
        });
        let auth = Authenticator::new(IdentityMode::App, Some(users), Some("t".into()), idp);
        let q = ConnectionQuery::default();
        let p = auth
            .authenticate(Some(&header("ops", "hunter2")), &q)
            .await
            .expect("ok");
        assert!(matches!(p.credential, UpstreamCredential::App));
        assert!(matches!(
            auth.authenticate(Some(&header("ops", "x")), &q).await,
            Err(AuthError::Invalid)
        ));
    }
}
