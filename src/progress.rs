//! A progress bar on stderr for long runs, only when stderr is a terminal and not `--quiet`;
//! pipes, CI logs and short runs see nothing. `EXOMIG_PROGRESS=always` draws it whatever
//! stderr is and however few files there are (for logs that want it, and for the test that
//! checks the bar never reaches stdout); `--quiet` still wins.

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// Below this many files a run is over before a bar would be readable.
const MIN_FILES: usize = 200;

/// Redraws per second at most.
const REFRESH_HZ: u8 = 20;

pub fn bar(files: usize, quiet: bool) -> ProgressBar {
    let forced = std::env::var_os("EXOMIG_PROGRESS").is_some_and(|v| v == "always");
    if quiet || (!forced && (files < MIN_FILES || !io::stderr().is_terminal())) {
        return ProgressBar::hidden();
    }
    // indicatif's own stderr target hides itself when stderr is not a terminal, so the forced
    // bar draws through a plain stderr writer instead.
    let target = if forced {
        ProgressDrawTarget::term_like_with_hz(Box::new(Stderr), REFRESH_HZ)
    } else {
        ProgressDrawTarget::stderr_with_hz(REFRESH_HZ)
    };
    let bar = ProgressBar::with_draw_target(Some(u64::try_from(files).unwrap_or(u64::MAX)), target);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} files ({per_sec}, {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    // A first frame at once, so even a run shorter than one refresh interval shows the bar.
    bar.tick();
    bar
}

/// stderr as a VT100 terminal of fixed width, whatever it is connected to.
#[derive(Debug)]
struct Stderr;

impl Stderr {
    fn write(&self, s: &str) -> io::Result<()> {
        io::stderr().lock().write_all(s.as_bytes())
    }
}

impl TermLike for Stderr {
    fn width(&self) -> u16 {
        80
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}A"))
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}B"))
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}C"))
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}D"))
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.write("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
