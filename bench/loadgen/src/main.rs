#![forbid(unsafe_code)]

use anyhow::Context as _;
use clap::Parser as _;
use exomig_loadgen::cli::{Cli, Mode};
use exomig_loadgen::run;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Two workers: the machine running the benchmark also runs the proxy and the emulator,
    // and the client's work per call is small next to theirs.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        match cli.mode {
            Mode::Latency(args) => {
                let report = run::latency(&args).await?;
                print!("{}", run::print::latency(&report));
            }
            Mode::Throughput(args) => {
                let rows = run::throughput(&args).await?;
                print!("{}", run::print::throughput(&rows, &args.cmdlet.display()));
            }
            Mode::Idle(args) => {
                let report = run::idle(&args).await?;
                print!("{}", run::print::idle(&report));
            }
        }
        Ok(())
    })
}
