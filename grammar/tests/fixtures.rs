//! One fixture per construct: the tree is snapshotted and must be error-free; broken inputs
//! in `errors/` must report errors (snapshotted with the tree) and still be lossless.
mod common;

use exomig_grammar::source::{LineIndex, SourceFile};

fn render(src: &str) -> (String, usize) {
    let parse = common::parse_checked(src);
    let index = LineIndex::new(src);
    let mut out = parse.root.debug_dump(src);
    for e in &parse.errors {
        let (line, col) = index.line_col(e.span.start);
        out.push_str(&format!("error {line}:{col} {:?}: {}\n", e.span, e.message));
    }
    (out, parse.errors.len())
}

#[test]
fn construct_fixtures_parse_cleanly() {
    insta::glob!("fixtures/*.ps1", |path| {
        let bytes = std::fs::read(path).unwrap();
        let file = SourceFile::decode(&bytes).unwrap();
        let (dump, errors) = render(&file.text);
        assert_eq!(errors, 0, "{}:\n{dump}", path.display());
        insta::assert_snapshot!(dump);
    });
}

#[test]
fn error_fixtures_report_errors() {
    insta::glob!("errors/*.ps1", |path| {
        let bytes = std::fs::read(path).unwrap();
        let file = SourceFile::decode(&bytes).unwrap();
        let (dump, errors) = render(&file.text);
        assert!(
            errors > 0,
            "{} parsed without errors:\n{dump}",
            path.display()
        );
        insta::assert_snapshot!(dump);
    });
}
