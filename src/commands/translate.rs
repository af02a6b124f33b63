use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CheckArgs {}
#[derive(clap::Args)]
pub struct DiffArgs {}
#[derive(clap::Args)]
pub struct FixArgs {}
#[derive(clap::Args)]
pub struct ReportArgs {}

pub fn check(_args: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`exomig check` is not implemented yet")
}
pub fn diff(_args: DiffArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`exomig diff` is not implemented yet")
}
pub fn fix(_args: FixArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`exomig fix` is not implemented yet")
}
pub fn report(_args: ReportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`exomig report` is not implemented yet")
}
