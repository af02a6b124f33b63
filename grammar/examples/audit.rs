//! Development aid: flags suspicious parses (unknown tokens, keyword-named commands).
use exomig_grammar::{ast, SyntaxKind};
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        let Ok(file) = exomig_grammar::source::SourceFile::decode(&bytes) else {
            continue;
        };
        let src = &file.text;
        let parse = exomig_grammar::parse(src);
        let mut rebuilt = String::new();
        for t in parse.root.tokens() {
            rebuilt.push_str(t.text(src));
            if t.kind == SyntaxKind::Unknown {
                println!("{path}: unknown token {:?} {:?}", t.span, t.text(src));
            }
        }
        if &rebuilt != src {
            println!("{path}: NOT LOSSLESS");
        }
        for n in parse.root.find_all(SyntaxKind::Command) {
            let c = ast::Command { node: n };
            let name = c.name(src).unwrap_or_default().to_lowercase();
            if [
                "else", "elseif", "catch", "finally", "until", "param", "begin", "process", "end",
                "if", "foreach", "while", "do", "try", "switch", "function", "class", "enum",
                "return", "throw", "in", "default", "ternary", ":",
            ]
            .contains(&name.as_str())
                || name.starts_with('-')
            {
                let idx = exomig_grammar::source::LineIndex::new(src);
                println!(
                    "{path}:{:?}: command named {name:?}: {:?}",
                    idx.line_col(n.span.start),
                    &src[n.span.clone()].chars().take(80).collect::<String>()
                );
            }
        }
    }
}
