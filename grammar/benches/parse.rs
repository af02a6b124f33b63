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

/// Full parse against `reparse` of a ~50 KB script (corpus scripts one after another) whose
/// middle top-level statement was replaced, as `exomig fix` does.
fn bench_reparse(c: &mut Criterion) {
    let texts = load();
    if texts.is_empty() {
        return;
    }
    let mut old = String::new();
    for text in texts.iter().cycle().take(10_000) {
        if old.len() >= 50_000 {
            break;
        }
        old.push_str(text);
        old.push('\n');
    }
    let old_parse = exomig_grammar::parse(&old);
    let statements = old_parse.script().statements();
    let middle = statements[statements.len() / 2].span();
    let replacement = "Connect-ExchangeOnline -UserPrincipalName $upn -ShowBanner:$false";
    let new = format!(
        "{}{replacement}{}",
        &old[..middle.start],
        &old[middle.end..]
    );
    let changes = [exomig_grammar::Change {
        old: middle.clone(),
        new_len: replacement.len(),
    }];
    let (_, fallback) = exomig_grammar::reparse_traced(old_parse.clone(), &changes, &new);
    eprintln!(
        "reparse bench: {} bytes, statement {:?} replaced, fallback {fallback:?}",
        new.len(),
        middle
    );

    let mut group = c.benchmark_group("reparse");
    group.throughput(Throughput::Bytes(new.len() as u64));
    group.sample_size(30);
    group.bench_function("full parse of the edited text", |b| {
        b.iter(|| exomig_grammar::parse(std::hint::black_box(&new)))
    });
    group.bench_function("reparse after one statement replaced", |b| {
        b.iter_batched(
            || old_parse.clone(),
            |old| exomig_grammar::reparse(old, &changes, std::hint::black_box(&new)),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_parse, bench_reparse);
criterion_main!(benches);
