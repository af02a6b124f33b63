//! Command-line arguments and the small value parsers behind them (rates, durations, pool
//! lists, cmdlet lines).

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Default user and password: the emulator's test account, which `bench/proxy.sh` passes to
/// `exomig emulate --user`.
pub const DEFAULT_USER: &str = "admin@contoso.onmicrosoft.com";

#[derive(Debug, Parser)]
#[command(
    name = "exomig-loadgen",
    about = "Load generator for exomig proxy: WS-Man/PSRP through the proxy, next to direct REST calls to the emulator"
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Mode,
}

#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Open-loop latency at a fixed rate: each cmdlet through the proxy and as a direct REST
    /// call, interleaved, with p50/p90/p99/max of both and the difference
    Latency(LatencyArgs),
    /// N runspace pools each running pipelines back to back: pipelines per second
    Throughput(ThroughputArgs),
    /// Open K shells and keep them idle; reads the proxy's RSS before and after
    Idle(IdleArgs),
}

/// How a cmdlet call is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shape {
    /// An Import-PSSession proxy function on Windows PowerShell 5.1: Command with
    /// NoInput=false, END_OF_PIPELINE_INPUT by Send, Receives until Done.
    Windows,
    /// pypsrp / `Invoke-Command -Session`: Command with NoInput=true, Receives until Done.
    Pypsrp,
}

#[derive(Debug, Clone, Args)]
pub struct ProxyTarget {
    /// The connection URI a legacy script would use
    #[arg(long, default_value = "http://127.0.0.1:8080/PowerShell-LiveID/")]
    pub proxy: String,
    #[arg(long, default_value = DEFAULT_USER)]
    pub user: String,
    /// The password (the emulator's `--user` account)
    #[arg(long, env = "EXOMIG_LOADGEN_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Do not negotiate xpress compression (`New-PSSessionOption -NoCompression`)
    #[arg(long)]
    pub no_compression: bool,
    #[arg(long, value_enum, default_value = "windows")]
    pub shape: Shape,
    /// PID of the proxy process, to report its CPU time (and RSS in idle mode)
    #[arg(long, value_name = "PID")]
    pub proxy_pid: Option<u32>,
    /// PID of the emulator process, to report its CPU time
    #[arg(long, value_name = "PID")]
    pub emulator_pid: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub target: ProxyTarget,
    /// The emulator (REST API and token endpoint) base URL, for the direct calls
    #[arg(long, default_value = "http://127.0.0.1:8400")]
    pub rest: String,
    #[arg(long, default_value = "contoso.onmicrosoft.com")]
    pub tenant: String,
    /// Calls per second on each path (proxy and direct), e.g. `50/s`, `3000/min`
    #[arg(long, default_value = "50/s", value_parser = parse_rate)]
    pub rate: f64,
    /// Measured time, e.g. `20s`, `1m`, `500ms`
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Unmeasured time before, at the same rate (connections, token, caches)
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Runspace pools opened beforehand; each proxy call takes an idle one
    #[arg(long, default_value_t = 8)]
    pub pools: usize,
    /// A cmdlet line (repeatable); each is measured on its own
    #[arg(long = "cmdlet", value_name = "LINE", value_parser = CmdletSpec::parse)]
    pub cmdlets: Vec<CmdletSpec>,
}

#[derive(Debug, Clone, Args)]
pub struct ThroughputArgs {
    #[command(flatten)]
    pub target: ProxyTarget,
    /// Concurrent pools, comma-separated; one run each
    #[arg(long, default_value = "1,8,32", value_parser = parse_pools)]
    pub pools: PoolCounts,
    /// Time per run
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,
    #[arg(long = "cmdlet", value_name = "LINE", default_value = "Get-Mailbox -Identity adelev", value_parser = CmdletSpec::parse)]
    pub cmdlet: CmdletSpec,
}

#[derive(Debug, Clone, Args)]
pub struct IdleArgs {
    #[command(flatten)]
    pub target: ProxyTarget,
    /// Shells to open and keep idle
    #[arg(long, default_value_t = 100)]
    pub shells: usize,
    /// Wait before each RSS reading, so that the proxy has finished its work
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub settle: Duration,
    /// Keep one pool Receive parked on every shell, as the Windows WinRM client does
    #[arg(long)]
    pub parked_receive: bool,
}

/// `--pools 1,8,32`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolCounts(pub Vec<usize>);

/// A value of `--cmdlet` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    Int(i64),
    Str(String),
    /// `-Name` without a value.
    Switch,
}

/// `Get-Mailbox -Identity adelev -ResultSize 10`: a name and named parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdletSpec {
    pub name: String,
    pub params: Vec<(String, ParamValue)>,
}

/// Calls per second from `50`, `50/s`, `3000/min`.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, per) = match text.split_once('/') {
        Some((n, unit)) => (n, unit.trim()),
        None => (text, "s"),
    };
    let seconds = match per {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        other => return Err(format!("unknown rate unit {other:?} (use /s or /min)")),
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("not a rate: {text:?}"))?;
    let rate = n / seconds;
    if !rate.is_finite() || rate <= 0.0 {
        return Err(format!("rate must be positive: {text:?}"));
    }
    Ok(rate)
}

/// `20s`, `500ms`, `2m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text:?}"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown duration unit {other:?} in {text:?}")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("not a duration: {text:?}"))
}

/// `1,8,32`: positive counts.
pub fn parse_pools(text: &str) -> Result<PoolCounts, String> {
    let counts = text
        .split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("not a positive pool count: {part:?}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PoolCounts(counts))
}

/// Splits at whitespace, keeping 'single' or "double" quoted text together.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '\'' || c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some(q) if q == c => break,
                    Some(other) => word.push(other),
                    None => return Err(format!("unclosed {c} in {line:?}")),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

impl CmdletSpec {
    /// Parses `Name -Param value -Switch …`. Values that are integers become integers (as
    /// PowerShell binds `-ResultSize 10`), everything else a string.
    pub fn parse(line: &str) -> Result<Self, String> {
        let words = words(line)?;
        let mut words = words.into_iter().peekable();
        let name = words
            .next()
            .filter(|n| !n.starts_with('-'))
            .ok_or_else(|| format!("no cmdlet name in {line:?}"))?;
        let mut params = Vec::new();
        while let Some(word) = words.next() {
            let Some(param) = word.strip_prefix('-').filter(|p| !p.is_empty()) else {
                return Err(format!(
                    "positional value {word:?} in {line:?}; name the parameter"
                ));
            };
            let value = match words.next_if(|w| !w.starts_with('-')) {
                None => ParamValue::Switch,
                Some(v) => match v.parse::<i64>() {
                    Ok(n) => ParamValue::Int(n),
                    Err(_) => ParamValue::Str(v),
                },
            };
            params.push((param.to_owned(), value));
        }
        Ok(Self { name, params })
    }

    /// As the legacy client sends it in CREATE_PIPELINE.
    pub fn to_cmd(&self) -> exomig_winclient::Cmd {
        use exomig_codec::clixml::Value;
        let mut cmd = exomig_winclient::Cmd::new(&self.name);
        for (name, value) in &self.params {
            let value = match value {
                ParamValue::Int(n) => match i32::try_from(*n) {
                    Ok(n) => Value::I32(n),
                    Err(_) => Value::I64(*n),
                },
                ParamValue::Str(s) => Value::str(s.as_str()),
                ParamValue::Switch => Value::Bool(true),
            };
            cmd = cmd.arg(name, value);
        }
        cmd
    }

    /// The `CmdletInput` body of a direct InvokeCommand call.
    pub fn to_rest_body(&self) -> serde_json::Value {
        let params: serde_json::Map<String, serde_json::Value> = self
            .params
            .iter()
            .map(|(name, value)| {
                let v = match value {
                    ParamValue::Int(n) => serde_json::Value::from(*n),
                    ParamValue::Str(s) => serde_json::Value::from(s.as_str()),
                    ParamValue::Switch => serde_json::Value::Bool(true),
                };
                (name.clone(), v)
            })
            .collect();
        serde_json::json!({ "CmdletInput": { "CmdletName": self.name, "Parameters": params } })
    }

    /// A numeric `-ResultSize`, which sets the page size the module asks for.
    pub fn result_size(&self) -> Option<i64> {
        self.params.iter().find_map(|(n, v)| match v {
            ParamValue::Int(size) if n.eq_ignore_ascii_case("ResultSize") => Some(*size),
            _ => None,
        })
    }

    /// The line back, for tables.
    pub fn display(&self) -> String {
        let mut out = self.name.clone();
        for (name, value) in &self.params {
            match value {
                ParamValue::Int(n) => out.push_str(&format!(" -{name} {n}")),
                ParamValue::Str(s) if s.contains(char::is_whitespace) => {
                    out.push_str(&format!(" -{name} '{s}'"))
                }
                ParamValue::Str(s) => out.push_str(&format!(" -{name} {s}")),
                ParamValue::Switch => out.push_str(&format!(" -{name}")),
            }
        }
        out
    }
}

/// The cmdlets the latency mode measures when none are given.
pub fn default_latency_cmdlets() -> Vec<CmdletSpec> {
    ["Get-Mailbox -Identity adelev", "Get-Mailbox -ResultSize 10"]
        .iter()
        .map(|l| CmdletSpec::parse(l).expect("built-in cmdlet lines parse"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50/s"), Ok(50.0));
        assert_eq!(parse_rate("50"), Ok(50.0));
        assert_eq!(parse_rate("3000/min"), Ok(50.0));
        assert_eq!(parse_rate(" 2.5/s "), Ok(2.5));
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("-3/s").is_err());
        assert!(parse_rate("50/h").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("20 parsecs").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn pool_lists() {
        assert_eq!(parse_pools("1,8,32"), Ok(PoolCounts(vec![1, 8, 32])));
        assert_eq!(parse_pools("4"), Ok(PoolCounts(vec![4])));
        assert!(parse_pools("1,0").is_err());
        assert!(parse_pools("1,,2").is_err());
    }

    #[test]
    fn cmdlet_lines() {
        let c = CmdletSpec::parse("Get-Mailbox -Identity 'Adele Vance' -ResultSize 10 -Verbose")
            .unwrap();
        assert_eq!(c.name, "Get-Mailbox");
        assert_eq!(
            c.params,
            vec![
                ("Identity".into(), ParamValue::Str("Adele Vance".into())),
                ("ResultSize".into(), ParamValue::Int(10)),
                ("Verbose".into(), ParamValue::Switch),
            ]
        );
        assert_eq!(c.result_size(), Some(10));
        assert_eq!(
            c.display(),
            "Get-Mailbox -Identity 'Adele Vance' -ResultSize 10 -Verbose"
        );
        assert_eq!(
            c.to_rest_body(),
            serde_json::json!({"CmdletInput": {"CmdletName": "Get-Mailbox",
                "Parameters": {"Identity": "Adele Vance", "ResultSize": 10, "Verbose": true}}})
        );
        assert_eq!(c.to_cmd().args.len(), 3);
        assert!(CmdletSpec::parse("-Identity x").is_err());
        assert!(CmdletSpec::parse("Get-Mailbox adelev").is_err());
        assert!(CmdletSpec::parse("Get-Mailbox -Identity 'open").is_err());
        assert!(CmdletSpec::parse("").is_err());
    }

    #[test]
    fn command_line() {
        let cli = Cli::try_parse_from([
            "exomig-loadgen",
            "latency",
            "--password",
            "p",
            "--rate",
            "10/s",
            "--duration",
            "3s",
            "--cmdlet",
            "Get-Mailbox -ResultSize 5",
        ])
        .unwrap();
        let Mode::Latency(args) = cli.mode else {
            panic!("latency mode")
        };
        assert_eq!(args.rate, 10.0);
        assert_eq!(args.duration, Duration::from_secs(3));
        assert_eq!(args.cmdlets.len(), 1);
        assert_eq!(args.target.shape, Shape::Windows);
        assert!(Cli::try_parse_from(["exomig-loadgen", "latency", "--rate", "x"]).is_err());
        let cli = Cli::try_parse_from(["exomig-loadgen", "throughput", "--password", "p"]).unwrap();
        let Mode::Throughput(args) = cli.mode else {
            panic!("throughput mode")
        };
        assert_eq!(args.pools, PoolCounts(vec![1, 8, 32]));
        assert_eq!(args.cmdlet.display(), "Get-Mailbox -Identity adelev");
    }
}
