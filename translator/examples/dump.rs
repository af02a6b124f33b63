//! Prints the findings and the fixed text of one script: `cargo run --example dump FILE [--unsafe]`.
use exomig_translator::{check, fix, Options};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: dump FILE [--unsafe]");
        return;
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return;
        }
    };
    let Ok(src) = exomig_grammar::source::SourceFile::decode(&bytes) else {
        eprintln!("{path}: cannot decode");
        return;
    };
    let opts = Options {
        unsafe_fixes: args.iter().any(|a| a == "--unsafe"),
        ..Options::default()
    };
    let idx = exomig_grammar::source::LineIndex::new(&src.text);
    for f in check(&src.text, &opts).findings {
        let (l, c) = idx.line_col(f.range.start);
        println!(
            "{l}:{c} {} {} {}: {}",
            f.rule.id(),
            f.severity.as_str(),
            f.applicability.as_str(),
            f.message
        );
    }
    match fix(&src.text, &opts) {
        Ok(o) => println!("-----\n{}", o.output),
        Err(e) => println!("fix error: {e}"),
    }
}
