//! Development aid: command names and odd arguments across files.
use exomig_grammar::{ast, SyntaxKind};
use std::collections::BTreeMap;
fn main() {
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for path in std::env::args().skip(1) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(file) = exomig_grammar::source::SourceFile::decode(&bytes) else {
            continue;
        };
        let src = &file.text;
        let parse = exomig_grammar::parse(src);
        for n in parse.root.find_all(SyntaxKind::Command) {
            let c = ast::Command { node: n };
            let name = c.name(src).unwrap_or_else(|| "<expr>".into());
            if std::env::var("SHOW").ok().as_deref() == Some(name.as_str()) {
                let idx = exomig_grammar::source::LineIndex::new(src);
                println!("{path}:{:?}", idx.line_col(n.span.start));
            }
            *names.entry(name).or_default() += 1;
            for e in c.elements(src) {
                if let ast::CommandElement::Argument(a, _) = e {
                    let t = a.text(src);
                    if t == "="
                        || t.starts_with('-')
                            && t.len() > 1
                            && !t[1..].starts_with(|c: char| c.is_ascii_digit())
                    {
                        println!(
                            "{path}: odd argument {t:?} in {:?}",
                            &src[n.span.clone()].chars().take(60).collect::<String>()
                        );
                    }
                }
            }
        }
    }
    let mut v: Vec<_> = names.into_iter().collect();
    v.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    println!(
        "{}",
        v.iter()
            .map(|(n, c)| format!("{n}:{c}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
}
