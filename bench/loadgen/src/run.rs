//! The three measurements: open-loop latency, closed-loop throughput, idle shells.

use std::sync::Arc;
use std::time::{Duration, Instant};

use exomig_winclient::{Cmd, WinClient, WinClientConfig, WinClientError};
use tokio::sync::{Mutex, Semaphore};

use crate::cli::{CmdletSpec, IdleArgs, LatencyArgs, ProxyTarget, Shape, ThroughputArgs};
use crate::procfs::{self, Memory, ProcError};
use crate::rest::{RestClient, RestError};
use crate::stats::{Latencies, Summary};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("opening a runspace pool through the proxy failed: {0}")]
    Open(WinClientError),
    #[error("direct REST setup failed: {0}")]
    Rest(#[from] RestError),
    #[error("{0}")]
    Proc(#[from] ProcError),
    #[error("a warm-up call failed, so the measurement would be meaningless: {0}")]
    Warmup(String),
    #[error("idle mode needs --proxy-pid to read the proxy's memory")]
    NoPid,
}

/// Largest fragment blob we send. Windows cuts fragments by the envelope size (512000 by
/// default), so a cmdlet call is one Command; the winclient's small test default would add
/// Sends that no real client makes.
const FRAGMENT_BLOB: usize = 150_000;

pub fn client_config(target: &ProxyTarget) -> WinClientConfig {
    let mut config = WinClientConfig::new(&target.proxy, &target.user, &target.password);
    config.compression = !target.no_compression;
    config.fragment_blob = FRAGMENT_BLOB;
    config.keep_exchanges = false;
    config
}

/// New-PSSession through the proxy.
pub async fn open_pool(target: &ProxyTarget) -> Result<WinClient, RunError> {
    let client = WinClient::new(client_config(target)).map_err(RunError::Open)?;
    client.open().await.map_err(RunError::Open)?;
    Ok(client)
}

/// One cmdlet call through the proxy; Ok(objects) when it Completed without errors, with
/// the instant the final Receive was read.
pub async fn proxy_call(
    client: &WinClient,
    cmd: &Cmd,
    shape: Shape,
) -> Result<(usize, Instant), String> {
    let commands = std::slice::from_ref(cmd);
    let run = match shape {
        Shape::Windows => client.invoke(commands, &[]).await,
        Shape::Pypsrp => client.run(commands).await,
    }
    .map_err(|e| e.to_string())?;
    if run.state != 4 || !run.errors.is_empty() {
        return Err(format!(
            "pipeline ended in state {} with {} error record(s)",
            run.state,
            run.errors.len()
        ));
    }
    let done = run.done_at.unwrap_or_else(Instant::now);
    Ok((run.outputs.len(), done))
}

/// CPU time of the processes involved, to tell the proxy's own cost from machine noise.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub proxy: Option<Duration>,
    pub emulator: Option<Duration>,
    pub loadgen: Option<Duration>,
}

impl Cpu {
    pub fn now(target: &ProxyTarget) -> Self {
        let of = |pid: Option<u32>| pid.and_then(|p| procfs::cpu(p).ok());
        Self {
            proxy: of(target.proxy_pid),
            emulator: of(target.emulator_pid),
            loadgen: procfs::cpu(std::process::id()).ok(),
        }
    }

    pub fn since(&self, earlier: &Cpu) -> Cpu {
        let d = |a: Option<Duration>, b: Option<Duration>| Some(a?.saturating_sub(b?));
        Cpu {
            proxy: d(self.proxy, earlier.proxy),
            emulator: d(self.emulator, earlier.emulator),
            loadgen: d(self.loadgen, earlier.loadgen),
        }
    }
}

/// Runspace pools handed out one call at a time.
struct PoolSet {
    idle: Mutex<Vec<Arc<WinClient>>>,
    available: Semaphore,
}

impl PoolSet {
    async fn open(target: &ProxyTarget, n: usize) -> Result<Self, RunError> {
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            clients.push(Arc::new(open_pool(target).await?));
        }
        Ok(Self {
            idle: Mutex::new(clients),
            available: Semaphore::new(n),
        })
    }

    async fn call(&self, cmd: &Cmd, shape: Shape) -> Result<(usize, Instant), String> {
        let _permit = self.available.acquire().await.map_err(|e| e.to_string())?;
        let client = self.idle.lock().await.pop().ok_or("no idle pool")?;
        let result = proxy_call(&client, cmd, shape).await;
        self.idle.lock().await.push(client);
        result
    }

    async fn close(&self) {
        for client in self.idle.lock().await.drain(..) {
            let _ = client.close().await;
        }
    }
}

/// One measured path of one cmdlet.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub latency: Summary,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Objects the first successful call returned (both paths must agree).
    pub objects: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct LatencyRow {
    pub cmdlet: String,
    pub proxy: PathResult,
    pub direct: PathResult,
    /// How late the scheduler started calls (p99, µs): the open loop held only when this is
    /// small next to the latencies.
    pub send_lag_p99_us: u64,
    pub cpu: Cpu,
}

#[derive(Debug, Clone)]
pub struct LatencyReport {
    pub rate: f64,
    pub duration: Duration,
    pub shape: Shape,
    pub compression: bool,
    pub rows: Vec<LatencyRow>,
}

enum Path {
    Proxy,
    Direct,
}

struct Sample {
    path: Path,
    measured: bool,
    lag: Duration,
    result: Result<(usize, Duration), String>,
}

#[derive(Default)]
struct PathAcc {
    hist: Latencies,
    errors: u64,
    first_error: Option<String>,
    objects: Option<usize>,
}

impl PathAcc {
    fn add(&mut self, result: Result<(usize, Duration), String>) {
        match result {
            Ok((objects, latency)) => {
                self.hist.record(latency);
                self.objects.get_or_insert(objects);
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn finish(self) -> PathResult {
        PathResult {
            latency: self.hist.summary(),
            errors: self.errors,
            first_error: self.first_error,
            objects: self.objects,
        }
    }
}

/// Open loop: calls start on a fixed schedule whatever the earlier calls are doing, each in
/// its own task (so a slow answer never delays the next send, the coordinated-omission trap
/// of closed-loop clients). Proxy and direct calls alternate on one schedule of 2×rate, so
/// both paths see the same machine load at the same moments. Latency runs from the actual
/// send to the final Receive (proxy) or the parsed answer (direct).
pub async fn latency(args: &LatencyArgs) -> Result<LatencyReport, RunError> {
    let cmdlets = if args.cmdlets.is_empty() {
        crate::cli::default_latency_cmdlets()
    } else {
        args.cmdlets.clone()
    };
    let target = &args.target;
    let rest = Arc::new(
        RestClient::connect(&args.rest, &args.tenant, &target.user, &target.password).await?,
    );
    let pools = Arc::new(PoolSet::open(target, args.pools.max(1)).await?);
    let mut rows = Vec::new();
    for spec in &cmdlets {
        rows.push(latency_one(args, spec, &rest, &pools).await?);
    }
    pools.close().await;
    Ok(LatencyReport {
        rate: args.rate,
        duration: args.duration,
        shape: target.shape,
        compression: !target.no_compression,
        rows,
    })
}

async fn latency_one(
    args: &LatencyArgs,
    spec: &CmdletSpec,
    rest: &Arc<RestClient>,
    pools: &Arc<PoolSet>,
) -> Result<LatencyRow, RunError> {
    let cmd = Arc::new(spec.to_cmd());
    let prepared = Arc::new(rest.prepare(spec)?);
    let shape = args.target.shape;
    // One call each way before the clock starts: a failing setup should say so, not
    // produce a table of errors.
    pools
        .call(&cmd, shape)
        .await
        .map_err(|e| RunError::Warmup(format!("proxy: {e}")))?;
    rest.invoke(&prepared)
        .await
        .map_err(|e| RunError::Warmup(format!("direct: {e}")))?;

    let period = Duration::from_secs_f64(1.0 / (2.0 * args.rate));
    let warmup_ticks = (args.warmup.as_secs_f64() * 2.0 * args.rate).round() as u64;
    let measured_ticks = (args.duration.as_secs_f64() * 2.0 * args.rate).round() as u64;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut cpu_before = None;
    for i in 0..warmup_ticks + measured_ticks {
        let at = start + period.mul_f64(i as f64);
        tokio::time::sleep_until(at).await;
        let measured = i >= warmup_ticks;
        if i == warmup_ticks {
            cpu_before = Some(Cpu::now(&args.target));
        }
        let tx = tx.clone();
        let lag = tokio::time::Instant::now().saturating_duration_since(at);
        if i % 2 == 0 {
            let pools = Arc::clone(pools);
            let cmd = Arc::clone(&cmd);
            tokio::spawn(async move {
                let sent = Instant::now();
                let result = pools
                    .call(&cmd, shape)
                    .await
                    .map(|(n, done)| (n, done.saturating_duration_since(sent)));
                let _ = tx.send(Sample {
                    path: Path::Proxy,
                    measured,
                    lag,
                    result,
                });
            });
        } else {
            let rest = Arc::clone(rest);
            let prepared = Arc::clone(&prepared);
            tokio::spawn(async move {
                let sent = Instant::now();
                let result = rest
                    .invoke(&prepared)
                    .await
                    .map(|n| (n, sent.elapsed()))
                    .map_err(|e| e.to_string());
                let _ = tx.send(Sample {
                    path: Path::Direct,
                    measured,
                    lag,
                    result,
                });
            });
        }
    }
    drop(tx);
    let mut proxy = PathAcc::default();
    let mut direct = PathAcc::default();
    let mut lags = Latencies::new();
    while let Some(sample) = rx.recv().await {
        if !sample.measured {
            continue;
        }
        lags.record(sample.lag);
        match sample.path {
            Path::Proxy => proxy.add(sample.result),
            Path::Direct => direct.add(sample.result),
        }
    }
    let cpu = cpu_before
        .map(|before| Cpu::now(&args.target).since(&before))
        .unwrap_or_default();
    Ok(LatencyRow {
        cmdlet: spec.display(),
        proxy: proxy.finish(),
        direct: direct.finish(),
        send_lag_p99_us: lags.summary().p99_us,
        cpu,
    })
}

#[derive(Debug, Clone)]
pub struct ThroughputRow {
    pub pools: usize,
    pub pipelines: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub latency: Summary,
    pub cpu: Cpu,
}

impl ThroughputRow {
    pub fn per_second(&self) -> f64 {
        self.pipelines as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Closed loop per pool: each of N pools runs the cmdlet back to back; a pipeline counts
/// when it completes within the measured window.
pub async fn throughput(args: &ThroughputArgs) -> Result<Vec<ThroughputRow>, RunError> {
    let mut rows = Vec::new();
    for &n in &args.pools.0 {
        rows.push(throughput_one(args, n).await?);
    }
    Ok(rows)
}

async fn throughput_one(args: &ThroughputArgs, n: usize) -> Result<ThroughputRow, RunError> {
    let target = &args.target;
    let cmd = args.cmdlet.to_cmd();
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(Arc::new(open_pool(target).await?));
    }
    proxy_call(&clients[0], &cmd, target.shape)
        .await
        .map_err(RunError::Warmup)?;
    let cmd = Arc::new(cmd);
    let warm_until = Instant::now() + args.warmup;
    let measure_until = warm_until + args.duration;
    let cpu_before = Arc::new(std::sync::Mutex::new(None::<Cpu>));
    let mut tasks = tokio::task::JoinSet::new();
    for client in &clients {
        let client = Arc::clone(client);
        let cmd = Arc::clone(&cmd);
        let shape = target.shape;
        let cpu_before = Arc::clone(&cpu_before);
        let target = target.clone();
        tasks.spawn(async move {
            let mut hist = Latencies::new();
            let mut errors = 0u64;
            let mut first_error = None;
            loop {
                let sent = Instant::now();
                if sent >= measure_until {
                    break;
                }
                if sent >= warm_until {
                    if let Ok(mut c) = cpu_before.lock() {
                        c.get_or_insert_with(|| Cpu::now(&target));
                    }
                }
                let result = proxy_call(&client, &cmd, shape).await;
                let end = Instant::now();
                if sent < warm_until || end > measure_until {
                    continue;
                }
                match result {
                    Ok((_, done)) => hist.record(done.saturating_duration_since(sent)),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (hist, errors, first_error)
        });
    }
    let mut hist = Latencies::new();
    let mut errors = 0;
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((h, e, f)) => {
                hist.merge(&h);
                errors += e;
                if first_error.is_none() {
                    first_error = f;
                }
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(format!("a pool task failed: {e}"));
            }
        }
    }
    let before = cpu_before.lock().ok().and_then(|c| *c);
    let cpu = before
        .map(|b| Cpu::now(target).since(&b))
        .unwrap_or_default();
    for client in &clients {
        let _ = client.close().await;
    }
    Ok(ThroughputRow {
        pools: n,
        pipelines: hist.len(),
        errors,
        first_error,
        elapsed: args.duration,
        latency: hist.summary(),
        cpu,
    })
}

#[derive(Debug, Clone)]
pub struct IdleReport {
    pub shells: usize,
    pub parked_receive: bool,
    pub before: Memory,
    pub with_shells: Memory,
    pub after_close: Memory,
}

impl IdleReport {
    /// RSS growth per open idle shell, KiB.
    pub fn kb_per_shell(&self) -> f64 {
        (self.with_shells.rss_kb as f64 - self.before.rss_kb as f64) / self.shells.max(1) as f64
    }
}

/// Opens K shells through the proxy and leaves them idle (optionally with a parked pool
/// Receive each), reading the proxy's RSS before, with them open, and after closing them.
/// One shell is opened, used and closed first, so one-time costs (token, catalogue, TLS-free
/// connection setup, allocator arenas) are not charged to the idle shells.
pub async fn idle(args: &IdleArgs) -> Result<IdleReport, RunError> {
    let target = &args.target;
    let pid = target.proxy_pid.ok_or(RunError::NoPid)?;
    {
        let warm = open_pool(target).await?;
        let spec = CmdletSpec::parse("Get-Mailbox -ResultSize 1").expect("fixed line parses");
        proxy_call(&warm, &spec.to_cmd(), target.shape)
            .await
            .map_err(RunError::Warmup)?;
        let _ = warm.close().await;
    }
    tokio::time::sleep(args.settle).await;
    let before = procfs::memory(pid)?;
    let mut clients = Vec::with_capacity(args.shells);
    for _ in 0..args.shells {
        clients.push(Arc::new(open_pool(target).await?));
    }
    let mut parked = tokio::task::JoinSet::new();
    if args.parked_receive {
        for client in &clients {
            let client = Arc::clone(client);
            parked.spawn(async move {
                // A TimedOut fault is Ok(0): post the next one, as the WinRM client does.
                while client.pool_receive().await.is_ok() {}
            });
        }
    }
    tokio::time::sleep(args.settle).await;
    let with_shells = procfs::memory(pid)?;
    parked.abort_all();
    while parked.join_next().await.is_some() {}
    for client in &clients {
        let _ = client.close().await;
    }
    drop(clients);
    tokio::time::sleep(args.settle).await;
    let after_close = procfs::memory(pid)?;
    Ok(IdleReport {
        shells: args.shells,
        parked_receive: args.parked_receive,
        before,
        with_shells,
        after_close,
    })
}

/// Markdown tables of the reports.
pub mod print {
    use super::*;
    use crate::stats::{ms, ms_diff};

    fn cpu_per_call(cpu: Option<Duration>, calls: u64) -> String {
        match cpu {
            Some(c) if calls > 0 => format!("{:.3}", c.as_secs_f64() * 1000.0 / calls as f64),
            _ => "–".into(),
        }
    }

    pub fn latency(r: &LatencyReport) -> String {
        let mut out = format!(
            "latency: open loop, {:.0} calls/s on each path for {:.0} s, shape {:?}, compression {}\n\n",
            r.rate,
            r.duration.as_secs_f64(),
            r.shape,
            if r.compression { "on" } else { "off" }
        );
        out.push_str(
            "| cmdlet | path | calls | errors | objects | p50 ms | p90 ms | p99 ms | max ms |\n",
        );
        out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for row in &r.rows {
            for (name, p) in [("proxy", &row.proxy), ("direct REST", &row.direct)] {
                out.push_str(&format!(
                    "| `{}` | {name} | {} | {} | {} | {} | {} | {} | {} |\n",
                    row.cmdlet,
                    p.latency.count,
                    p.errors,
                    p.objects.map_or("–".into(), |n| n.to_string()),
                    ms(p.latency.p50_us),
                    ms(p.latency.p90_us),
                    ms(p.latency.p99_us),
                    ms(p.latency.max_us),
                ));
            }
            let (a, b) = (&row.proxy.latency, &row.direct.latency);
            out.push_str(&format!(
                "| `{}` | **added** | | | | **{}** | {} | **{}** | |\n",
                row.cmdlet,
                ms_diff(a.p50_us, b.p50_us),
                ms_diff(a.p90_us, b.p90_us),
                ms_diff(a.p99_us, b.p99_us),
            ));
        }
        out.push('\n');
        for row in &r.rows {
            let (a, b) = (&row.proxy.latency, &row.direct.latency);
            let pct = if b.p50_us > 0 {
                format!(
                    "{:.0}%",
                    (a.p50_us as f64 - b.p50_us as f64) / b.p50_us as f64 * 100.0
                )
            } else {
                "–".into()
            };
            out.push_str(&format!(
                "`{}`: added p50 = {pct} of the direct p50; CPU per proxy call: proxy {} ms, emulator (both paths) {} ms per call; send lag p99 {} ms\n",
                row.cmdlet,
                cpu_per_call(row.cpu.proxy, row.proxy.latency.count),
                cpu_per_call(
                    row.cpu.emulator,
                    row.proxy.latency.count + row.direct.latency.count
                ),
                ms(row.send_lag_p99_us),
            ));
            for (name, p) in [("proxy", &row.proxy), ("direct", &row.direct)] {
                if let Some(e) = &p.first_error {
                    out.push_str(&format!("  first {name} error: {e}\n"));
                }
            }
        }
        out
    }

    pub fn throughput(rows: &[ThroughputRow], cmdlet: &str) -> String {
        let mut out = format!("throughput: `{cmdlet}` back to back on each pool\n\n");
        out.push_str("| pools | pipelines | errors | pipelines/s | p50 ms | p99 ms | proxy CPU ms/pipeline | emulator CPU ms/pipeline | loadgen CPU ms/pipeline |\n");
        out.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for r in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} |\n",
                r.pools,
                r.pipelines,
                r.errors,
                r.per_second(),
                ms(r.latency.p50_us),
                ms(r.latency.p99_us),
                cpu_per_call(r.cpu.proxy, r.pipelines),
                cpu_per_call(r.cpu.emulator, r.pipelines),
                cpu_per_call(r.cpu.loadgen, r.pipelines),
            ));
        }
        for r in rows {
            if let Some(e) = &r.first_error {
                out.push_str(&format!("  {} pools, first error: {e}\n", r.pools));
            }
        }
        out
    }

    pub fn idle(r: &IdleReport) -> String {
        let mib = |kb: u64| format!("{:.1}", kb as f64 / 1024.0);
        let mut out = format!(
            "idle shells: {} shells{}\n\n",
            r.shells,
            if r.parked_receive {
                ", each with a parked pool Receive"
            } else {
                ""
            }
        );
        out.push_str("| proxy state | VmRSS MiB | VmHWM MiB |\n| --- | ---: | ---: |\n");
        for (name, m) in [
            ("before (after one warm-up shell)", &r.before),
            ("shells open and idle", &r.with_shells),
            ("after closing them", &r.after_close),
        ] {
            out.push_str(&format!(
                "| {name} | {} | {} |\n",
                mib(m.rss_kb),
                mib(m.hwm_kb)
            ));
        }
        out.push_str(&format!(
            "\nRSS per idle shell: {:.1} KiB\n",
            r.kb_per_shell()
        ));
        out
    }
}
