//! Development aid: parse time per file, slowest first.
fn main() {
    let mut rows = Vec::new();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let Ok(file) = exomig_grammar::source::SourceFile::decode(&bytes) else {
            continue;
        };
        let start = std::time::Instant::now();
        for _ in 0..5 {
            std::hint::black_box(exomig_grammar::parse(&file.text));
        }
        let secs = start.elapsed().as_secs_f64() / 5.0;
        rows.push((secs, file.text.len(), path));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = rows.iter().map(|r| r.0).sum();
    let bytes: usize = rows.iter().map(|r| r.1).sum();
    println!(
        "total {:.1} ms, {:.2} MB/s",
        total * 1e3,
        bytes as f64 / total / 1e6
    );
    for (secs, len, path) in rows.iter().take(15) {
        println!(
            "{:8.2} ms {:7} B {:6.2} MB/s {path}",
            secs * 1e3,
            len,
            *len as f64 / secs / 1e6
        );
    }
}
