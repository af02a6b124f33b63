//! Parse throughput (MB/s) over the real-world corpus (`tests/corpus/`) and `samples/`.
//! Run with `cargo bench -p exomig-grammar`; skips when neither directory has scripts.
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exomig_grammar::source::SourceFile;

fn load() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut texts = Vec::new();
    for dir in ["tests/corpus", "samples"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !["ps1", "psm1", "psd1"].contains(&ext.as_str()) {
                continue;
            }
            if let Some(file) = std::fs::read(&path)
                .ok()
                .and_then(|b| SourceFile::decode(&b).ok())
            {
                texts.push(file.text);
            }
        }
    }
    texts
}

fn bench_parse(c: &mut Criterion) {
    let texts = load();
    if texts.is_empty() {
        eprintln!("no scripts in tests/corpus or samples; skipping the parse benchmark");
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function(
        format!("corpus ({} files, {} bytes)", texts.len(), bytes),
        |b| {
            b.iter(|| {
                let mut errors = 0;
                for text in &texts {
                    errors += exomig_grammar::parse(std::hint::black_box(text))
                        .errors
                        .len();
                }
                errors
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
