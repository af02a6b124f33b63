//! Development aid: parse time of pathological inputs.
fn main() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unclosed parens 200 + junk",
            format!("{}1 2", "(".repeat(200)),
        ),
        ("unclosed if 200", "if ($a) {\n".repeat(200)),
        ("unclosed hashtables 200", "@{ a = ".repeat(200)),
        ("unclosed strings", "\"$(".repeat(200)),
        ("long member chain", format!("$a{}", ".b".repeat(20000))),
        ("long binary chain", format!("1{}", " + 1".repeat(20000))),
        ("long bare word", "a".repeat(1_000_000)),
        ("many quotes", "'".repeat(100_000)),
        ("cast chain", format!("{}$x", "[int]".repeat(200))),
        (
            "nested script blocks broken",
            format!("{}1 2{}", "& { ".repeat(200), "}".repeat(200)),
        ),
        (
            "nested arrays broken",
            format!("{}1 2{}", "@(".repeat(200), ")".repeat(200)),
        ),
        ("nested index broken", format!("$a{}", "[$a".repeat(200))),
        ("nested attribute args", "[A(".repeat(200)),
        ("param defaults", format!("param({})", "$a = (".repeat(200))),
    ];
    for (name, text) in cases {
        let start = std::time::Instant::now();
        let p = exomig_grammar::parse(&text);
        println!(
            "{:8.1} ms  {} errors  {name}",
            start.elapsed().as_secs_f64() * 1e3,
            p.errors.len()
        );
    }
}
