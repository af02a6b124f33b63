//! The identity side: each grant, client assertions, and how InvokeCommand checks tokens.

mod common;

use common::*;
use exomig_emulator::TokenSpec;
use exomig_emulator::{
    EmulatorConfig, DEFAULT_CLIENT_ID, EXO_PUBLIC_CLIENT_ID, TEST_PASSWORD, TEST_USER,
};
use serde_json::{json, Value};

fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("three JWT parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test]
async fn client_secret_grant_issues_app_token_with_role() {
    let config = EmulatorConfig::for_tests();
    let tenant_id = config.tenant_id.to_string();
    let emu = start(config).await;
    let token = app_token(&emu).await;
    let c = claims(&token);
    assert_eq!(c["aud"], "https://outlook.office365.com");
    assert_eq!(c["tid"], tenant_id.as_str());
    assert_eq!(c["appid"], DEFAULT_CLIENT_ID);
    assert_eq!(c["roles"], json!(["Exchange.ManageAsApp"]));
    assert!(c.get("upn").is_none());
    assert!(c["exp"].as_i64() > c["iat"].as_i64());
    let reply = invoke(&emu, &token, "Get-Mailbox", json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", "not-the-secret"),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"]
        .as_str()
        .unwrap_or_default()
        .starts_with("AADSTS7000215:"));
    assert_eq!(body["error_codes"], json!([7000215]));
}

#[tokio::test]
async fn client_credentials_needs_dot_default_scope_and_known_client() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", exomig_emulator::TEST_CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "00000000-0000-0000-0000-000000000001"),
            ("client_secret", exomig_emulator::TEST_CLIENT_SECRET),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn password_grant_with_public_and_own_client_ids() {
    let emu = start(EmulatorConfig::for_tests()).await;
    for client_id in [EXO_PUBLIC_CLIENT_ID, DEFAULT_CLIENT_ID] {
        let (status, body) = token_request(
            &emu,
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("username", TEST_USER),
                ("password", TEST_PASSWORD),
                (
                    "scope",
                    "https://outlook.office365.com/.default openid profile offline_access",
                ),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let c = claims(body["access_token"].as_str().expect("token"));
        assert_eq!(c["upn"], TEST_USER);
        assert_eq!(c["scp"], "Exchange.Manage");
        assert_eq!(c["appid"], client_id);
        assert!(c.get("roles").is_none());
        let token = body["access_token"].as_str().expect("token");
        let reply = invoke(&emu, token, "Get-OrganizationConfig", json!({})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}

#[tokio::test]
async fn password_grant_refuses_wrong_password_and_unknown_grant() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "password"),
            ("client_id", EXO_PUBLIC_CLIENT_ID),
            ("username", TEST_USER),
            ("password", "wrong"),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_codes"], json!([50126]));
    let (status, body) = token_request(
        &emu,
        &[
            ("grant_type", "device_code"),
            ("client_id", EXO_PUBLIC_CLIENT_ID),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn unknown_tenant_in_token_url_is_refused() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let response = client()
        .post(format!(
            "{}/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
            emu.base_url()
        ))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error_codes"], json!([90002]));
}

#[tokio::test]
async fn injected_token_failures_answer_503_then_recover() {
    let mut config = EmulatorConfig::for_tests();
    config.fail_token_requests = 2;
    let emu = start(config).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", exomig_emulator::TEST_CLIENT_SECRET),
        ("scope", AUDIENCE_SCOPE),
    ];
    assert_eq!(token_request(&emu, &form).await.0, 503);
    assert_eq!(token_request(&emu, &form).await.0, 503);
    assert_eq!(token_request(&emu, &form).await.0, 200);
    emu.handle().fail_next_token_requests(1);
    assert_eq!(token_request(&emu, &form).await.0, 503);
    assert_eq!(emu.handle().token_requests(), 4);
}

#[tokio::test]
async fn jwks_and_metadata_are_published() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let jwks: Value = client()
        .get(format!(
            "{}/contoso.onmicrosoft.com/discovery/v2.0/keys",
            emu.base_url()
        ))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    let meta: Value = client()
        .get(format!(
            "{}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
            emu.base_url()
        ))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(
        meta["token_endpoint"].as_str(),
        Some(emu.token_url().as_str())
    );
    let health = client()
        .get(format!("{}/healthz", emu.base_url()))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status().as_u16(), 200);
}

// ---- client assertions (certificate credentials) ----

struct TestCert {
    pem: String,
    der: Vec<u8>,
    key_pem: String,
}

fn test_certificate() -> TestCert {
    let key_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/client-key.pem"
    ))
    .expect("fixture key");
    let key_pair =
        rcgen::KeyPair::from_pem_and_sign_algo(&key_pem, &rcgen::PKCS_RSA_SHA256).expect("RSA key");
    let cert = rcgen::CertificateParams::new(vec!["exomig-test-app".to_owned()])
        .expect("params")
        .self_signed(&key_pair)
        .expect("self-signed certificate");
    TestCert {
        pem: cert.pem(),
        der: cert.der().to_vec(),
        key_pem,
    }
}

fn assertion(
    cert: &TestCert,
    alg: jsonwebtoken::Algorithm,
    aud: &str,
    x5t: Option<String>,
    lifetime: i64,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let mut header = jsonwebtoken::Header::new(alg);
    header.x5t = x5t;
    let claims = json!({
        "aud": aud, "iss": DEFAULT_CLIENT_ID, "sub": DEFAULT_CLIENT_ID,
        "jti": "4b4a9d4e-1f0c-4c1e-9b53-0b1f7d1a2c3d", "nbf": now, "iat": now, "exp": now + lifetime,
    });
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(cert.key_pem.as_bytes()).expect("signing key");
    jsonwebtoken::encode(&header, &claims, &key).expect("assertion")
}

fn x5t(der: &[u8]) -> String {
    use base64::Engine as _;
    use sha1::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der))
}

async fn assertion_grant(emu: &exomig_emulator::RunningEmulator, assertion: &str) -> (u16, Value) {
    token_request(
        emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await
}

#[tokio::test]
async fn client_assertion_rs256_and_ps256_are_accepted() {
    let cert = test_certificate();
    let mut config = EmulatorConfig::for_tests();
    config.client_secret = None;
    config.client_certificate_pem = Some(cert.pem.clone());
    let emu = start(config).await;
    let aud = emu.token_url();
    for alg in [
        jsonwebtoken::Algorithm::RS256,
        jsonwebtoken::Algorithm::PS256,
    ] {
        let (status, body) = assertion_grant(
            &emu,
            &assertion(&cert, alg, &aud, Some(x5t(&cert.der)), 600),
        )
        .await;
        assert_eq!(status, 200, "{alg:?}: {body}");
        let token = body["access_token"].as_str().expect("token");
        assert_eq!(claims(token)["roles"], json!(["Exchange.ManageAsApp"]));
        let reply = invoke(&emu, token, "Get-AcceptedDomain", json!({})).await;
        assert_eq!(reply.status, 200);
    }
}

#[tokio::test]
async fn client_assertion_refusals() {
    let cert = test_certificate();
    let other = {
        // Same key, different certificate: its thumbprint must not match the registered one.
        let key_pair =
            rcgen::KeyPair::from_pem_and_sign_algo(&cert.key_pem, &rcgen::PKCS_RSA_SHA256)
                .expect("key");
        rcgen::CertificateParams::new(vec!["other".to_owned()])
            .expect("params")
            .self_signed(&key_pair)
            .expect("cert")
    };
    let mut config = EmulatorConfig::for_tests();
    config.client_certificate_pem = Some(cert.pem.clone());
    let emu = start(config).await;
    let aud = emu.token_url();
    let rs = jsonwebtoken::Algorithm::RS256;
    let cases = [
        (
            "wrong x5t",
            assertion(&cert, rs, &aud, Some(x5t(other.der())), 600),
            700027,
        ),
        ("expired", assertion(&cert, rs, &aud, None, -3600), 700024),
        (
            "wrong audience",
            assertion(
                &cert,
                rs,
                "https://login.microsoftonline.com/x/oauth2/v2.0/token",
                None,
                600,
            ),
            700021,
        ),
    ];
    for (name, jwt, code) in cases {
        let (status, body) = assertion_grant(&emu, &jwt).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["error"], "invalid_client", "{name}");
        assert_eq!(body["error_codes"], json!([code]), "{name}: {body}");
    }
    // A tampered signature.
    let good = assertion(&cert, rs, &aud, None, 600);
    let tampered = flip_signature_byte(&good);
    let (status, body) = assertion_grant(&emu, &tampered).await;
    assert_eq!(
        (status, body["error_codes"].clone()),
        (401, json!([700027]))
    );
}

// ---- token checks on InvokeCommand ----

/// Changes one character in the middle of the signature segment.
fn flip_signature_byte(jwt: &str) -> String {
    let (head, signature) = jwt.rsplit_once('.').expect("JWT");
    let mut bytes = signature.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    format!("{head}.{}", String::from_utf8(bytes).expect("ASCII"))
}

async fn assert_401(emu: &exomig_emulator::RunningEmulator, url: &str, token: &str, case: &str) {
    let reply = post(url, token, &body("Get-Mailbox", json!({})), None).await;
    assert_eq!(reply.status, 401, "{case}: {}", reply.body);
    let challenge = reply
        .headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{case}: {challenge}"
    );
    let _ = emu;
}

#[tokio::test]
async fn invalid_tokens_are_refused_with_401() {
    let config = EmulatorConfig::for_tests();
    let emu = start(config).await;
    let handle = emu.handle();
    let url = emu.invoke_url();
    let good = app_token(&emu).await;
    assert_401(
        &emu,
        &url,
        &flip_signature_byte(&good),
        "tampered signature",
    )
    .await;
    let expired = handle
        .mint_token(&TokenSpec::app(DEFAULT_CLIENT_ID).expired())
        .expect("mint");
    assert_401(&emu, &url, &expired, "expired").await;
    let mut wrong_aud = TokenSpec::app(DEFAULT_CLIENT_ID);
    wrong_aud.audience = Some("https://graph.microsoft.com".to_owned());
    assert_401(
        &emu,
        &url,
        &handle.mint_token(&wrong_aud).expect("mint"),
        "wrong audience",
    )
    .await;
    let mut other_tenant = TokenSpec::app(DEFAULT_CLIENT_ID);
    other_tenant.tenant_id = Some(exomig_emulator::tenant_id_for("fabrikam.onmicrosoft.com"));
    assert_401(
        &emu,
        &url,
        &handle.mint_token(&other_tenant).expect("mint"),
        "token of another tenant",
    )
    .await;
    let other_url = format!(
        "{}/adminapi/beta/fabrikam.onmicrosoft.com/InvokeCommand",
        emu.base_url()
    );
    assert_401(&emu, &other_url, &good, "URL of another tenant").await;
    assert_401(&emu, &url, "", "no token").await;
    assert_401(&emu, &url, "not.a.jwt", "garbage").await;
    // The untouched token still works, so the refusals above were about the changes.
    let ok = post(&url, &good, &body("Get-Mailbox", json!({})), None).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn app_token_without_role_is_forbidden() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let mut spec = TokenSpec::app(DEFAULT_CLIENT_ID);
    spec.roles = Some(vec!["Mail.Read".to_owned()]);
    let token = emu.handle().mint_token(&spec).expect("mint");
    let reply = invoke(&emu, &token, "Get-Mailbox", json!({})).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[tokio::test]
async fn tenant_guid_and_any_path_casing_are_accepted() {
    let config = EmulatorConfig::for_tests();
    let tenant_id = config.tenant_id;
    let emu = start(config).await;
    let token = app_token(&emu).await;
    for path in [
        format!("/AdminApi/beta/{tenant_id}/InvokeCommand"),
        "/adminapi/v1.0/CONTOSO.onmicrosoft.com/invokecommand".to_owned(),
    ] {
        let reply = post(
            &format!("{}{path}", emu.base_url()),
            &token,
            &body("Get-Mailbox", json!({})),
            None,
        )
        .await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(!reply.objects().is_empty());
    }
}
