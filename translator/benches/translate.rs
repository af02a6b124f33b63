//! Throughput of `check` and `fix` on the sample scripts joined into one large text, and on a
//! script without legacy code (the common case when scanning a repository).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use exomig_translator::{check, fix, Options};

fn samples() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut text = String::new();
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for d in dirs {
        if let Ok(t) = std::fs::read_to_string(d.join("input.ps1")) {
            // Each fixture in its own function keeps sessions apart.
            text.push_str("function F {\n");
            text.push_str(&t);
            text.push_str("\n}\n");
        }
    }
    text
}

fn bench(c: &mut Criterion) {
    let legacy = samples();
    let plain: String = (0..2000)
        .map(|i| {
            format!(
                "$x{i} = Get-Item -Path \"C:\\temp\\{i}\" | Where-Object {{ $_.Length -gt {i} }}\n"
            )
        })
        .collect();
    let opts = Options::default();
    let mut g = c.benchmark_group("translator");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(5));
    g.throughput(Throughput::Bytes(legacy.len() as u64));
    g.bench_function("check/fixtures-joined", |b| {
        b.iter(|| check(&legacy, &opts))
    });
    g.bench_function("fix/fixtures-joined", |b| b.iter(|| fix(&legacy, &opts)));
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_function("check/no-legacy-2000-lines", |b| {
        b.iter(|| check(&plain, &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
