//! HTTPS for the proxy: rustls server configuration from PEM files or from a generated
//! self-signed certificate, TLS 1.2 and 1.3 only, ring as the crypto provider.
//!
//! Legacy clients (Windows PowerShell 5.1 on .NET Framework) negotiate TLS 1.2 at best, so 1.2
//! stays enabled; anything older is not even implemented by rustls.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} contains no PEM certificate")]
    NoCertificate(String),
    #[error("{0} contains no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(String),
    #[error("{what} is not valid PEM: {detail}")]
    Pem { what: String, detail: String },
    #[error("the certificate and key cannot serve TLS: {0}")]
    Config(String),
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
}

/// Protocol versions the proxy accepts; rustls has nothing older than 1.2.
pub static PROTOCOL_VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// Builds a server configuration from a PEM certificate chain and a PEM private key.
pub fn server_config_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = parse_certificates(cert_pem, "the TLS certificate")?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate("the TLS certificate".into()));
    }
    let key = parse_key(key_pem, "the TLS key")?;
    build(chain, key)
}

/// Builds a server configuration from `--tls-cert` and `--tls-key` files.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = read(cert, "TLS certificate")?;
    let key_pem = read(key, "TLS key")?;
    let chain = parse_certificates(&cert_pem, &cert.display().to_string())?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.display().to_string()));
    }
    let key = parse_key(&key_pem, &key.display().to_string())?;
    build(chain, key)
}

fn build(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    // WS-Man clients speak HTTP/1.1 only; advertising h2 would invite a protocol the
    // server does not serve.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.display().to_string(),
        source,
    })
}

fn parse_certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let mut reader = pem;
    rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what: what.to_owned(),
            detail: e.to_string(),
        })
}

fn parse_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    let mut reader = pem;
    rustls_pemfile::private_key(&mut reader)
        .map_err(|e| TlsError::Pem {
            what: what.to_owned(),
            detail: e.to_string(),
        })?
        .ok_or_else(|| TlsError::NoKey(what.to_owned()))
}

/// Wraps a server configuration for accepting connections.
pub fn acceptor(config: Arc<ServerConfig>) -> TlsAcceptor {
    TlsAcceptor::from(config)
}

/// SHA-256 of a DER certificate as colon-separated upper-case hex, the form browsers and
/// `openssl x509 -fingerprint -sha256` print.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// What `--tls-self-signed` produced.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    /// SHA-256 of the certificate, so clients can pin or verify it out of band.
    pub fingerprint: String,
    pub config: Arc<ServerConfig>,
}

/// File names inside the directory given to [`self_signed`].
pub const SELF_SIGNED_CERT: &str = "exomig-proxy-cert.pem";
pub const SELF_SIGNED_KEY: &str = "exomig-proxy-key.pem";

/// Generates a self-signed certificate for `hosts` (DNS names or IP addresses), writes it and
/// its key into `dir` (the key readable by the owner only) and returns a ready configuration.
pub fn self_signed(dir: &Path, hosts: &[String]) -> Result<SelfSigned, TlsError> {
    let hosts = if hosts.is_empty() {
        vec!["localhost".to_owned(), "127.0.0.1".to_owned()]
    } else {
        hosts.to_vec()
    };
    let certified =
        rcgen::generate_simple_self_signed(hosts).map_err(|e| TlsError::Generate(e.to_string()))?;
    let cert_pem = certified.cert.pem();
    let key_pem = certified.key_pair.serialize_pem();
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.display().to_string(),
        source,
    })?;
    let cert_path = dir.join(SELF_SIGNED_CERT);
    let key_path = dir.join(SELF_SIGNED_KEY);
    write_file(&cert_path, cert_pem.as_bytes(), false)?;
    write_file(&key_path, key_pem.as_bytes(), true)?;
    let fingerprint = sha256_fingerprint(certified.cert.der());
    let config = server_config_from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
    Ok(SelfSigned {
        cert_path,
        key_path,
        fingerprint,
        config,
    })
}

/// Reuses the self-signed certificate in `dir` when one is there and loads, so clients that
/// trusted it keep working across restarts; generates a new one otherwise. Delete the files to
/// force a new certificate (for example after changing `hosts`).
pub fn load_or_generate_self_signed(dir: &Path, hosts: &[String]) -> Result<SelfSigned, TlsError> {
    let cert_path = dir.join(SELF_SIGNED_CERT);
    let key_path = dir.join(SELF_SIGNED_KEY);
    if cert_path.is_file() && key_path.is_file() {
        if let Ok(config) = load_server_config(&cert_path, &key_path) {
            let pem = read(&cert_path, "TLS certificate")?;
            let chain = parse_certificates(&pem, &cert_path.display().to_string())?;
            if let Some(leaf) = chain.first() {
                return Ok(SelfSigned {
                    fingerprint: sha256_fingerprint(leaf.as_ref()),
                    cert_path,
                    key_path,
                    config,
                });
            }
        }
    }
    self_signed(dir, hosts)
}

fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), TlsError> {
    let err = |source| TlsError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(err)?;
    file.write_all(contents).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn client_config(
        cert_pem: &[u8],
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in parse_certificates(cert_pem, "test").expect("pem") {
            roots.add(cert).expect("root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Arc::new(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .expect("versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    }

    /// One TLS exchange over loopback; returns the negotiated version.
    async fn handshake(
        server: Arc<ServerConfig>,
        client: Arc<rustls::ClientConfig>,
        name: &str,
    ) -> Result<rustls::ProtocolVersion, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let acceptor = acceptor(server);
        let server_task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.map_err(|e| e.to_string())?;
            let mut tls = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await.map_err(|e| e.to_string())?;
            tls.write_all(&buf).await.map_err(|e| e.to_string())?;
            tls.shutdown().await.map_err(|e| e.to_string())
        });
        let connector = tokio_rustls::TlsConnector::from(client);
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let server_name = ServerName::try_from(name.to_owned()).expect("name");
        let mut tls = connector
            .connect(server_name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        tls.write_all(b"ping").await.map_err(|e| e.to_string())?;
        let mut echo = [0u8; 4];
        tls.read_exact(&mut echo).await.map_err(|e| e.to_string())?;
        assert_eq!(&echo, b"ping");
        let version = tls.get_ref().1.protocol_version().ok_or("no version")?;
        server_task.await.expect("join")?;
        Ok(version)
    }

    #[tokio::test]
    async fn self_signed_certificate_serves_tls12_and_tls13() {
        let dir = tempfile::tempdir().expect("tempdir");
        let generated = self_signed(dir.path(), &["localhost".into()]).expect("generate");
        let cert_pem = std::fs::read(&generated.cert_path).expect("cert written");
        // The files on disk alone are enough to build the same server.
        let reloaded =
            load_server_config(&generated.cert_path, &generated.key_path).expect("reload");
        let v12 = handshake(
            reloaded,
            client_config(&cert_pem, &[&rustls::version::TLS12]),
            "localhost",
        )
        .await
        .expect("tls 1.2 handshake");
        assert_eq!(v12, rustls::ProtocolVersion::TLSv1_2);
        let v13 = handshake(
            generated.config.clone(),
            client_config(&cert_pem, &[&rustls::version::TLS13]),
            "localhost",
        )
        .await
        .expect("tls 1.3 handshake");
        assert_eq!(v13, rustls::ProtocolVersion::TLSv1_3);
    }

    #[tokio::test]
    async fn a_client_checking_the_name_refuses_other_hosts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let generated = self_signed(dir.path(), &["proxy.example".into()]).expect("generate");
        let cert_pem = std::fs::read(&generated.cert_path).expect("cert");
        let result = handshake(
            generated.config,
            client_config(&cert_pem, PROTOCOL_VERSIONS),
            "other.example",
        )
        .await;
        assert!(result.is_err(), "name mismatch must fail: {result:?}");
    }

    #[test]
    fn fingerprint_matches_the_written_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let generated = self_signed(dir.path(), &[]).expect("generate");
        let pem = std::fs::read(&generated.cert_path).expect("cert");
        let der = parse_certificates(&pem, "cert").expect("parse");
        assert_eq!(der.len(), 1);
        let expected: String = Sha256::digest(der[0].as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(generated.fingerprint.replace(':', ""), expected);
        assert_eq!(generated.fingerprint.len(), 32 * 3 - 1);
    }

    #[test]
    fn an_existing_self_signed_certificate_is_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_or_generate_self_signed(dir.path(), &[]).expect("generate");
        let second = load_or_generate_self_signed(dir.path(), &[]).expect("reuse");
        assert_eq!(first.fingerprint, second.fingerprint);
        std::fs::write(&first.key_path, "garbage").expect("corrupt the key");
        let third = load_or_generate_self_signed(dir.path(), &[]).expect("regenerate");
        assert_ne!(first.fingerprint, third.fingerprint);
    }

    #[cfg(unix)]
    #[test]
    fn the_generated_key_is_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let generated = self_signed(dir.path(), &[]).expect("generate");
        let mode = std::fs::metadata(&generated.key_path)
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key mode {mode:o}");
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope.pem");
        assert!(matches!(
            load_server_config(&missing, &missing),
            Err(TlsError::Read { .. })
        ));
        let generated = self_signed(dir.path(), &[]).expect("generate");
        let cert = std::fs::read(&generated.cert_path).expect("cert");
        let key = std::fs::read(&generated.key_path).expect("key");
        // Swapped files: no certificate in the key file, no key in the certificate file.
        assert!(matches!(
            server_config_from_pem(&key, &cert),
            Err(TlsError::NoCertificate(_))
        ));
        assert!(matches!(
            server_config_from_pem(&cert, &cert),
            Err(TlsError::NoKey(_))
        ));
        // A key that does not belong to the certificate.
        let other = self_signed(&dir.path().join("other"), &[]).expect("generate");
        let other_key = std::fs::read(&other.key_path).expect("key");
        assert!(matches!(
            server_config_from_pem(&cert, &other_key),
            Err(TlsError::Config(_))
        ));
    }
}
