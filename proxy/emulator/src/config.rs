//! What a running emulator is told at startup.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::tenant::seed::Seed;

/// The Exchange resource that access tokens are issued for unless `--audience` says otherwise.
pub const DEFAULT_AUDIENCE: &str = "https://outlook.office365.com";
/// The public client id of the ExchangeOnlineManagement module; the password grant accepts it
/// without a secret, as Entra ID does.
pub const EXO_PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";
/// The tenant served when none is configured.
pub const DEFAULT_TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The app registration accepted for client credentials when none is configured.
pub const DEFAULT_CLIENT_ID: &str = "3f1d2c4b-5a69-4e7f-8a9b-0c1d2e3f4a5b";
/// The address `exomig emulate` listens on by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8400";

/// Where the RSA key that signs access tokens comes from.
#[derive(Clone, Debug, Default)]
pub enum SigningKeySource {
    /// A fresh 2048-bit key, generated once per process and shared by every emulator in it
    /// (generation takes seconds in debug builds, so tests should prefer `Development`).
    #[default]
    Generate,
    /// The key built into the crate. It is public, so tokens it signs prove nothing outside tests.
    Development,
    /// An RSA private key in PEM (PKCS#8 or PKCS#1).
    Pem(String),
}

/// A `--user NAME:PASSWORD` account for the password grant.
#[derive(Clone, Debug)]
pub struct UserAccount {
    pub name: String,
    pub password: SecretString,
}

impl UserAccount {
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            password: SecretString::from(password.into()),
        }
    }
}

/// Everything `serve` needs. Build it with [`EmulatorConfig::new`] or
/// [`EmulatorConfig::for_tests`] and adjust the public fields.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    /// The tenant's initial domain, e.g. `contoso.onmicrosoft.com`.
    pub tenant_domain: String,
    /// The tenant id (`tid`); [`tenant_id_for`] derives a stable one from the domain.
    pub tenant_id: Uuid,
    /// The app registration for the client-credentials grant.
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// PEM certificate whose key signs client assertions for `client_id`.
    pub client_certificate_pem: Option<String>,
    pub users: Vec<UserAccount>,
    /// Rewritten atomically after every change; loaded at startup when it exists.
    pub state_file: Option<PathBuf>,
    /// A seed file (JSON, see README.md) used when there is no state to load.
    pub seed_file: Option<PathBuf>,
    /// A seed given programmatically; wins over `seed_file`.
    pub seed: Option<Seed>,
    /// InvokeCommand calls allowed per `throttle_window` per tenant; `None` disables
    /// throttling.
    pub throttle_per_minute: Option<u32>,
    /// The throttle's sliding window: a minute, as the contract's `--throttle N` says;
    /// shorter in tests that want to see a client recover.
    pub throttle_window: Duration,
    /// The `aud` of issued tokens and the only one InvokeCommand accepts.
    pub audience: String,
    pub signing_key: SigningKeySource,
    pub token_lifetime: Duration,
    /// The first N token requests answer 503 (for retry tests).
    pub fail_token_requests: u32,
    /// The first N InvokeCommand requests answer 503 (for retry tests).
    pub fail_invoke_requests: u32,
}

impl EmulatorConfig {
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            tenant_domain: DEFAULT_TENANT_DOMAIN.to_owned(),
            tenant_id: tenant_id_for(DEFAULT_TENANT_DOMAIN),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: None,
            client_certificate_pem: None,
            users: Vec::new(),
            state_file: None,
            seed_file: None,
            seed: None,
            throttle_per_minute: None,
            throttle_window: crate::throttle::DEFAULT_WINDOW,
            audience: DEFAULT_AUDIENCE.to_owned(),
            signing_key: SigningKeySource::Generate,
            token_lifetime: Duration::from_secs(3599),
            fail_token_requests: 0,
            fail_invoke_requests: 0,
        }
    }

    /// Loopback on an ephemeral port, the development signing key, client secret
    /// [`TEST_CLIENT_SECRET`] and one user [`TEST_USER`] / [`TEST_PASSWORD`].
    pub fn for_tests() -> Self {
        let mut config = Self::new(SocketAddr::from(([127, 0, 0, 1], 0)));
        config.signing_key = SigningKeySource::Development;
        config.client_secret = Some(SecretString::from(TEST_CLIENT_SECRET.to_owned()));
        config.users = vec![UserAccount::new(TEST_USER, TEST_PASSWORD)];
        config
    }

    /// Sets the tenant domain and the id derived from it.
    pub fn with_tenant(mut self, domain: impl Into<String>) -> Self {
        self.tenant_domain = domain.into();
        self.tenant_id = tenant_id_for(&self.tenant_domain);
        self
    }
}

/// Client secret configured by [`EmulatorConfig::for_tests`].
pub const TEST_CLIENT_SECRET: &str = "emulator-test-secret";
/// User configured by [`EmulatorConfig::for_tests`].
pub const TEST_USER: &str = "admin@contoso.onmicrosoft.com";
/// Password of [`TEST_USER`].
pub const TEST_PASSWORD: &str = "Passw0rd!";

/// A stable tenant id for a domain, so restarts and separate runs agree on `tid`.
pub fn tenant_id_for(domain: &str) -> Uuid {
    stable_guid("tenant", &domain.to_ascii_lowercase())
}

/// A v4-shaped GUID derived from a namespace and a name.
pub(crate) fn stable_guid(namespace: &str, name: &str) -> Uuid {
    let digest = Sha256::new()
        .chain_update(namespace.as_bytes())
        .chain_update([0u8])
        .chain_update(name.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
