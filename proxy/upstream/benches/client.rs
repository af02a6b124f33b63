//! Client-side costs: parameter encoding, a cached token lookup, and one InvokeCommand page of
//! 1000 objects over loopback (mock server included in the time).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::{MockServer, Reply, ScriptedSource};
use criterion::{criterion_group, criterion_main, Criterion};
use exomig_upstream::{CallContext, ExoClient, ParamValue, Parameters, TokenCache};
use serde_json::json;

fn typical_parameters() -> Parameters {
    Parameters::new()
        .with("Identity", "adelev@contoso.onmicrosoft.com")
        .with(
            "EmailAddresses",
            ParamValue::Hashtable(vec![
                (
                    "Add".into(),
                    vec!["smtp:a@contoso.com", "smtp:b@contoso.com"].into(),
                ),
                ("Remove".into(), "smtp:old@contoso.com".into()),
            ]),
        )
        .with(
            "Filter",
            "RecipientTypeDetails -eq 'UserMailbox' -and HiddenFromAddressListsEnabled -eq $false",
        )
        .with("ResultSize", "Unlimited")
        .switch("Force")
}

fn mailbox(n: usize) -> serde_json::Value {
    json!({
        "Name": format!("user{n:05}"), "Alias": format!("user{n:05}"),
        "DisplayName": format!("Test User {n:05}"),
        "PrimarySmtpAddress": format!("user{n:05}@contoso.onmicrosoft.com"),
        "EmailAddresses": [format!("SMTP:user{n:05}@contoso.onmicrosoft.com")],
        "EmailAddresses@odata.type": "#Collection(String)",
        "Guid": "ac1a660b-c8a8-4223-8c05-e398b6a458ce", "Guid@odata.type": "#Guid",
        "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)",
        "WhenCreated": "2024-01-15T09:31:00.0000000+00:00", "WhenCreated@data.type": "System.DateTime",
    })
}

fn benches(c: &mut Criterion) {
    let params = typical_parameters();
    c.bench_function("encode_parameters", |b| b.iter(|| params.to_json()));

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let cache = Arc::new(TokenCache::default());
    let source = Arc::new(ScriptedSource::fixed("token"));
    runtime
        .block_on(cache.token(source.as_ref()))
        .expect("warm cache");
    c.bench_function("token_cache_hit", |b| {
        b.iter(|| {
            runtime
                .block_on(cache.token(source.as_ref()))
                .expect("token")
        })
    });

    let page = Reply::page((0..1000).map(mailbox).collect(), None, &[]);
    let server = runtime.block_on(MockServer::start(move |_, _| page.clone()));
    let client = ExoClient::new(&server.url(), cache.clone()).expect("client");
    let ctx = CallContext::new("contoso.onmicrosoft.com", source.clone());
    let get = Parameters::new();
    c.bench_function("invoke_1000_object_page_loopback", |b| {
        b.iter(|| {
            let result = runtime
                .block_on(client.invoke(&ctx, "Get-Mailbox", &get))
                .expect("page");
            assert_eq!(result.objects.len(), 1000);
        })
    });
}

criterion_group!(client, benches);
criterion_main!(client);
