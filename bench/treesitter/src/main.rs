//! Parse and translate throughput of exomig next to tree-sitter-powershell parsing the same
//! files, on one core and on all cores; prints a table with the ratio to tree-sitter.
//!
//! `cargo run --release -p exomig-bench-treesitter -- --corpus DIR` (see bench/README.md).
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser as _;
use rayon::prelude::*;

#[derive(clap::Parser)]
#[command(about = "exomig parse/translate throughput next to tree-sitter-powershell")]
struct Args {
    /// Directory of scripts (.ps1/.psm1/.psd1, walked recursively), e.g. from exomig-corpusgen.
    #[arg(long)]
    corpus: PathBuf,
    /// Runs per measurement; the best is reported (least disturbed by other processes).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Threads for the "all cores" rows (default: available parallelism).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    TreeSitter,
    ExomigParse,
    ExomigTranslate,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::TreeSitter => "tree-sitter-powershell parse",
            Engine::ExomigParse => "exomig parse",
            Engine::ExomigTranslate => "exomig parse+translate (fix)",
        }
    }
}

/// Per-thread state: a tree-sitter parser is reused across files, as an editor or a batch
/// tool would.
struct Worker {
    ts: tree_sitter::Parser,
    opts: exomig_translator::Options,
}

impl Worker {
    fn new() -> Result<Self> {
        let mut ts = tree_sitter::Parser::new();
        ts.set_language(&tree_sitter_powershell::LANGUAGE.into())
            .context("loading the tree-sitter PowerShell grammar")?;
        Ok(Worker {
            ts,
            opts: exomig_translator::Options::default(),
        })
    }

    /// Processes one file; returns whether the engine reported a syntax error, so the table
    /// can show that both engines did real work on the same input.
    fn run(&mut self, engine: Engine, text: &str) -> bool {
        match engine {
            Engine::TreeSitter => match self.ts.parse(text, None) {
                Some(tree) => tree.root_node().has_error(),
                None => true,
            },
            Engine::ExomigParse => !exomig_grammar::parse(text).is_ok(),
            Engine::ExomigTranslate => match exomig_translator::fix(text, &self.opts) {
                Ok(outcome) => outcome
                    .remaining
                    .iter()
                    .any(|f| f.rule == exomig_translator::Rule::Syn001),
                Err(_) => true,
            },
        }
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let files = load(&args.corpus)?;
    if files.is_empty() {
        bail!("no scripts under {}", args.corpus.display());
    }
    let bytes: usize = files.iter().map(String::len).sum();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("building the thread pool")?;

    println!(
        "corpus: {} files, {:.1} MB, {}; {} runs each, best shown; load average before: {}",
        files.len(),
        bytes as f64 / 1e6,
        args.corpus.display(),
        args.runs,
        load_average()
    );
    println!(
        "{:<30} {:>7} {:>9} {:>9} {:>9} {:>11} {:>14}",
        "engine", "threads", "best s", "MB/s", "files/s", "files w/err", "vs tree-sitter"
    );
    let engines = [
        Engine::TreeSitter,
        Engine::ExomigParse,
        Engine::ExomigTranslate,
    ];
    for n in [1, threads] {
        let mut ts_time = None;
        for engine in engines {
            let (best, errors) = measure(engine, &files, n, &pool, args.runs.max(1))?;
            if engine == Engine::TreeSitter {
                ts_time = Some(best);
            }
            // ratio > 1 means exomig is faster than tree-sitter on the same files.
            let ratio = ts_time.map_or(1.0, |t| t.as_secs_f64() / best.as_secs_f64());
            println!(
                "{:<30} {:>7} {:>9.3} {:>9.1} {:>9.0} {:>11} {:>13.2}x",
                engine.name(),
                n,
                best.as_secs_f64(),
                bytes as f64 / 1e6 / best.as_secs_f64(),
                files.len() as f64 / best.as_secs_f64(),
                errors,
                ratio
            );
        }
        if threads == 1 {
            break;
        }
    }
    println!("load average after: {}", load_average());
    Ok(())
}

fn measure(
    engine: Engine,
    files: &[String],
    threads: usize,
    pool: &rayon::ThreadPool,
    runs: usize,
) -> Result<(Duration, usize)> {
    let mut best = Duration::MAX;
    let mut errors = 0;
    for _ in 0..runs {
        let start = Instant::now();
        errors = if threads == 1 {
            let mut worker = Worker::new()?;
            files.iter().filter(|t| worker.run(engine, t)).count()
        } else {
            pool.install(|| {
                files
                    .par_iter()
                    .map_init(Worker::new, |worker, text| match worker {
                        Ok(w) => usize::from(w.run(engine, text)),
                        Err(_) => 1,
                    })
                    .sum()
            })
        };
        best = best.min(start.elapsed());
    }
    Ok((best, errors))
}

fn load(dir: &Path) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        // Both engines get the same decoded text, so decoding is not part of either number.
        match exomig_grammar::source::SourceFile::decode(&bytes) {
            Ok(decoded) => files.push(decoded.text),
            Err(e) => eprintln!("skipping {}: {e}", path.display()),
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("ps1" | "psm1" | "psd1")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_accept_valid_and_flag_broken_scripts() {
        let mut worker = Worker::new().expect("grammar loads");
        let valid = "$m = Get-Mailbox -Identity 'a' | Select-Object Name\nif ($m) { $m.Name }\n";
        let broken = "if ($a {\n";
        for engine in [Engine::TreeSitter, Engine::ExomigParse] {
            assert!(!worker.run(engine, valid), "{}", engine.name());
            assert!(worker.run(engine, broken), "{}", engine.name());
        }
        assert!(!worker.run(Engine::ExomigTranslate, valid));
    }

    #[test]
    fn load_walks_subdirectories_and_keeps_only_scripts() {
        let dir = tempfile::tempdir().expect("tmp");
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).expect("mkdir");
        std::fs::write(sub.join("x.ps1"), "Get-Date\n").expect("write");
        std::fs::write(dir.path().join("y.PSM1"), "\u{feff}function F {}\n").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "not a script").expect("write");
        let files = load(dir.path()).expect("loads");
        assert_eq!(files.len(), 2);
        assert!(
            files.iter().all(|t| !t.starts_with('\u{feff}')),
            "BOM removed"
        );
    }
}
