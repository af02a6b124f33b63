//! A progress bar on stderr for long runs, only when stderr is a terminal and not `--quiet`;
//! pipes, CI logs and short runs see nothing.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this many files a run is over before a bar would be readable.
const MIN_FILES: usize = 200;

pub fn bar(files: usize, quiet: bool) -> ProgressBar {
    if quiet || files < MIN_FILES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(files).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} files ({per_sec}, {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
