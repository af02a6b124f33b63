//! The real-world-style corpus and the samples: zero syntax errors and a lossless tree.
mod common;

use exomig_grammar::source::SourceFile;

const KEYWORDS: &[&str] = &[
    "if", "elseif", "else", "switch", "foreach", "for", "while", "do", "until", "try", "catch",
    "finally", "trap", "function", "filter", "param", "class", "enum", "return", "throw",
];

#[test]
fn corpus_and_samples_parse_without_errors() {
    let files = common::corpus_files();
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let file = SourceFile::decode(&bytes).unwrap();
        let parse = common::parse_checked(&file.text);
        // A keyword statement that failed to parse silently falls back to a command named
        // after the keyword; that never happens in valid code.
        for node in parse.root.find_all(exomig_grammar::SyntaxKind::Command) {
            let name = exomig_grammar::ast::Command { node }
                .name(&file.text)
                .unwrap_or_default()
                .to_ascii_lowercase();
            if KEYWORDS.contains(&name.as_str()) {
                failures.push(format!(
                    "{}: {:?}: command named {name}",
                    path.display(),
                    node.span
                ));
            }
        }
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
