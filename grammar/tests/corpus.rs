//! The real-world-style corpus and the samples: zero syntax errors and a lossless tree.
mod common;

use exomig_grammar::source::SourceFile;

#[test]
fn corpus_and_samples_parse_without_errors() {
    let files = common::corpus_files();
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = SourceFile::decode(&bytes).unwrap();
        let parse = common::parse_checked(&file.text);
        for e in &parse.errors {
            failures.push(format!("{}: {:?}: {}", path.display(), e.span, e.message));
        }
        // Bytes round trip through the recorded encoding.
        assert_eq!(
            file.encode(&file.text).unwrap(),
            bytes,
            "{}",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
