//! Never a panic, always a byte-identical reprint: generated scripts, mutated corpus files,
//! arbitrary strings and bytes; plus pathological nesting.
mod common;

use proptest::prelude::*;

fn corpus_texts() -> &'static [String] {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        common::corpus_files()
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| exomig_grammar::source::SourceFile::decode(&b).ok())
            .map(|f| f.text)
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_scripts_reprint_identically(src in common::generated_script()) {
        common::parse_checked(&src);
    }

    #[test]
    fn arbitrary_strings_reprint_identically(src in "\\PC{0,200}") {
        common::parse_checked(&src);
    }

    #[test]
    fn arbitrary_bytes_decode_and_reprint(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(file) = exomig_grammar::source::SourceFile::decode(&bytes) {
            common::parse_checked(&file.text);
            prop_assert_eq!(file.encode(&file.text).unwrap(), bytes);
        }
    }

    #[test]
    fn mutated_corpus_files_reprint_identically(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(common::FRAGMENTS)), 1..4),
    ) {
        let texts = corpus_texts();
        prop_assume!(!texts.is_empty());
        let mut src = texts[pick.index(texts.len())].clone();
        for (at, op, fragment) in edits {
            let mut i = at.index(src.len() + 1);
            while !src.is_char_boundary(i) { i -= 1; }
            match op {
                0 => src.insert_str(i, fragment),
                1 => { let mut j = (i + fragment.len()).min(src.len()); while !src.is_char_boundary(j) { j -= 1; } src.replace_range(i..j, ""); }
                _ => src.truncate(i),
            }
        }
        common::parse_checked(&src);
    }
}

#[test]
fn ten_thousand_nested_openers_become_an_error_not_a_crash() {
    for opener in ["(", "{", "@(", "$(", "[", "@{"] {
        let src = opener.repeat(10_000);
        let parse = common::parse_checked(&src);
        assert!(!parse.errors.is_empty(), "{opener}");
        assert!(
            parse
                .errors
                .iter()
                .any(|e| e.message.contains("nesting deeper")),
            "{opener}: {:?}",
            parse.errors.first()
        );
    }
    let closed = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let parse = common::parse_checked(&closed);
    assert!(!parse.errors.is_empty());
}

#[test]
fn nesting_below_the_cap_parses_cleanly() {
    let depth = exomig_grammar::MAX_NESTING - 1;
    let src = format!("$x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let parse = common::parse_checked(&src);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors.first());
    let blocks = format!("{}{}\n", "if ($a) {".repeat(100), "}".repeat(100));
    let parse = common::parse_checked(&blocks);
    assert!(parse.errors.is_empty());
}

#[test]
fn unclosed_blocks_do_not_backtrack_exponentially() {
    // 18 nested unclosed `if {` took 25 s in a naive grammar; here each is one missing `}`.
    let src = "if ($a) {\n".repeat(40);
    let parse = common::parse_checked(&src);
    assert_eq!(parse.errors.len(), 40);
}

#[test]
fn pathological_inputs_finish_and_stay_lossless() {
    // Each of these once risked exponential backtracking; a regression shows up as a test
    // that does not finish.
    let cases = [
        format!("{}1 2", "(".repeat(60)),
        "@{ a = ".repeat(60),
        "\"$(".repeat(60),
        "[A(".repeat(60),
        format!("param({})", "$a = (".repeat(60)),
        format!("{}1 2{}", "& { ".repeat(60), "}".repeat(60)),
        format!("$a{}", "[$a".repeat(60)),
        format!("{}$x", "[int]".repeat(60)),
        format!("class C {{ {} }}", "[A(".repeat(60)),
        format!("function f {{ param({}) }}", "[ValidateScript({".repeat(30)),
    ];
    for src in &cases {
        let parse = common::parse_checked(src);
        assert!(!parse.errors.is_empty() || src.ends_with("$x"), "{src}");
    }
}

/// The libFuzzer `parse_bytes` timeout (a corpus script with 45 `{` pasted into a line): the
/// error-statement rule retried every opener of an unclosed group, 2^n work. Now the bad lines
/// are error statements and everything around them parses as before. A regression shows up as
/// a test that does not finish.
#[test]
fn fuzz_timeout_input_parses_linearly_and_keeps_its_statements() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions/parse_bytes-timeout-ec7261cef706e6480fe3b7247c3f427146cf8a4a");
    let bytes = std::fs::read(path).expect("regression input");
    let file = exomig_grammar::source::SourceFile::decode(&bytes).expect("decodes");
    let src = &file.text;
    let parse = common::parse_checked(src);
    let errors: Vec<(&str, &str)> = parse
        .errors
        .iter()
        .map(|e| (&src[e.span.clone()], e.message.as_str()))
        .collect();
    let braces = "{".repeat(45);
    assert_eq!(
        errors,
        [
            (
                "$sw = [System.D\u{0}1iagnostics.Stopwatch]::StartNew()",
                "this statement could not be parsed"
            ),
            (
                format!(
                    "$c{braces}overage = [math]::Round($result.CodeCoverage.CoveragePercent, 1)"
                )
                .as_str(),
                "this statement could not be parsed"
            ),
            (
                "$manifestPa\u{a1}th = Join-Path $m.FullName \"$($m.Name).psd1\"",
                "this statement could not be parsed"
            ),
        ]
    );
    // The statements after the bad lines are intact: the last one is the `foreach`.
    let last = parse.root.child_nodes().last().expect("statements");
    assert_eq!(last.kind, exomig_grammar::SyntaxKind::ForeachStatement);
    assert!(last.text(src).starts_with("foreach ($t in $run)"));
}

/// Deterministic mixes of unclosed openers, 2,000 per input, inside code, inside a bad
/// statement, and inside a string of a bad statement (where the nesting pre-scan does not see
/// them): lossless, with errors, and quick (no timing assertion; a hang is a failing test).
#[test]
fn two_thousand_mixed_unclosed_openers_parse_losslessly() {
    let openers = [
        "(", "{", "@(", "$(", "\"$(", "[", "@{", "$c{", " ", "x", "\n",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 0..6 {
        let mut body = String::new();
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            body.push_str(openers[(seed % openers.len() as u64) as usize]);
        }
        let src = match round % 3 {
            0 => body,
            1 => format!("$c {body}"),
            _ => format!("$c '{}' {{(", body.replace(['\'', '\n'], "")),
        };
        let parse = common::parse_checked(&src);
        assert!(!parse.errors.is_empty(), "round {round}");
    }
    // One kind of opener at a time, unclosed, on one line after a bad statement start.
    for opener in ["(", "{", "@(", "$(", "\"$("] {
        let src = format!("$c{}x\n$ok = 1\n", opener.repeat(2000));
        common::parse_checked(&src);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Up to 400 openers and closers of every kind in any order after a statement that does
    /// not parse: the error statement takes the line in one pass.
    #[test]
    fn openers_and_closers_in_a_bad_statement_reprint_identically(
        pieces in prop::collection::vec(
            prop::sample::select(&["(", "{", ")", "}", "@(", "$(", "\"", "'", "[", "]", " ", "a", "\n"][..]),
            0..400,
        )
    ) {
        let src = format!("$c{}", pieces.concat());
        common::parse_checked(&src);
    }
}

/// A long operator, member or index chain nests one tree level per link. Parsing, reprinting,
/// dumping and freeing such a tree must not recurse per level: before the tree's drop was made
/// iterative, freeing a 100,000-link chain overflowed the stack (SIGSEGV in `exomig parse`).
/// This runs on the default 2 MiB test-thread stack on purpose.
#[test]
fn hundred_thousand_link_chains_parse_dump_and_drop_on_a_small_stack() {
    let links = 100_000;
    for (head, link) in [
        ("$x = $a", " + $b"),
        ("$x = $a", ".b"),
        ("$x = $a", "[0]"),
        ("$x = 1", " -and 2"),
    ] {
        let src = format!("{head}{}\n", link.repeat(links));
        let parse = common::parse_checked(&src);
        assert!(
            parse.errors.is_empty(),
            "{link}: {:?}",
            parse.errors.first()
        );
        let nodes = parse.root.descendants().count();
        assert!(nodes > links, "{link}: only {nodes} nodes");
        // Indentation is capped, so the dump stays linear in the input (a quadratic dump of
        // this tree would be tens of gigabytes).
        let dump = parse.root.debug_dump(&src);
        assert!(
            dump.len() < links * 1_000,
            "{link}: dump {} bytes",
            dump.len()
        );
        assert!(dump.contains("<depth 65> "), "{link}");
        drop(parse);
    }
}
