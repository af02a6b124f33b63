//! The token endpoint: each grant, and the ways a request gets refused.

mod common;

use common::*;
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
