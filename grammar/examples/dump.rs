fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let bytes = std::fs::read(&path).unwrap_or_default();
    let file = exomig_grammar::source::SourceFile::decode(&bytes).expect("decode");
    let parse = exomig_grammar::parse(&file.text);
    if std::env::args().nth(2).is_some() {
        print!("{}", parse.root.debug_dump(&file.text));
    }
    for e in &parse.errors {
        println!("error {:?}: {}", e.span, e.message);
    }
}
