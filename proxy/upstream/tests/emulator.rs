//! End to end against the project's emulator (`exomig-emulator`): every grant type, paging,
//! throttling, token-endpoint failures and single flight, counted at the server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use exomig_emulator::{
    spawn, EmulatorConfig, RunningEmulator, Seed, TokenSpec, DEFAULT_CLIENT_ID, TEST_CLIENT_SECRET,
    TEST_PASSWORD, TEST_USER,
};
use exomig_upstream::rest::TimeoutPolicy;
use exomig_upstream::token::{
    AssertionAlgorithm, CertificateCredential, ClientCertificate, ClientSecret, ManagedIdentity,
    ManagedIdentityEndpoint, PassThrough, Password,
};
use exomig_upstream::{
    Anchor, Backoff, CallContext, Endpoints, ErrorCategory, ExoClient, ExoClientConfig, ExoError,
    Parameters, RefreshPolicy, RetryPolicy, TokenCache, TokenError, TokenSource,
};
use secrecy::SecretString;

const TENANT: &str = "contoso.onmicrosoft.com";

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn endpoints(emu: &RunningEmulator) -> Endpoints {
    Endpoints::default()
        .with_authority(emu.base_url())
        .with_upstream(emu.base_url())
}

fn cache() -> Arc<TokenCache> {
    Arc::new(TokenCache::new(RefreshPolicy {
        refresh_before: Duration::from_secs(120),
        max_attempts: 4,
        backoff: Backoff::try_new(Duration::from_millis(5), Duration::from_millis(50), 0.5)
            .expect("valid"),
    }))
}

fn client(emu: &RunningEmulator, tokens: Arc<TokenCache>) -> ExoClient {
    ExoClient::new(&emu.base_url(), tokens)
        .expect("client")
        .with_config(ExoClientConfig {
            retry: RetryPolicy {
                max_retries: 5,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(50),
            },
            timeouts: TimeoutPolicy::uniform(Duration::from_secs(60)),
            ..ExoClientConfig::default()
        })
}

fn secret_source(emu: &RunningEmulator) -> Arc<ClientSecret> {
    let ep = endpoints(emu);
    Arc::new(ClientSecret::new(
        DEFAULT_CLIENT_ID,
        secret(TEST_CLIENT_SECRET),
        TENANT,
        ep.token_url(TENANT),
        ep.scope(),
    ))
}

fn app_context(source: Arc<dyn TokenSource>) -> CallContext {
    CallContext::new(TENANT, source).with_anchor(Anchor::App {
        tenant: TENANT.into(),
    })
}

fn names(objects: &[serde_json::Value]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| {
            o.get("Name")
                .or_else(|| o.get("Identity"))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .collect()
}

/// Runs Get-Mailbox and checks the seeded tenant answered.
async fn assert_get_mailbox_works(client: &ExoClient, ctx: &CallContext) {
    let result = client
        .invoke(
            ctx,
            "Get-Mailbox",
            &Parameters::new().with("ResultSize", "Unlimited"),
        )
        .await
        .expect("Get-Mailbox");
    assert!(
        result.objects.len() >= 5,
        "seeded tenant has at least five mailboxes: {}",
        result.objects.len()
    );
    assert!(result.errors.is_empty());
}

#[tokio::test]
async fn client_secret_grant() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let tokens = cache();
    let client = client(&emu, tokens.clone());
    assert_get_mailbox_works(&client, &app_context(secret_source(&emu))).await;
    assert_eq!(emu.handle().token_requests(), 1);
    assert_eq!(tokens.stats().refreshes_ok, 1);

    let ep = endpoints(&emu);
    let wrong = ClientSecret::new(
        DEFAULT_CLIENT_ID,
        secret("wrong"),
        TENANT,
        ep.token_url(TENANT),
        ep.scope(),
    );
    let err = client
        .invoke(
            &app_context(Arc::new(wrong)),
            "Get-Mailbox",
            &Parameters::new(),
        )
        .await
        .expect_err("bad secret");
    assert!(
        matches!(err, ExoError::Token(TokenError::Rejected { ref error, .. }) if error == "invalid_client"),
        "{err:?}"
    );
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn certificate_grant_with_ps256_and_rs256() {
    let (cert_pem, key_pem) = common::test_certificate();
    let mut config = EmulatorConfig::for_tests();
    config.client_certificate_pem = Some(cert_pem.clone());
    let emu = spawn(config).await.expect("emulator");
    let ep = endpoints(&emu);
    let credential = Arc::new(
        CertificateCredential::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())
            .expect("credential"),
    );
    for algorithm in [AssertionAlgorithm::Ps256, AssertionAlgorithm::Rs256] {
        let source = ClientCertificate::new(
            DEFAULT_CLIENT_ID,
            credential.clone(),
            TENANT,
            ep.token_url(TENANT),
            ep.scope(),
        )
        .with_algorithm(algorithm)
        .with_rs256_fallback(false);
        let client = client(&emu, cache());
        assert_get_mailbox_works(&client, &app_context(Arc::new(source))).await;
    }
    assert_eq!(
        emu.handle().token_requests(),
        2,
        "one token per algorithm, no fallback needed"
    );
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn password_grant_with_the_public_client_id() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let ep = endpoints(&emu);
    let source = Password::new(
        TEST_USER,
        secret(TEST_PASSWORD),
        TENANT,
        ep.token_url(TENANT),
        ep.scope(),
    );
    let ctx = CallContext::new(TENANT, Arc::new(source)).with_anchor(Anchor::Upn(TEST_USER.into()));
    assert_get_mailbox_works(&client(&emu, cache()), &ctx).await;

    let wrong = Password::new(
        TEST_USER,
        secret("not-it"),
        TENANT,
        ep.token_url(TENANT),
        ep.scope(),
    );
    let err = wrong
        .fetch(&Default::default())
        .await
        .expect_err("wrong password");
    assert!(
        matches!(err, TokenError::Rejected { ref error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn pass_through_of_a_caller_token() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let minted = emu
        .handle()
        .mint_token(&TokenSpec::app(DEFAULT_CLIENT_ID))
        .expect("mint");
    let source = Arc::new(PassThrough::new(&secret(&format!("Bearer {minted}"))));
    assert!(source.tenant_id().is_some(), "emulator tokens carry tid");
    let tokens = cache();
    assert_get_mailbox_works(&client(&emu, tokens.clone()), &app_context(source)).await;
    assert_eq!(
        emu.handle().token_requests(),
        0,
        "no token endpoint call for pass-through"
    );

    let expired = emu
        .handle()
        .mint_token(&TokenSpec::app(DEFAULT_CLIENT_ID).expired())
        .expect("mint");
    let err = client(&emu, tokens)
        .invoke(
            &app_context(Arc::new(PassThrough::new(&secret(&expired)))),
            "Get-Mailbox",
            &Parameters::new(),
        )
        .await
        .expect_err("expired");
    assert!(
        matches!(err, ExoError::Token(TokenError::Expired)),
        "{err:?}"
    );
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn managed_identity_token_from_a_mock_imds_is_accepted_upstream() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let minted = emu
        .handle()
        .mint_token(&TokenSpec::app(DEFAULT_CLIENT_ID))
        .expect("mint");
    let imds = common::MockServer::start(move |_, _| {
        common::Reply::json(200, serde_json::json!({"access_token": minted, "expires_in": "3599", "token_type": "Bearer"}))
    })
    .await;
    let source = ManagedIdentity::new(
        ManagedIdentityEndpoint::Imds {
            url: format!("{}/metadata/identity/oauth2/token", imds.url()),
        },
        "https://outlook.office365.com",
        TENANT,
    );
    assert_get_mailbox_works(&client(&emu, cache()), &app_context(Arc::new(source))).await;
    assert_eq!(imds.requests()[0].header("Metadata"), Some("true"));
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn pages_through_more_than_2500_mailboxes() {
    let mut config = EmulatorConfig::for_tests();
    config.seed = Some(Seed::generated(2600));
    let emu = spawn(config).await.expect("emulator");
    let ctx = app_context(secret_source(&emu));
    let result = client(&emu, cache())
        .invoke(
            &ctx,
            "Get-Mailbox",
            &Parameters::new().with("ResultSize", "Unlimited"),
        )
        .await
        .expect("Get-Mailbox");
    assert!(result.objects.len() >= 2600, "got {}", result.objects.len());
    assert!(
        result.pages >= 3,
        "1000 per page means at least 3 pages, got {}",
        result.pages
    );
    let mut unique = names(&result.objects);
    let listed = unique.len();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed, "no object twice across pages");
    assert_eq!(emu.handle().invoke_requests(), u64::from(result.pages));

    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn token_endpoint_failing_twice_is_retried() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    emu.handle().fail_next_token_requests(2);
    let tokens = cache();
    assert_get_mailbox_works(
        &client(&emu, tokens.clone()),
        &app_context(secret_source(&emu)),
    )
    .await;
    assert_eq!(emu.handle().token_requests(), 3);
    let stats = tokens.stats();
    assert_eq!((stats.refreshes_ok, stats.refreshes_failed), (1, 2));
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn invoke_failures_503_are_retried() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    emu.handle().fail_next_invoke_requests(2);
    assert_get_mailbox_works(&client(&emu, cache()), &app_context(secret_source(&emu))).await;
    assert_eq!(emu.handle().invoke_requests(), 3);
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn throttling_answers_429_and_the_client_reports_it_after_retrying() {
    let mut config = EmulatorConfig::for_tests();
    config.throttle_per_minute = Some(2);
    let emu = spawn(config).await.expect("emulator");
    let client = client(&emu, cache());
    let ctx = app_context(secret_source(&emu));
    for _ in 0..2 {
        client
            .invoke(&ctx, "Get-AcceptedDomain", &Parameters::new())
            .await
            .expect("within the limit");
    }
    // The emulator's window is a minute; the client caps each wait at 50 ms here, so the
    // retries are spent quickly and the final 429 becomes the error.
    let err = client
        .invoke(&ctx, "Get-AcceptedDomain", &Parameters::new())
        .await
        .expect_err("throttled");
    match &err {
        ExoError::Throttled {
            attempts,
            retry_after,
            ..
        } => {
            assert_eq!(*attempts, 6);
            assert!(
                retry_after.is_some_and(|d| d > Duration::ZERO && d <= Duration::from_secs(60)),
                "{retry_after:?}"
            );
        }
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert_eq!(emu.handle().invoke_requests(), 2 + 6);
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_throttled_client_recovers_once_the_emulator_window_has_passed() {
    let mut config = EmulatorConfig::for_tests();
    config.throttle_per_minute = Some(1);
    config.throttle_window = Duration::from_secs(1);
    let emu = spawn(config).await.expect("emulator");
    // The module's policy, with waits long enough to honour the emulator's Retry-After
    // (whole seconds, so 1 s for a 1 s window).
    let client = ExoClient::new(&emu.base_url(), cache())
        .expect("client")
        .with_config(ExoClientConfig {
            retry: RetryPolicy {
                max_retries: 5,
                base_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(2),
            },
            timeouts: TimeoutPolicy::uniform(Duration::from_secs(60)),
            ..ExoClientConfig::default()
        });
    let ctx = app_context(secret_source(&emu));
    client
        .invoke(&ctx, "Get-AcceptedDomain", &Parameters::new())
        .await
        .expect("within the limit");
    // Over the limit: 429 with Retry-After, then admitted once the window has moved on.
    let recovered = client
        .invoke(&ctx, "Get-AcceptedDomain", &Parameters::new())
        .await
        .expect("the retry after the window succeeds");
    assert!(!recovered.objects.is_empty(), "{recovered:?}");
    let stats = client.stats();
    assert!(stats.throttled >= 1, "a 429 was seen first: {stats:?}");
    assert!(stats.retries >= 1, "{stats:?}");
    assert!(emu.handle().invoke_requests() >= 3);
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn missing_object_is_object_not_found() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let err = client(&emu, cache())
        .invoke(
            &app_context(secret_source(&emu)),
            "Get-Mailbox",
            &Parameters::new().with("Identity", "nobody-here"),
        )
        .await
        .expect_err("missing");
    let error = err.cmdlet_error().expect("cmdlet error");
    assert_eq!(error.status, 404);
    assert_eq!(error.category, ErrorCategory::ObjectNotFound);
    assert!(
        error
            .exception_class
            .ends_with("ManagementObjectNotFoundException"),
        "{error:?}"
    );
    assert!(!error.error_id.is_empty());
    assert_eq!(emu.handle().invoke_requests(), 1, "a 404 is not retried");
    emu.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_calls_make_one_token_request() {
    let emu = spawn(EmulatorConfig::for_tests()).await.expect("emulator");
    let client = client(&emu, cache());
    let ctx = app_context(secret_source(&emu));
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let (client, ctx, barrier) = (client.clone(), ctx.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                client
                    .invoke(&ctx, "Get-AcceptedDomain", &Parameters::new())
                    .await
            })
        })
        .collect();
    for call in calls {
        let result = call.await.expect("join").expect("Get-AcceptedDomain");
        assert!(!result.objects.is_empty());
    }
    assert_eq!(emu.handle().token_requests(), 1);
    assert_eq!(emu.handle().invoke_requests(), 100);
    emu.shutdown().await.expect("shutdown");
}
