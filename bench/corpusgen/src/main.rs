//! Writes a seeded, reproducible corpus of PowerShell scripts built from the hand-written
//! scripts in `tests/corpus/` and `samples/`: each file starts with one whole script and
//! appends further scripts wrapped in functions until it reaches a size drawn log-uniformly
//! between `--min-kb` and `--max-kb`, the way admin scripts grow by pasting helpers together.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
#[command(about = "Generate a deterministic corpus of realistic PowerShell scripts")]
struct Args {
    /// Directory to write into (created; must be empty or absent).
    #[arg(long)]
    out: PathBuf,
    /// Total size to reach, in MiB.
    #[arg(long, default_value_t = 50)]
    total_mib: u64,
    #[arg(long, default_value_t = 1)]
    min_kb: u64,
    #[arg(long, default_value_t = 200)]
    max_kb: u64,
    #[arg(long, default_value_t = 8)]
    seed: u64,
    /// Source directories (default: the repository's tests/corpus and samples).
    #[arg(long = "source")]
    sources: Vec<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.min_kb == 0 || args.max_kb < args.min_kb {
        bail!("need 0 < --min-kb <= --max-kb");
    }
    let sources = if args.sources.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        vec![root.join("tests/corpus"), root.join("samples")]
    } else {
        args.sources.clone()
    };
    let scripts = load_scripts(&sources)?;
    if scripts.is_empty() {
        bail!("no .ps1/.psm1 scripts found in {sources:?}");
    }
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .with_context(|| format!("reading {}", args.out.display()))?
            .next()
            .is_some()
    {
        bail!("{} is not empty", args.out.display());
    }

    let spec = Spec {
        total_bytes: args.total_mib * 1024 * 1024,
        min_bytes: args.min_kb * 1000,
        max_bytes: args.max_kb * 1000,
        seed: args.seed,
    };
    let (files, written) = generate(&args.out, &scripts, &spec)?;
    println!(
        "{files} files, {written} bytes ({:.1} MiB) in {}",
        written as f64 / 1048576.0,
        args.out.display()
    );
    Ok(())
}

struct Spec {
    total_bytes: u64,
    min_bytes: u64,
    max_bytes: u64,
    seed: u64,
}

/// Writes files until `spec.total_bytes` is reached; returns (files, bytes) written.
fn generate(out: &Path, scripts: &[String], spec: &Spec) -> Result<(usize, u64)> {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let (mut written, mut files) = (0u64, 0usize);
    while written < spec.total_bytes {
        let target = log_uniform(&mut rng, spec.min_bytes, spec.max_bytes);
        let text = compose(&mut rng, scripts, target, files);
        // A few directories, as a real estate has, so directory walking is part of `check`.
        let dir = out
            .join(format!("team{:02}", files % 23))
            .join(format!("area{}", files % 7));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let ext = if rng.gen_ratio(1, 8) { "psm1" } else { "ps1" };
        let path = dir.join(format!("script{files:05}.{ext}"));
        std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
        written += text.len() as u64;
        files += 1;
    }
    Ok((files, written))
}

fn load_scripts(dirs: &[PathBuf]) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext.to_ascii_lowercase().as_str(), "ps1" | "psm1") {
                paths.push(path);
            }
        }
    }
    // Directory order differs between file systems; sorting keeps the corpus reproducible.
    paths.sort();
    let mut scripts = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        // Non-UTF-8 sources (UTF-16 test files) would make the whole corpus about decoding.
        if let Ok(text) = String::from_utf8(bytes.to_vec()) {
            scripts.push(text);
        }
    }
    Ok(scripts)
}

fn log_uniform(rng: &mut StdRng, min: u64, max: u64) -> usize {
    let (lo, hi) = ((min as f64).ln(), (max as f64).ln());
    rng.gen_range(lo..=hi).exp() as usize
}

fn compose(rng: &mut StdRng, scripts: &[String], target: usize, file: usize) -> String {
    let mut text = String::with_capacity(target + 16 * 1024);
    text.push_str(&scripts[rng.gen_range(0..scripts.len())]);
    let mut part = 0;
    while text.len() < target {
        let body = &scripts[rng.gen_range(0..scripts.len())];
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("\nfunction Invoke-Job{file}Part{part} {{\n"));
        text.push_str(body);
        text.push_str("\n}\n");
        part += 1;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("readable") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let bytes = std::fs::read(&p).expect("readable");
                    out.push((p.strip_prefix(dir).expect("inside").to_path_buf(), bytes));
                }
            }
        }
        out.sort();
        out
    }

    fn sources() -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        load_scripts(&[root.join("tests/corpus"), root.join("samples")]).expect("sources")
    }

    #[test]
    fn same_seed_same_corpus_and_sizes_in_range() {
        let scripts = sources();
        assert!(scripts.len() > 10, "hand-written corpus found");
        let largest = scripts.iter().map(String::len).max().unwrap_or(0) as u64;
        let spec = Spec {
            total_bytes: 400_000,
            min_bytes: 1_000,
            max_bytes: 50_000,
            seed: 3,
        };
        let (a, b) = (
            tempfile::tempdir().expect("tmp"),
            tempfile::tempdir().expect("tmp"),
        );
        let (files, bytes) = generate(a.path(), &scripts, &spec).expect("generated");
        generate(b.path(), &scripts, &spec).expect("generated");
        let (la, lb) = (listing(a.path()), listing(b.path()));
        assert_eq!(la, lb, "a seed must reproduce the corpus byte for byte");
        assert_eq!(la.len(), files);
        assert!(bytes >= spec.total_bytes);
        for (path, text) in &la {
            let len = text.len() as u64;
            // A file stops growing at the first script that takes it past its drawn size.
            assert!(len <= spec.max_bytes + largest + 200, "{path:?}: {len}");
        }
        let other = tempfile::tempdir().expect("tmp");
        generate(other.path(), &scripts, &Spec { seed: 4, ..spec }).expect("generated");
        assert_ne!(
            listing(other.path()),
            la,
            "another seed gives another corpus"
        );
    }
}
