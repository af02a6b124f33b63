//! Token sources against a local mock token endpoint.

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use common::{test_certificate, MockServer, Reply};
use exomig_upstream::token::{
    AssertionAlgorithm, CertificateCredential, ClientCertificate, ClientSecret, ManagedIdentity,
    ManagedIdentityEndpoint, PassThrough, Password, EXO_PUBLIC_CLIENT_ID,
};
use exomig_upstream::{FetchOptions, TokenError, TokenSource};
use secrecy::SecretString;
use sha2::Digest as _;

const SCOPE: &str = "https://outlook.office365.com/.default";

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn jwt_part(token: &str, index: usize) -> serde_json::Value {
    let part = token.split('.').nth(index).expect("JWT part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[tokio::test]
async fn client_secret_posts_the_client_credentials_form() {
    let server = MockServer::start(|_, _| Reply::token("tok-1", 3599)).await;
    let token_url = format!("{}/contoso.onmicrosoft.com/oauth2/v2.0/token", server.url());
    let source = ClientSecret::new(
        "app-id",
        secret("s3cr3t"),
        "contoso.onmicrosoft.com",
        &token_url,
        SCOPE,
    );
    let token = source.fetch(&FetchOptions::default()).await.expect("token");
    assert_eq!(token.expose(), "tok-1");
    let left = token.remaining().expect("expiry known");
    assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3599));

    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
    assert_eq!(
        request.form_field("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(request.form_field("client_id").as_deref(), Some("app-id"));
    assert_eq!(
        request.form_field("client_secret").as_deref(),
        Some("s3cr3t")
    );
    assert_eq!(request.form_field("scope").as_deref(), Some(SCOPE));
    assert_eq!(request.form_field("claims"), None);

    let with_claims = FetchOptions {
        claims: Some("eyJjbGFpbXMiOnt9fQ".into()),
    };
    source.fetch(&with_claims).await.expect("token with claims");
    assert_eq!(
        server.requests()[1].form_field("claims").as_deref(),
        Some("eyJjbGFpbXMiOnt9fQ")
    );
}

#[tokio::test]
async fn an_oauth_error_is_a_non_transient_rejection() {
    let server = MockServer::start(|_, _| {
        Reply::json(401, serde_json::json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}))
    })
    .await;
    let source = ClientSecret::new(
        "app",
        secret("wrong"),
        "t",
        format!("{}/t/oauth2/v2.0/token", server.url()),
        SCOPE,
    );
    let err = source
        .fetch(&FetchOptions::default())
        .await
        .expect_err("rejected");
    match &err {
        TokenError::Rejected {
            error, description, ..
        } => {
            assert_eq!(error, "invalid_client");
            assert!(description.starts_with("AADSTS7000215"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_transient());
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient() {
    // Bind and drop to get a loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let source = ClientSecret::new(
        "app",
        secret("s"),
        "t",
        format!("http://127.0.0.1:{port}/t/oauth2/v2.0/token"),
        SCOPE,
    );
    let err = source
        .fetch(&FetchOptions::default())
        .await
        .expect_err("no server");
    assert!(matches!(err, TokenError::Transport(_)), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn password_grant_uses_the_module_public_client_by_default() {
    let server = MockServer::start(|_, _| Reply::token("user-token", 3599)).await;
    let token_url = format!("{}/organizations/oauth2/v2.0/token", server.url());
    let source = Password::new(
        "admin@contoso.com",
        secret("P@ss w0rd&="),
        "organizations",
        &token_url,
        SCOPE,
    );
    assert_eq!(
        source
            .fetch(&FetchOptions::default())
            .await
            .expect("token")
            .expose(),
        "user-token"
    );
    let request = &server.requests()[0];
    assert_eq!(
        request.form_field("grant_type").as_deref(),
        Some("password")
    );
    assert_eq!(
        request.form_field("client_id").as_deref(),
        Some(EXO_PUBLIC_CLIENT_ID)
    );
    assert_eq!(
        request.form_field("username").as_deref(),
        Some("admin@contoso.com")
    );
    assert_eq!(
        request.form_field("password").as_deref(),
        Some("P@ss w0rd&=")
    );
    assert_eq!(request.form_field("client_secret"), None);

    let custom = Password::new("u", secret("p"), "t", &token_url, SCOPE).with_client_id("my-app");
    custom.fetch(&FetchOptions::default()).await.expect("token");
    assert_eq!(
        server.requests()[1].form_field("client_id").as_deref(),
        Some("my-app")
    );
}

#[test]
fn password_cache_keys_differ_by_password_and_user() {
    let a = Password::new("u@x", secret("one"), "t", "http://127.0.0.1/t", SCOPE);
    let b = Password::new("u@x", secret("two"), "t", "http://127.0.0.1/t", SCOPE);
    let c = Password::new("U@X", secret("one"), "t", "http://127.0.0.1/t", SCOPE);
    let d = Password::new("v@x", secret("one"), "t", "http://127.0.0.1/t", SCOPE);
    assert_ne!(a.cache_key(), b.cache_key());
    assert_eq!(a.cache_key(), c.cache_key());
    assert_ne!(a.cache_key(), d.cache_key());
    assert!(!a.cache_key().identity.contains("one"));
}

fn credential() -> (Arc<CertificateCredential>, Vec<u8>) {
    let (cert_pem, key_pem) = test_certificate();
    let cred = CertificateCredential::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())
        .expect("credential");
    let der = cred.certificate_der().to_vec();
    (Arc::new(cred), der)
}

fn public_key_pem() -> String {
    use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
    let key =
        rsa::RsaPrivateKey::from_pkcs8_pem(include_str!("fixtures/test-rsa-key.pem")).expect("key");
    key.to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pem")
}

#[tokio::test]
async fn certificate_assertion_is_ps256_with_sha256_thumbprint_by_default() {
    let server = MockServer::start(|_, _| Reply::token("app-token", 3599)).await;
    let token_url = format!("{}/contoso.onmicrosoft.com/oauth2/v2.0/token", server.url());
    let (cred, der) = credential();
    assert_eq!(cred.x5t_s256(), b64url(&sha2::Sha256::digest(&der)));
    assert_eq!(cred.x5t(), b64url(&sha1::Sha1::digest(&der)));
    let source = ClientCertificate::new(
        "app-id",
        cred.clone(),
        "contoso.onmicrosoft.com",
        &token_url,
        SCOPE,
    );
    assert_eq!(
        source
            .fetch(&FetchOptions::default())
            .await
            .expect("token")
            .expose(),
        "app-token"
    );

    let request = &server.requests()[0];
    assert_eq!(
        request.form_field("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(
        request.form_field("client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(request.form_field("client_secret"), None);
    let assertion = request.form_field("client_assertion").expect("assertion");
    let header = jwt_part(&assertion, 0);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["x5t#S256"], cred.x5t_s256());

    // The signature verifies with the certificate's public key, and the claims are right.
    let key =
        jsonwebtoken::DecodingKey::from_rsa_pem(public_key_pem().as_bytes()).expect("public key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::PS256);
    validation.set_audience(&[token_url.as_str()]);
    let data = jsonwebtoken::decode::<serde_json::Value>(&assertion, &key, &validation)
        .expect("valid assertion");
    assert_eq!(data.claims["iss"], "app-id");
    assert_eq!(data.claims["sub"], "app-id");
    assert!(data.claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
}

#[tokio::test]
async fn rs256_can_be_chosen_and_uses_the_sha1_thumbprint() {
    let server = MockServer::start(|_, _| Reply::token("t", 3599)).await;
    let token_url = format!("{}/t/oauth2/v2.0/token", server.url());
    let (cred, _) = credential();
    let source = ClientCertificate::new("app", cred.clone(), "t", &token_url, SCOPE)
        .with_algorithm(AssertionAlgorithm::Rs256);
    source.fetch(&FetchOptions::default()).await.expect("token");
    let assertion = server.requests()[0]
        .form_field("client_assertion")
        .expect("assertion");
    let header = jwt_part(&assertion, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"], cred.x5t());
    let key =
        jsonwebtoken::DecodingKey::from_rsa_pem(public_key_pem().as_bytes()).expect("public key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[token_url.as_str()]);
    jsonwebtoken::decode::<serde_json::Value>(&assertion, &key, &validation)
        .expect("valid RS256 assertion");
}

/// An identity provider that only knows RS256.
fn rs256_only(request: &common::Recorded, _: usize) -> Reply {
    let assertion = request.form_field("client_assertion").unwrap_or_default();
    let part = assertion.split('.').next().unwrap_or_default();
    let header: serde_json::Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if header["alg"] == "RS256" {
        Reply::token("rs-token", 3599)
    } else {
        Reply::json(
            401,
            serde_json::json!({"error": "invalid_client", "error_description": "AADSTS5002730: Invalid JWT token. Unsupported algorithm."}),
        )
    }
}

#[tokio::test]
async fn refused_ps256_falls_back_to_rs256_once_and_remembers() {
    let server = MockServer::start(rs256_only).await;
    let (cred, _) = credential();
    let source = ClientCertificate::new(
        "app",
        cred,
        "t",
        format!("{}/t/oauth2/v2.0/token", server.url()),
        SCOPE,
    );
    assert_eq!(
        source
            .fetch(&FetchOptions::default())
            .await
            .expect("fallback token")
            .expose(),
        "rs-token"
    );
    assert_eq!(server.count(), 2);
    source
        .fetch(&FetchOptions::default())
        .await
        .expect("second token");
    assert_eq!(server.count(), 3, "the second fetch goes straight to RS256");
}

#[tokio::test]
async fn without_fallback_a_refused_ps256_is_an_error() {
    let server = MockServer::start(rs256_only).await;
    let (cred, _) = credential();
    let source = ClientCertificate::new(
        "app",
        cred,
        "t",
        format!("{}/t/oauth2/v2.0/token", server.url()),
        SCOPE,
    )
    .with_rs256_fallback(false);
    let err = source
        .fetch(&FetchOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, TokenError::Rejected { ref error, .. } if error == "invalid_client"));
    assert_eq!(server.count(), 1);
}

#[test]
fn pfx_and_pem_files_give_the_same_credential() {
    let (cert_pem, key_pem) = test_certificate();
    let from_pem =
        CertificateCredential::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).expect("pem");

    let cert_der = from_pem.certificate_der().to_vec();
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_bytes())
        .expect("read")
        .expect("a key");
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        "exomig",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(
            b"exomig-key".as_slice(),
            p12_keystore::PrivateKey::from_der(key_der.secret_der()).expect("pkcs8"),
            [p12_keystore::Certificate::from_der(&cert_der).expect("cert")],
        )),
    );
    let pfx = store.writer("pfx-pass").write().expect("pfx");
    let from_pfx = CertificateCredential::from_pfx(&pfx, &secret("pfx-pass")).expect("pfx");
    assert_eq!(from_pfx.x5t(), from_pem.x5t());
    assert_eq!(from_pfx.x5t_s256(), from_pem.x5t_s256());
    assert!(matches!(
        CertificateCredential::from_pfx(&pfx, &secret("wrong")),
        Err(TokenError::Certificate(_))
    ));

    let dir = tempfile::tempdir().expect("tempdir");
    let pfx_path = dir.path().join("app.pfx");
    std::fs::write(&pfx_path, &pfx).expect("write pfx");
    let from_file =
        CertificateCredential::from_file(&pfx_path, Some(&secret("pfx-pass"))).expect("pfx file");
    assert_eq!(from_file.x5t(), from_pem.x5t());

    // One PEM file with the certificate and a PKCS#1 key.
    let bundle = format!(
        "{cert_pem}\n{}",
        include_str!("fixtures/test-rsa-key-pkcs1.pem")
    );
    let pem_path = dir.path().join("app.pem");
    std::fs::write(&pem_path, bundle).expect("write pem");
    let from_bundle = CertificateCredential::from_file(&pem_path, None).expect("pem file");
    assert_eq!(from_bundle.x5t_s256(), from_pem.x5t_s256());
}

#[test]
fn pem_without_a_key_or_certificate_is_a_certificate_error() {
    let (cert_pem, key_pem) = test_certificate();
    assert!(matches!(
        CertificateCredential::from_pem(cert_pem.as_bytes(), b""),
        Err(TokenError::Certificate(_))
    ));
    assert!(matches!(
        CertificateCredential::from_pem(b"", key_pem.as_bytes()),
        Err(TokenError::Certificate(_))
    ));
    assert!(matches!(
        CertificateCredential::from_pfx(b"not a pfx", &secret("")),
        Err(TokenError::Certificate(_))
    ));
}

#[tokio::test]
async fn managed_identity_imds_shape() {
    let server = MockServer::start(|_, _| {
        Reply::json(200, serde_json::json!({"access_token": "msi-token", "expires_in": "3599", "expires_on": "0", "resource": "https://outlook.office365.com", "token_type": "Bearer"}))
    })
    .await;
    let endpoint = ManagedIdentityEndpoint::Imds {
        url: format!("{}/metadata/identity/oauth2/token", server.url()),
    };
    let source = ManagedIdentity::new(
        endpoint,
        "https://outlook.office365.com",
        "contoso.onmicrosoft.com",
    )
    .with_client_id("uami-id");
    let token = source.fetch(&FetchOptions::default()).await.expect("token");
    assert_eq!(token.expose(), "msi-token");
    assert!(token
        .remaining()
        .is_some_and(|d| d > Duration::from_secs(3500)));
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert!(request
        .target
        .starts_with("/metadata/identity/oauth2/token?"));
    assert_eq!(request.header("Metadata"), Some("true"));
    let query = request.query();
    assert!(query.contains(&("api-version".into(), "2018-02-01".into())));
    assert!(query.contains(&("resource".into(), "https://outlook.office365.com".into())));
    assert!(query.contains(&("client_id".into(), "uami-id".into())));
    assert!(matches!(
        source
            .fetch(&FetchOptions {
                claims: Some("c".into())
            })
            .await,
        Err(TokenError::ClaimsUnsupported)
    ));
}

#[tokio::test]
async fn managed_identity_app_service_shape() {
    let expires_on = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 1800;
    let server = MockServer::start(move |_, _| {
        Reply::json(200, serde_json::json!({"access_token": "app-svc-token", "expires_on": expires_on.to_string(), "resource": "r", "token_type": "Bearer"}))
    })
    .await;
    let endpoint = ManagedIdentityEndpoint::from_vars(
        Some(format!("{}/msi/token", server.url())),
        Some("hdr-secret".into()),
    );
    assert!(matches!(
        endpoint,
        ManagedIdentityEndpoint::AppService { .. }
    ));
    let source = ManagedIdentity::new(endpoint, "https://outlook.office365.com", "t");
    let token = source.fetch(&FetchOptions::default()).await.expect("token");
    assert_eq!(token.expose(), "app-svc-token");
    let left = token.remaining().expect("expiry from expires_on");
    assert!(left > Duration::from_secs(1700) && left <= Duration::from_secs(1800));
    let request = &server.requests()[0];
    assert_eq!(request.header("X-IDENTITY-HEADER"), Some("hdr-secret"));
    assert_eq!(request.header("Metadata"), None);
    assert!(request
        .query()
        .contains(&("api-version".into(), "2019-08-01".into())));
    assert!(!request.query().iter().any(|(k, _)| k == "client_id"));
}

#[test]
fn managed_identity_defaults_to_imds_without_app_service_variables() {
    for (endpoint, header) in [
        (None, None),
        (Some("http://x".to_owned()), None),
        (Some(String::new()), Some("h".to_owned())),
    ] {
        match ManagedIdentityEndpoint::from_vars(endpoint, header) {
            ManagedIdentityEndpoint::Imds { url } => {
                assert_eq!(url, "http://169.254.169.254/metadata/identity/oauth2/token")
            }
            other => panic!("expected IMDS, got {other:?}"),
        }
    }
}

fn unsigned_jwt(claims: serde_json::Value) -> String {
    format!(
        "{}.{}.sig",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(claims.to_string().as_bytes())
    )
}

#[tokio::test]
async fn pass_through_strips_bearer_and_reads_tid_and_exp() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let jwt = unsigned_jwt(serde_json::json!({"tid": "tenant-guid", "exp": now + 600}));
    for presented in [
        format!("Bearer {jwt}"),
        format!("bearer  {jwt} "),
        jwt.clone(),
    ] {
        let source = PassThrough::new(&secret(&presented));
        assert!(!source.cacheable());
        assert_eq!(source.tenant_id(), Some("tenant-guid"));
        let token = source.fetch(&FetchOptions::default()).await.expect("token");
        assert_eq!(token.expose(), jwt);
        assert!(token
            .remaining()
            .is_some_and(|d| d > Duration::from_secs(500)));
    }
    let opaque = PassThrough::new(&secret("not-a-jwt"));
    assert_eq!(opaque.tenant_id(), None);
    assert_eq!(
        opaque
            .fetch(&FetchOptions::default())
            .await
            .expect("token")
            .remaining(),
        None
    );

    let expired = PassThrough::new(&secret(&unsigned_jwt(serde_json::json!({"exp": now - 10}))));
    assert!(matches!(
        expired.fetch(&FetchOptions::default()).await,
        Err(TokenError::Expired)
    ));
    assert!(matches!(
        opaque
            .fetch(&FetchOptions {
                claims: Some("c".into())
            })
            .await,
        Err(TokenError::ClaimsUnsupported)
    ));
}
