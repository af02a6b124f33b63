//! Throughput of the emulator over HTTP: token issuance, a 1000-object page out of 2,500
//! mailboxes, a lookup by identity, and building a 2,500-mailbox tenant.

use criterion::{criterion_group, criterion_main, Criterion};
use exomig_emulator::{spawn, EmulatorConfig, Seed, DEFAULT_CLIENT_ID, TEST_CLIENT_SECRET};
use serde_json::{json, Value};

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = EmulatorConfig::for_tests();
    config.seed = Some(Seed::generated(2500));
    let emu = runtime.block_on(spawn(config)).expect("emulator");
    let client = reqwest::Client::new();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", DEFAULT_CLIENT_ID),
        ("client_secret", TEST_CLIENT_SECRET),
        ("scope", "https://outlook.office365.com/.default"),
    ];
    let get_token = || async {
        let body: Value = client
            .post(emu.token_url())
            .form(&form)
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    };
    let token = runtime.block_on(get_token());
    let invoke = |parameters: Value| {
        let request = client
            .post(emu.invoke_url())
            .bearer_auth(&token)
            .header("Prefer", "odata.maxpagesize=1000")
            .json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": parameters}}));
        async move {
            let bytes = request
                .send()
                .await
                .expect("invoke")
                .bytes()
                .await
                .expect("body");
            assert!(bytes.len() > 100);
        }
    };

    let mut group = c.benchmark_group("emulator");
    group.sample_size(20);
    group.bench_function("token_client_credentials", |b| {
        b.iter(|| runtime.block_on(get_token()))
    });
    group.bench_function("get_mailbox_identity", |b| {
        b.iter(|| runtime.block_on(invoke(json!({"Identity": "user01234"}))))
    });
    group.bench_function("get_mailbox_page_1000_of_2500", |b| {
        b.iter(|| runtime.block_on(invoke(json!({"ResultSize": "Unlimited"}))))
    });
    group.bench_function("seed_2500_mailboxes", |b| {
        b.iter(|| Seed::generated(2500).build("contoso.onmicrosoft.com", uuid::Uuid::nil()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
