//! The InvokeCommand client against a local mock: headers, body, paging, retries, errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    call, fast_config, fixed_ctx, mock_client, MockServer, Recorded, Reply, ScriptedSource,
};
use exomig_upstream::rest::TimeoutPolicy;
use exomig_upstream::{
    Anchor, CallContext, ErrorCategory, ExoClient, ExoClientConfig, ExoError, Parameters,
    TokenCache,
};
use serde_json::json;
use uuid::Uuid;

/// The shared client helper under the name the tests read best with.
fn client(server: &MockServer) -> ExoClient {
    mock_client(server)
}

fn ctx(source: Arc<ScriptedSource>) -> CallContext {
    CallContext::new("contoso.onmicrosoft.com", source)
}

fn mailbox(n: usize) -> serde_json::Value {
    json!({ "Name": format!("user{n}"), "Guid@odata.type": "#Guid" })
}

#[tokio::test]
async fn sends_the_module_headers_and_body() {
    let server =
        MockServer::start(|_, _| Reply::page(vec![mailbox(1)], None, &["a warning"])).await;
    let connection_id = Uuid::new_v4();
    let context = fixed_ctx("tok")
        .with_anchor(Anchor::App {
            tenant: "tenant-guid".into(),
        })
        .with_connection_id(connection_id)
        .with_page_size(200)
        .with_warning_action("Ignore");
    let params = Parameters::new()
        .with("ResultSize", 50i64)
        .switch("Archive");
    let result = client(&server)
        .invoke(&context, "Get-Mailbox", &params)
        .await
        .expect("ok");
    assert_eq!(result.objects, vec![mailbox(1)]);
    assert_eq!(result.warnings, vec!["a warning".to_owned()]);
    assert_eq!(result.pages, 1);

    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand"
    );
    let expect = [
        ("authorization", "Bearer tok".to_owned()),
        ("content-type", "application/json".to_owned()),
        ("accept", "application/json".to_owned()),
        ("x-responseformat", "json".to_owned()),
        ("x-cmdletname", "Get-Mailbox".to_owned()),
        ("connection-id", connection_id.to_string()),
        ("client-request-id", result.client_request_id.to_string()),
        ("prefer", "odata.maxpagesize=50".to_owned()),
        (
            "x-anchormailbox",
            "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@tenant-guid".to_owned(),
        ),
        ("warningaction", "SilentlyContinue".to_owned()),
    ];
    for (name, value) in expect {
        assert_eq!(request.header(name), Some(value.as_str()), "header {name}");
    }
    assert_eq!(
        request.json(),
        json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"ResultSize": 50, "Archive": true}}})
    );
}

#[tokio::test]
async fn delegated_anchor_and_default_page_size() {
    let server = MockServer::start(|_, _| Reply::empty_page()).await;
    let context = fixed_ctx("tok").with_anchor(Anchor::Upn("admin@contoso.com".into()));
    client(&server)
        .invoke(&context, "Get-AcceptedDomain", &Parameters::new())
        .await
        .expect("ok");
    let request = &server.requests()[0];
    assert_eq!(
        request.header("x-anchormailbox"),
        Some("UPN:admin@contoso.com")
    );
    assert_eq!(request.header("prefer"), Some("odata.maxpagesize=1000"));
    assert_eq!(request.header("warningaction"), None);
    assert_eq!(request.header("x-clientapplication"), Some("exomig"));
    assert_eq!(request.json()["CmdletInput"]["Parameters"], json!({}));
}

/// Three pages; the next link of page 1 uses the `:446` backend port.
fn paged(port: u16) -> impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static {
    move |request, _| {
        let page: usize = request
            .target
            .split("skiptoken=")
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let values = (page * 10..page * 10 + 10).map(mailbox).collect();
        let next = match page {
            0 => Some("http://127.0.0.1:446/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=1".to_owned()),
            1 => Some(format!("http://127.0.0.1:{port}/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand?$skiptoken=2")),
            _ => None,
        };
        Reply::page(values, next, &[&format!("page {page}")])
    }
}

#[tokio::test]
async fn follows_next_links_with_the_same_body_and_request_id() {
    // The handler needs the server's own port for absolute links; start, then read it.
    let port_cell = Arc::new(std::sync::OnceLock::<u16>::new());
    let cell = port_cell.clone();
    let server = MockServer::start(move |r, i| paged(*cell.get().expect("port set"))(r, i)).await;
    port_cell.set(server.addr.port()).expect("set once");

    let context = fixed_ctx("tok");
    let params = Parameters::new().with("ResultSize", "Unlimited");
    let result = client(&server)
        .invoke(&context, "Get-Mailbox", &params)
        .await
        .expect("ok");
    assert_eq!(result.pages, 3);
    assert_eq!(result.objects.len(), 30);
    assert_eq!(result.objects[29], mailbox(29));
    assert_eq!(result.warnings, vec!["page 0", "page 1", "page 2"]);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests[1].target.ends_with("$skiptoken=1"),
        "{}",
        requests[1].target
    );
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.body, requests[0].body);
        assert_eq!(
            request.header("client-request-id"),
            requests[0].header("client-request-id")
        );
        assert_eq!(request.header("authorization"), Some("Bearer tok"));
    }
}

#[tokio::test]
async fn refuses_next_links_to_other_hosts() {
    let server = MockServer::start(|_, _| {
        Reply::page(
            vec![mailbox(0)],
            Some("http://attacker.invalid/steal?$skiptoken=1".into()),
            &[],
        )
    })
    .await;
    let err = client(&server)
        .invoke(
            &fixed_ctx("tok"),
            "Get-Mailbox",
            &Parameters::new().with("ResultSize", "Unlimited"),
        )
        .await
        .expect_err("foreign link");
    assert!(
        matches!(err, ExoError::ForeignNextLink(ref link) if link.contains("attacker")),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn retries_429_honouring_fractional_retry_after() {
    let server = MockServer::start(|_, i| {
        if i < 2 {
            Reply::exo_error(429, "", "ThrottlingException", "Too many requests")
                .header("Retry-After", "0.05")
        } else {
            Reply::page(vec![mailbox(1)], None, &[])
        }
    })
    .await;
    let started = std::time::Instant::now();
    let result = client(&server)
        .invoke(
            &fixed_ctx("tok"),
            "Set-Mailbox",
            &Parameters::new().with("Identity", "x"),
        )
        .await
        .expect("ok after throttling");
    assert_eq!(result.objects.len(), 1);
    assert_eq!(server.count(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "slept Retry-After twice"
    );
    let ids: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("client-request-id").map(str::to_owned))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "client-request-id reused across retries"
    );
}

#[tokio::test]
async fn persistent_throttling_gives_up_after_the_last_retry() {
    let server = MockServer::start(|_, _| {
        Reply::exo_error(
            429,
            "",
            "Microsoft.Exchange.ThrottlingException",
            "slow down",
        )
        .header("Retry-After", "0.01")
    })
    .await;
    let err = client(&server)
        .invoke(&fixed_ctx("tok"), "Get-Mailbox", &Parameters::new())
        .await
        .expect_err("throttled");
    match &err {
        ExoError::Throttled {
            attempts,
            retry_after,
            error,
        } => {
            assert_eq!(*attempts, 6);
            assert_eq!(*retry_after, Some(Duration::from_millis(10)));
            assert_eq!(error.message, "slow down");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.category(), ErrorCategory::LimitsExceeded);
    assert_eq!(server.count(), 6);
}

#[tokio::test]
async fn writes_are_retried_on_503_but_not_on_504_or_transient_exceptions() {
    let once_503 = MockServer::failing_first(1, || Reply::text(503, "Service Unavailable")).await;
    call(&once_503, "New-MailContact")
        .await
        .expect("503 retried");
    assert_eq!(once_503.count(), 2);

    let gateway = MockServer::failing_first(1, || Reply::text(504, "Gateway Timeout")).await;
    let err = call(&gateway, "Set-Mailbox")
        .await
        .expect_err("504 not retried for a write");
    assert_eq!(err.cmdlet_error().map(|e| e.status), Some(504));
    assert_eq!(gateway.count(), 1);
    call(&gateway, "Get-Mailbox")
        .await
        .expect("504 retried for a read");

    let transient = MockServer::start(|_, i| {
        if i % 2 == 0 {
            Reply::exo_error(
                500,
                "E1",
                "Microsoft.Exchange.Data.Storage.StorageTransientException",
                "try later",
            )
        } else {
            Reply::empty_page()
        }
    })
    .await;
    call(&transient, "Get-Recipient")
        .await
        .expect("read retried");
    assert_eq!(transient.count(), 2);
    let err = call(&transient, "Remove-MailContact")
        .await
        .expect_err("write not retried");
    assert_eq!(
        err.cmdlet_error().map(|e| e.exception_class.as_str()),
        Some("Microsoft.Exchange.Data.Storage.StorageTransientException")
    );
    assert_eq!(transient.count(), 3);
}

#[tokio::test]
async fn not_found_becomes_a_powershell_shaped_error_without_retry() {
    let server = MockServer::start(|_, _| {
        Reply::exo_error(
            404,
            "Ex6F9304",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            "The operation couldn't be performed because object 'ghost' couldn't be found.",
        )
    })
    .await;
    let err = client(&server)
        .invoke(
            &fixed_ctx("t"),
            "Get-Mailbox",
            &Parameters::new().with("Identity", "ghost"),
        )
        .await
        .expect_err("404");
    let error = err.cmdlet_error().expect("cmdlet error");
    assert_eq!(error.status, 404);
    assert_eq!(error.error_id, "Ex6F9304");
    assert_eq!(error.category, ErrorCategory::ObjectNotFound);
    assert!(error.message.contains("'ghost'"));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn non_terminating_errors_and_confirmation_messages_are_returned() {
    let server = MockServer::start(|_, _| {
        Reply::json(200, json!({
            "value": [mailbox(1)],
            "@adminapi.warnings": [],
            "@adminapi.errors": [{"error": {"details": [{"message": "E2|Some.RecipientTaskException|partial failure"}]}}, "E3|X.ArgumentException|second"],
            "@adminapi.confirmationmessage": "Are you sure?"
        }))
    })
    .await;
    let result = call(&server, "Set-Mailbox").await.expect("200");
    assert_eq!(result.objects.len(), 1);
    assert_eq!(result.errors.len(), 2);
    assert_eq!(result.errors[0].message, "partial failure");
    assert_eq!(result.errors[1].category, ErrorCategory::InvalidArgument);
    assert_eq!(
        result.confirmation_message.as_deref(),
        Some("Are you sure?")
    );
}

#[tokio::test]
async fn a_claims_challenge_fetches_a_token_with_claims_once() {
    let server = MockServer::start(|request, _| {
        if request.header("authorization") == Some("Bearer claims-token") {
            Reply::page(vec![mailbox(7)], None, &[])
        } else {
            Reply::json(401, json!({"error": {"code": "Unauthorized", "message": "token revoked"}}))
                .header("WWW-Authenticate", r#"Bearer error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ==""#)
        }
    })
    .await;
    let source = Arc::new(ScriptedSource::new(vec![
        Ok(("first".into(), Some(Duration::from_secs(3600)))),
        Ok(("claims-token".into(), Some(Duration::from_secs(3600)))),
    ]));
    let result = client(&server)
        .invoke(&ctx(source.clone()), "Get-Mailbox", &Parameters::new())
        .await
        .expect("ok");
    assert_eq!(result.objects, vec![mailbox(7)]);
    assert_eq!(
        *source.claims_seen.lock().expect("lock"),
        vec![
            None,
            Some("eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZX19fQ==".to_owned())
        ]
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_claims_challenge_with_a_pass_through_token_is_an_error() {
    let server = MockServer::start(|_, _| {
        Reply::json(401, json!({})).header("WWW-Authenticate", r#"Bearer claims="e30=""#)
    })
    .await;
    let source = Arc::new(exomig_upstream::token::PassThrough::new(
        &secrecy::SecretString::from("Bearer raw".to_owned()),
    ));
    let err = client(&server)
        .invoke(
            &CallContext::new("t", source),
            "Get-Mailbox",
            &Parameters::new(),
        )
        .await
        .expect_err("cannot meet claims");
    assert!(
        matches!(
            err,
            ExoError::Token(exomig_upstream::TokenError::ClaimsUnsupported)
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_plain_401_refreshes_the_token_once() {
    let server = MockServer::start(|_, _| {
        Reply::json(
            401,
            json!({"error": {"code": "Unauthorized", "message": "invalid token"}}),
        )
    })
    .await;
    let source = Arc::new(ScriptedSource::new(vec![
        Ok(("a".into(), Some(Duration::from_secs(3600)))),
        Ok(("b".into(), Some(Duration::from_secs(3600)))),
    ]));
    let err = client(&server)
        .invoke(&ctx(source.clone()), "Get-Mailbox", &Parameters::new())
        .await
        .expect_err("401");
    assert_eq!(
        err.cmdlet_error().map(|e| e.category),
        Some(ErrorCategory::AuthenticationError)
    );
    assert_eq!(source.fetches(), 2);
    let auths: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        auths,
        vec![Some("Bearer a".to_owned()), Some("Bearer b".to_owned())]
    );
}

#[tokio::test]
async fn redirects_keep_the_method_body_and_authorization() {
    let server = MockServer::start(|request, _| {
        if request.target.starts_with("/adminapi/beta/") {
            Reply::text(307, "").header(
                "Location",
                "/regional/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand",
            )
        } else {
            Reply::page(vec![mailbox(3)], None, &[])
        }
    })
    .await;
    let result = client(&server)
        .invoke(
            &fixed_ctx("tok"),
            "Get-Mailbox",
            &Parameters::new().with("Identity", "x"),
        )
        .await
        .expect("ok");
    assert_eq!(result.objects, vec![mailbox(3)]);
    let requests = server.requests();
    assert_eq!(requests[1].method, "POST");
    assert!(requests[1].target.starts_with("/regional/"));
    assert_eq!(requests[1].header("authorization"), Some("Bearer tok"));
    assert_eq!(requests[1].body, requests[0].body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_cmdlet_timeout_applies() {
    let server = MockServer::start(|_, _| {
        std::thread::sleep(Duration::from_millis(700));
        Reply::empty_page()
    })
    .await;
    let config = ExoClientConfig {
        timeouts: TimeoutPolicy {
            default: Duration::from_secs(30),
            overrides: vec![(
                "Get-DistributionGroupMember".into(),
                Duration::from_millis(100),
            )],
        },
        ..fast_config()
    };
    let client = client(&server).with_config(config);
    let err = client
        .invoke(
            &fixed_ctx("t"),
            "get-distributiongroupmember",
            &Parameters::new(),
        )
        .await
        .expect_err("timeout");
    assert!(
        matches!(err, ExoError::Timeout { ref cmdlet, after } if cmdlet == "get-distributiongroupmember" && after == Duration::from_millis(100)),
        "{err:?}"
    );
    assert_eq!(err.category(), ErrorCategory::OperationTimeout);
}

#[tokio::test]
async fn an_unreachable_upstream_is_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = ExoClient::new(
        &format!("http://127.0.0.1:{port}"),
        Arc::new(TokenCache::default()),
    )
    .expect("client")
    .with_config(fast_config());
    let source = Arc::new(ScriptedSource::fixed("t"));
    let err = client
        .invoke(&ctx(source), "Set-Mailbox", &Parameters::new())
        .await
        .expect_err("refused");
    assert!(matches!(err, ExoError::Transport(_)), "{err:?}");
    assert_eq!(err.category(), ErrorCategory::ConnectionError);
}

#[test]
fn invoke_url_and_bad_upstreams() {
    let client = ExoClient::new(
        "https://outlook.office365.com/",
        Arc::new(TokenCache::default()),
    )
    .expect("client");
    assert_eq!(
        client
            .invoke_url("contoso.onmicrosoft.com")
            .expect("url")
            .as_str(),
        "https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand"
    );
    assert!(matches!(
        ExoClient::new("not a url", Arc::new(TokenCache::default())),
        Err(ExoError::Config(_))
    ));
    assert!(matches!(
        ExoClient::new("ftp://host", Arc::new(TokenCache::default())),
        Err(ExoError::Config(_))
    ));
}

/// Pages of 10 objects forever (each page links to the next).
fn endless(request: &Recorded, _: usize) -> Reply {
    let page: usize = request
        .target
        .split("skiptoken=")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let values = (page * 10..page * 10 + 10).map(mailbox).collect();
    let next = format!("/adminapi/beta/t/InvokeCommand?$skiptoken={}", page + 1);
    Reply::page(values, Some(next), &[])
}

#[tokio::test]
async fn paging_follows_result_size_like_the_module() {
    let server = MockServer::start(endless).await;
    let context = fixed_ctx("t");

    let first_only = client(&server)
        .invoke(&context, "Get-Mailbox", &Parameters::new())
        .await
        .expect("ok");
    assert_eq!(
        (first_only.pages, first_only.objects.len()),
        (1, 10),
        "no ResultSize: one page"
    );

    let upto = client(&server)
        .invoke(
            &context,
            "Get-Mailbox",
            &Parameters::new().with("ResultSize", 25i64),
        )
        .await
        .expect("ok");
    assert_eq!(
        (upto.pages, upto.objects.len()),
        (3, 25),
        "ResultSize 25: three pages, truncated"
    );
    assert_eq!(upto.objects.last(), Some(&mailbox(24)));

    let all_config = ExoClientConfig {
        page_all_without_result_size: true,
        max_pages: 4,
        ..fast_config()
    };
    let capped = client(&server)
        .with_config(all_config)
        .invoke(&context, "Get-Mailbox", &Parameters::new())
        .await
        .expect("ok");
    assert_eq!(
        (capped.pages, capped.objects.len()),
        (4, 40),
        "follows pages up to max_pages"
    );
}

#[tokio::test]
async fn stats_count_requests_retries_and_throttling() {
    let server = MockServer::start(|_, i| match i {
        0 => Reply::exo_error(429, "", "ThrottlingException", "wait").header("Retry-After", "0"),
        1 => Reply::text(503, "busy"),
        _ => Reply::empty_page(),
    })
    .await;
    let client = client(&server);
    let clone = client.clone();
    clone
        .invoke(&fixed_ctx("t"), "Get-Mailbox", &Parameters::new())
        .await
        .expect("ok");
    let stats = client.stats();
    assert_eq!((stats.requests, stats.retries, stats.throttled), (3, 2, 1));
}

#[tokio::test]
async fn oversized_responses_are_refused() {
    let server =
        MockServer::start(|_, _| Reply::page((0..200).map(mailbox).collect(), None, &[])).await;
    let config = ExoClientConfig {
        max_response_bytes: 1024,
        ..fast_config()
    };
    let err = client(&server)
        .with_config(config)
        .invoke(&fixed_ctx("t"), "Get-Mailbox", &Parameters::new())
        .await
        .expect_err("too large");
    assert!(
        matches!(err, ExoError::InvalidResponse(ref m) if m.contains("1024")),
        "{err:?}"
    );
}

#[test]
fn anchor_header_values() {
    assert_eq!(Anchor::None.header_value(), None);
    assert_eq!(
        Anchor::Upn("a@b".into()).header_value().as_deref(),
        Some("UPN:a@b")
    );
    assert_eq!(
        Anchor::App {
            tenant: "contoso.onmicrosoft.com".into()
        }
        .header_value()
        .as_deref(),
        Some("APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com")
    );
    assert_eq!(
        Anchor::Raw("SMTP:x@y".into()).header_value().as_deref(),
        Some("SMTP:x@y")
    );
}

#[tokio::test]
async fn bypassed_anchoring_sends_no_anchor_header() {
    let server = MockServer::start(|_, _| Reply::empty_page()).await;
    let context = fixed_ctx("t").with_anchor(Anchor::None);
    client(&server)
        .invoke(&context, "Get-User", &Parameters::new())
        .await
        .expect("ok");
    assert_eq!(server.requests()[0].header("x-anchormailbox"), None);
}
