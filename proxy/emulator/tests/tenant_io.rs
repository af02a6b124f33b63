//! Paging, throttling, failure injection, `--seed` and `--state`.

mod common;

use std::collections::HashSet;

use common::*;
use exomig_emulator::{spawn, EmulatorConfig, Error, Seed};
use serde_json::{json, Value};

/// Follows `@odata.nextLink` with the same body, as the module does.
async fn all_pages(url: &str, token: &str, body: &Value, prefer: &str) -> (Vec<Reply>, Vec<Value>) {
    let mut pages = Vec::new();
    let mut objects = Vec::new();
    let mut next = Some(url.to_owned());
    while let Some(link) = next.take() {
        let page = post(&link, token, body, Some(prefer)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        objects.extend(page.objects());
        next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
        pages.push(page);
        assert!(pages.len() < 100, "paging does not end");
    }
    (pages, objects)
}

#[tokio::test]
async fn pages_through_2500_mailboxes() {
    let mut config = EmulatorConfig::for_tests();
    config.seed = Some(Seed::generated(2500));
    let emu = start(config).await;
    let token = app_token(&emu).await;
    let request = body("Get-Mailbox", json!({"ResultSize": "Unlimited"}));
    let (pages, objects) = all_pages(
        &emu.invoke_url(),
        &token,
        &request,
        "odata.maxpagesize=1000",
    )
    .await;
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages.iter().map(|p| p.objects().len()).collect::<Vec<_>>(),
        vec![1000, 1000, 500]
    );
    let link = pages[0].body["@odata.nextLink"]
        .as_str()
        .unwrap_or_default();
    assert!(
        link.starts_with(&format!("{}/adminapi/beta/", emu.base_url())),
        "absolute link: {link}"
    );
    let unique: HashSet<&str> = objects
        .iter()
        .filter_map(|o| o["ExchangeGuid"].as_str())
        .collect();
    assert_eq!(unique.len(), 2500);
    // Without ResultSize Exchange stops at 1000 and says so.
    let first = post(
        &emu.invoke_url(),
        &token,
        &body("Get-Mailbox", json!({})),
        None,
    )
    .await;
    assert_eq!(first.objects().len(), 1000);
    assert!(first.body.get("@odata.nextLink").is_none());
    assert!(first.warnings()[0].starts_with("There are more results available"));
}

#[tokio::test]
async fn small_pages_and_skip_token_bound_to_body() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let token = app_token(&emu).await;
    let request = body("Get-Recipient", json!({"ResultSize": "Unlimited"}));
    let (pages, objects) =
        all_pages(&emu.invoke_url(), &token, &request, "odata.maxpagesize=3").await;
    let total = post(&emu.invoke_url(), &token, &request, None)
        .await
        .objects()
        .len();
    assert_eq!(objects.len(), total);
    assert_eq!(pages.len(), total.div_ceil(3));
    let link = pages[0].body["@odata.nextLink"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let other = post(&link, &token, &body("Get-Mailbox", json!({})), None).await;
    assert_eq!(
        other.status, 400,
        "a skip token only fits the body it came with"
    );
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let mut config = EmulatorConfig::for_tests();
    config.throttle_per_minute = Some(3);
    let emu = start(config).await;
    let token = app_token(&emu).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let reply = invoke(&emu, &token, "Get-AcceptedDomain", json!({})).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["rate-limit-limit"], "3");
        remaining.push(
            reply.headers["rate-limit-remaining"]
                .to_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    assert_eq!(remaining, vec!["2", "1", "0"]);
    let throttled = invoke(&emu, &token, "Get-AcceptedDomain", json!({})).await;
    assert_eq!(throttled.status, 429);
    let retry_after: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap_or_default()
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(throttled.body["error"]["code"], "TooManyRequests");
    assert!(throttled.detail().contains("ThrottlingException"));
}

#[tokio::test]
async fn injected_invoke_failures_and_oversized_bodies() {
    let mut config = EmulatorConfig::for_tests();
    config.fail_invoke_requests = 1;
    let emu = start(config).await;
    let token = app_token(&emu).await;
    assert_eq!(
        invoke(&emu, &token, "Get-Mailbox", json!({})).await.status,
        503
    );
    assert_eq!(
        invoke(&emu, &token, "Get-Mailbox", json!({})).await.status,
        200
    );
    assert_eq!(emu.handle().invoke_requests(), 2);
    let huge = body("Get-Mailbox", json!({"Identity": "x".repeat(2 << 20)}));
    assert_eq!(
        post(&emu.invoke_url(), &token, &huge, None).await.status,
        413
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("tenant.json");
    let mut config = EmulatorConfig::for_tests();
    config.state_file = Some(state.clone());
    let emu = start(config.clone()).await;
    let token = app_token(&emu).await;
    let set = invoke(
        &emu,
        &token,
        "Set-Mailbox",
        json!({"Identity": "alexw", "CustomAttribute5": "persisted"}),
    )
    .await;
    assert_eq!(set.status, 200);
    let contact = invoke(
        &emu,
        &token,
        "New-MailContact",
        json!({"Name": "Kept Contact", "ExternalEmailAddress": "kept@example.org"}),
    )
    .await;
    assert_eq!(contact.status, 200);
    emu.shutdown().await.expect("shutdown");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state file")).expect("JSON");
    assert_eq!(on_disk["domain"], "contoso.onmicrosoft.com");

    let emu = start(config).await;
    let token = app_token(&emu).await;
    let alex = invoke(&emu, &token, "Get-Mailbox", json!({"Identity": "alexw"}))
        .await
        .objects();
    assert_eq!(alex[0]["CustomAttribute5"], "persisted");
    let kept = invoke(
        &emu,
        &token,
        "Get-MailContact",
        json!({"Identity": "kept@example.org"}),
    )
    .await;
    assert_eq!(kept.status, 200);
}

#[tokio::test]
async fn seed_file_is_loaded_and_errors_are_reported() {
    let mut config = EmulatorConfig::for_tests();
    config.seed_file = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/seed-example.json").into());
    let emu = start(config).await;
    let token = app_token(&emu).await;
    let mailboxes = invoke(
        &emu,
        &token,
        "Get-Mailbox",
        json!({"ResultSize": "Unlimited"}),
    )
    .await
    .objects();
    assert_eq!(mailboxes.len(), 26, "6 listed + 20 generated");
    let jane = invoke(&emu, &token, "Get-User", json!({"Identity": "jdoe"}))
        .await
        .objects();
    assert_eq!(
        (jane[0]["FirstName"].as_str(), jane[0]["LastName"].as_str()),
        (Some("Jane"), Some("Doe"))
    );
    let finance = invoke(
        &emu,
        &token,
        "Get-DistributionGroupMember",
        json!({"Identity": "finance"}),
    )
    .await
    .objects();
    assert_eq!(finance.len(), 2);
    let perms = invoke(
        &emu,
        &token,
        "Get-MailboxPermission",
        json!({"Identity": "helpdesk", "User": "jdoe"}),
    )
    .await
    .objects();
    assert_eq!(perms.len(), 1);

    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"Groups":[{"Alias":"g","Members":["nobody"]}]}"#).expect("write");
    let mut config = EmulatorConfig::for_tests();
    config.seed_file = Some(bad);
    match spawn(config).await {
        Err(Error::Seed { reason, .. }) => assert!(reason.contains("nobody"), "{reason}"),
        Err(other) => panic!("expected a seed error, got {other}"),
        Ok(_) => panic!("an inconsistent seed must not start"),
    }
}

#[tokio::test]
async fn batch_runs_each_member_and_its_pages_continue_outside() {
    let emu = start(EmulatorConfig::for_tests()).await;
    let token = app_token(&emu).await;
    let url = emu.invoke_url();
    let envelope = json!({"requests": [
        {"id": "0", "method": "POST", "url": url, "headers": {"Prefer": "odata.maxpagesize=2"},
         "body": body("Get-Mailbox", json!({"ResultSize": "Unlimited"}))},
        {"id": "1", "method": "POST", "url": url, "headers": {}, "body": body("Get-Mailbox", json!({"Identity": "nobody"}))},
        {"id": "2", "method": "POST", "url": url, "headers": {},
         "body": body("Add-DistributionGroupMember", json!({"Identity": "sales", "Member": "meganb"}))},
    ]});
    let batch_url = url.replace("/InvokeCommand", "/$batch");
    let reply = post(&batch_url, &token, &envelope, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let responses = reply.body["responses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let statuses: Vec<(String, u64)> = responses
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default().to_owned(),
                r["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![("0".into(), 200), ("1".into(), 404), ("2".into(), 200)]
    );
    assert_eq!(
        responses[0]["body"]["value"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(emu.handle().invoke_requests(), 3);
    // The next page of member 0 is fetched on its own, with the member's body.
    let next = responses[0]["body"]["@odata.nextLink"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let page = post(
        &next,
        &token,
        &envelope["requests"][0]["body"],
        Some("odata.maxpagesize=2"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.objects().len(), 2);
    let members = invoke(
        &emu,
        &token,
        "Get-DistributionGroupMember",
        json!({"Identity": "sales"}),
    )
    .await;
    assert_eq!(members.objects().len(), 3, "member 2 ran");
}
