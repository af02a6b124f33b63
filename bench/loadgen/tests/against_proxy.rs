//! The load generator against a real proxy and emulator in this process: every scheduled
//! call is accounted for, both paths return the same objects, and nothing fails. No timing
//! is asserted (speed lives in bench/proxy.sh and BENCHMARKS.md).

use std::sync::Arc;
use std::time::Duration;

use exomig_emulator::{EmulatorConfig, RunningEmulator, TEST_PASSWORD, TEST_USER};
use exomig_loadgen::cli::{
    CmdletSpec, IdleArgs, LatencyArgs, PoolCounts, ProxyTarget, Shape, ThroughputArgs,
};
use exomig_loadgen::run;
use exomig_proxy::config::ProxyConfig;
use exomig_proxy::upstream_backend::UpstreamBackend;
use exomig_proxy::{App, Server};

struct Stack {
    emulator: RunningEmulator,
    proxy_uri: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn stack() -> Stack {
    let emulator = exomig_emulator::spawn(EmulatorConfig::for_tests())
        .await
        .expect("emulator starts");
    let base = emulator.base_url();
    let mut config = ProxyConfig::new("127.0.0.1:0".parse().expect("addr"));
    config.upstream = Some(base.clone());
    config.authority = Some(base);
    config.tenant = Some("contoso.onmicrosoft.com".into());
    config.max_shells_per_user = 50;
    let backend = Arc::new(UpstreamBackend::new(&config).expect("backend"));
    let server = Server::bind(App::new(config, None, backend))
        .await
        .expect("bind");
    let addr = server.local_addr().expect("addr");
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Stack {
        emulator,
        proxy_uri: format!("http://{addr}/PowerShell-LiveID/"),
        _stop: stop,
    }
}

fn target(stack: &Stack, shape: Shape) -> ProxyTarget {
    ProxyTarget {
        proxy: stack.proxy_uri.clone(),
        user: TEST_USER.into(),
        password: TEST_PASSWORD.into(),
        no_compression: false,
        shape,
        proxy_pid: Some(std::process::id()),
        emulator_pid: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_run_counts_every_scheduled_call_on_both_paths() {
    let stack = stack().await;
    let args = LatencyArgs {
        target: target(&stack, Shape::Windows),
        rest: stack.emulator.base_url(),
        tenant: "contoso.onmicrosoft.com".into(),
        rate: 10.0,
        duration: Duration::from_secs(2),
        warmup: Duration::from_millis(500),
        pools: 2,
        cmdlets: vec![
            CmdletSpec::parse("Get-Mailbox -Identity adelev").unwrap(),
            CmdletSpec::parse("Get-Mailbox -ResultSize 3").unwrap(),
        ],
    };
    let report = run::latency(&args).await.expect("latency run");
    assert_eq!(report.rows.len(), 2);
    for (row, objects) in report.rows.iter().zip([1, 3]) {
        // 10/s for 2 s on each path; the warm-up's calls are not counted.
        assert_eq!(row.proxy.latency.count, 20, "{row:?}");
        assert_eq!(row.direct.latency.count, 20, "{row:?}");
        assert_eq!(row.proxy.errors, 0, "{:?}", row.proxy.first_error);
        assert_eq!(row.direct.errors, 0, "{:?}", row.direct.first_error);
        assert_eq!(row.proxy.objects, Some(objects), "{row:?}");
        assert_eq!(row.direct.objects, Some(objects), "{row:?}");
        assert!(row.proxy.latency.p50_us > 0 && row.direct.latency.p50_us > 0);
        assert!(row.proxy.latency.p99_us >= row.proxy.latency.p50_us);
    }
    let table = run::print::latency(&report);
    assert!(
        table.contains("| `Get-Mailbox -ResultSize 3` | **added** |"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_cmdlet_is_reported_before_the_clock_starts() {
    let stack = stack().await;
    let args = LatencyArgs {
        target: target(&stack, Shape::Pypsrp),
        rest: stack.emulator.base_url(),
        tenant: "contoso.onmicrosoft.com".into(),
        rate: 10.0,
        duration: Duration::from_secs(1),
        warmup: Duration::ZERO,
        pools: 1,
        cmdlets: vec![CmdletSpec::parse("Get-Mailbox -Identity nobody-here").unwrap()],
    };
    let err = run::latency(&args)
        .await
        .expect_err("a not-found error fails");
    assert!(err.to_string().contains("warm-up"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_and_idle_runs_complete_without_errors() {
    let stack = stack().await;
    let args = ThroughputArgs {
        target: target(&stack, Shape::Pypsrp),
        pools: PoolCounts(vec![1, 3]),
        duration: Duration::from_secs(1),
        warmup: Duration::from_millis(200),
        cmdlet: CmdletSpec::parse("Get-Mailbox -Identity adelev").unwrap(),
    };
    let rows = run::throughput(&args).await.expect("throughput run");
    assert_eq!(rows.iter().map(|r| r.pools).collect::<Vec<_>>(), [1, 3]);
    for r in &rows {
        assert!(r.pipelines > 0, "{r:?}");
        assert_eq!(r.errors, 0, "{:?}", r.first_error);
        assert!(r.per_second() > 0.0);
    }

    let idle = run::idle(&IdleArgs {
        target: target(&stack, Shape::Windows),
        shells: 5,
        settle: Duration::from_millis(100),
        parked_receive: true,
    })
    .await
    .expect("idle run");
    assert_eq!(idle.shells, 5);
    assert!(idle.before.rss_kb > 0 && idle.with_shells.hwm_kb >= idle.with_shells.rss_kb);
    assert!(run::print::idle(&idle).contains("RSS per idle shell"));
}
