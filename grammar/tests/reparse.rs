//! `reparse` must give exactly the tree and errors of a full parse of the new text, whether it
//! takes the fast path or falls back: checked on the corpus, samples and fixtures with the
//! edits a translator makes, on random scripts with random (often syntax-breaking) edits, and
//! on the constructs that continue across lines.
mod common;

use std::ops::Range;

use exomig_grammar::ast;
use exomig_grammar::source::SourceFile;
use exomig_grammar::{parse, reparse_traced, Change};
use proptest::prelude::*;

/// Applies `edits` (old range → replacement, sorted, non-overlapping) to `old`, re-parses
/// incrementally and checks the result against a full parse. Returns the fallback reason
/// (`None`: fast path).
fn check(old: &str, edits: &[(Range<usize>, &str)]) -> Option<&'static str> {
    let mut new = String::with_capacity(old.len());
    let mut changes = Vec::new();
    let mut at = 0;
    for (range, text) in edits {
        new.push_str(&old[at..range.start]);
        new.push_str(text);
        at = range.end;
        changes.push(Change {
            old: range.clone(),
            new_len: text.len(),
        });
    }
    new.push_str(&old[at..]);
    let (got, reason) = reparse_traced(parse(old), &changes, &new);
    let want = parse(&new);
    if got.root != want.root || got.errors != want.errors {
        panic!(
            "reparse differs from a full parse (fallback: {reason:?})\nold: {old:?}\nedits: \
             {edits:?}\nnew: {new:?}\n--- reparse\n{}{:?}\n--- full\n{}{:?}",
            got.root.debug_dump(&new),
            got.errors,
            want.root.debug_dump(&new),
            want.errors
        );
    }
    assert_eq!(got.root.debug_dump(&new), want.root.debug_dump(&new));
    reason
}

/// Every script the tests can find: corpus, samples, construct and error fixtures,
/// regressions.
fn script_texts() -> Vec<(String, String)> {
    let mut paths = common::corpus_files();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for dir in ["fixtures", "errors", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(here.join(dir)) {
            let mut found: Vec<_> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
                .collect();
            found.sort();
            paths.extend(found);
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let text = SourceFile::decode(&bytes).ok()?.text;
            Some((p.display().to_string(), text))
        })
        .collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

fn corpus() -> &'static [(String, String)] {
    static TEXTS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    TEXTS.get_or_init(script_texts)
}

/// Up to `n` items spread evenly over `items`.
fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

/// Start of the line holding `offset`, and the end of that line including its line break.
fn line_around(text: &str, span: &Range<usize>) -> Range<usize> {
    let start = text[..span.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i + 1);
    start..end
}

const REPLACEMENT: &str =
    "Connect-ExchangeOnline -UserPrincipalName $upn -ShowBanner:$false -ErrorAction Stop";

#[derive(Default)]
struct Tally {
    fast: usize,
    fallback: usize,
}

impl Tally {
    fn add(&mut self, reason: Option<&'static str>) {
        match reason {
            None => self.fast += 1,
            Some(_) => self.fallback += 1,
        }
    }
}

#[test]
fn translator_edits_on_every_script_match_a_full_parse() {
    let texts = script_texts();
    assert!(!texts.is_empty(), "no scripts found");
    let mut tally = Tally::default();
    for (_name, text) in &texts {
        let p = parse(text);
        let script = p.script();
        let top: Vec<Range<usize>> = script.statements().iter().map(|s| s.span()).collect();
        let top_set: std::collections::HashSet<_> = top.iter().map(|r| (r.start, r.end)).collect();
        let nested: Vec<Range<usize>> = ast::all_statements(&p.root)
            .iter()
            .map(|s| s.span())
            .filter(|r| !top_set.contains(&(r.start, r.end)))
            .collect();

        // Replace one whole top-level statement.
        for span in spread(&top, 4) {
            tally.add(check(text, &[(span, REPLACEMENT)]));
        }
        // Replace a statement nested in a function / try / if body.
        for span in spread(&nested, 3) {
            tally.add(check(
                text,
                &[(span, "Disconnect-ExchangeOnline -Confirm:$false")],
            ));
        }
        // Delete a statement with its line.
        for span in spread(&top, 2) {
            tally.add(check(text, &[(line_around(text, &span), "")]));
        }
        for span in spread(&nested, 1) {
            tally.add(check(text, &[(line_around(text, &span), "")]));
        }
        // Insert a statement on a line of its own before a statement.
        for span in spread(&top, 2) {
            let at = line_around(text, &span).start;
            tally.add(check(text, &[(at..at, "Write-Host 'migrated'\n")]));
        }
        // Several changes at once: first and last top-level statements and a nested one.
        if top.len() >= 2 {
            let mut edits = vec![(top[0].clone(), REPLACEMENT)];
            if let Some(n) = nested
                .iter()
                .find(|n| n.start >= top[0].end && n.end <= top[top.len() - 1].start)
            {
                edits.push((n.clone(), "$null = 1"));
            }
            edits.push((top[top.len() - 1].clone(), "Get-Mailbox\n"));
            tally.add(check(text, &edits));
        }
        // Trivia: rewrite a comment, add a blank line after a statement.
        let comments: Vec<Range<usize>> = ast::comments(&p.root).map(|c| c.span.clone()).collect();
        for span in spread(&comments, 2) {
            tally.add(check(text, &[(span, "# exomig: rewritten")]));
        }
        for span in spread(&top, 1) {
            tally.add(check(text, &[(span.end..span.end, "\n\n")]));
        }
    }
    eprintln!(
        "translator edits: fast path {} of {}",
        tally.fast,
        tally.fast + tally.fallback
    );
    // The fast path must be the rule for such edits, not the exception.
    assert!(
        tally.fast > 4 * tally.fallback,
        "fast {} fallback {}",
        tally.fast,
        tally.fallback
    );
}

#[test]
fn a_typical_translator_edit_takes_the_fast_path() {
    let old = "$ErrorActionPreference = 'Stop'\n\
               $cred = Get-Credential\n\
               $s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $cred -Authentication Basic -AllowRedirection\n\
               Import-PSSession $s -AllowClobber | Out-Null\n\
               Get-Mailbox -ResultSize Unlimited | Export-Csv mailboxes.csv\n\
               Remove-PSSession $s\n\
               Write-Host 'done'\n";
    let start = old.find("$s = New").unwrap();
    let end = old.find(" | Out-Null").unwrap() + " | Out-Null".len();
    assert_eq!(
        check(
            old,
            &[(start..end, "Connect-ExchangeOnline -Credential $cred")]
        ),
        None
    );
    let remove = old.find("Remove-PSSession $s").unwrap();
    assert_eq!(
        check(
            old,
            &[
                (start..end, "Connect-ExchangeOnline -Credential $cred"),
                (
                    remove..remove + "Remove-PSSession $s".len(),
                    "Disconnect-ExchangeOnline"
                ),
            ]
        ),
        None
    );
}

#[test]
fn constructs_that_continue_across_lines_match_a_full_parse() {
    let cases: &[(&str, &str, &str)] = &[
        // (old text, the part of it to replace, replacement)
        ("a\nif ($x) { 1 }\nb\nc\n", "b", "else { 2 }"),
        ("a\nif ($x) { 1 }\n\n# c\nb\nc\n", "b", "elseif ($y) { 2 }"),
        ("a\ntry { 1 }\nb\nc\n", "b", "catch { 2 }"),
        ("a\ntry { 1 }\nb\nc\n", "b", "finally { 2 }"),
        ("a\ndo { 1 }\nb\nc\n", "b", "while ($x)"),
        ("a\nGet-X\nb\nc\n", "b", "| Out-Null"),
        ("a\nGet-X\nb\nc\n", "b", "  | Out-Null"),
        ("a\nGet-X b\nc\nd\n", " b", " `"),
        ("a\n$x = @'\nq\n'@\nb\nc\n", "b", "'@"),
        ("a\nb\nc\nd\ne\n", "c", "@'"),
        ("a\nb\nc\nd\ne\n", "c", "@\""),
        ("a\nb\nc\nd\ne\n", "c", "'"),
        ("a\nb\nc\nd\ne\n", "c", "\""),
        ("a\nb\nc\nd\ne\n", "c", "{"),
        ("a\nb\nc\nd\ne\n", "c", "}"),
        ("a\nb\nc\nd\ne\n", "c", "<#"),
        ("a\nb\nc\nd\ne\n", "c", "#>"),
        ("a\n<# x\nb\nc\n#>\nd\ne\n", "#>", ""),
        ("a\nb\n$c ?\n$y\nfoo\nz\n", "foo", ": $z"),
        ("a\n$a ?\n$b ?\n$c\n:\n$d\nX\nz\n", "X", ": $e"),
        ("a\nb\ndata\nfoo\nbar\nz\n", "bar", "{ 'x' }"),
        ("a\n[A()]\n[B()]\nfoo\nz\n", "foo", "param($x)"),
        ("a\n[A()]\n[B()]\nfoo\nz\n", "foo", "class C {}"),
        ("a\nb\nc\nd\ne\n", "c", "$x = 1 +"),
        ("a\nb\nc\nd\ne\n", "c", "a &&"),
        ("a\nb\nc\nd\ne\n", "c", "$x = 1,"),
        ("a\nb\n:lbl\nd\ne\n", "d", "foreach ($i in $j) { }"),
        ("a\nb\nswitch ($x)\nd\ne\n", "d", "{ 1 { 2 } }"),
        ("a\nb\nfunction f\nd\ne\n", "d", "{ }"),
        ("#requires -Version 5\nparam($a)\nb\nc\n", "b", "Get-X"),
        ("a; b; c; d; e", "c", "if ($x) { }"),
        ("a; b; c; d; e", "; c", ""),
        ("a\r\nb\r\nc\r\nd\r\n", "c", "x\r\ny"),
        ("a\nb\nc\nd\ne\n", "c", "$(((("),
        ("a\nb\nc\nd\ne\n", "c", "'it''s'"),
        ("a\nb\nc\nd\ne\n", "c", "--% raw"),
        ("a\nb\nc\nd\ne\n", "c", ")"),
        ("function f {\n  a\n  b\n}\nz\n", "b", "} else {"),
        // A quote opened in an attribute closes only far after the region: the parameter
        // attempt fails at the region's end but succeeds in the full text.
        (
            "[CmdletBinding()]\nparam(\n  [ValidateScript({ Test-Path $_ })]\n  [string]$P = 'x',\n  [int]$D = 7\n)\na\nb\nc\nd\nWrite-Host 'q' $x\n",
            "Test",
            "T'est",
        ),
    ];
    for (old, from, to) in cases {
        let at = old
            .find(from)
            .unwrap_or_else(|| panic!("{from:?} in {old:?}"));
        check(old, &[(at..at + from.len(), to)]);
    }
}

#[test]
fn edits_at_the_ends_and_of_everything_match_a_full_parse() {
    let old = "a\nb\nc\n";
    check(old, &[(0..0, "x\n")]);
    check(old, &[(old.len()..old.len(), "d\n")]);
    check(old, &[(0..old.len(), "")]);
    check(old, &[(0..old.len(), "if ($x) {")]);
    check("", &[(0..0, "a\nb\n")]);
    check(old, &[(0..1, "x"), (4..5, "y")]);
    check(old, &[(2..2, "q"), (2..3, "r")]);
}

#[test]
fn bad_changes_fall_back_to_a_full_parse() {
    let old = "a\nb\nc\n";
    let new = "a\nx\nc\n";
    let cases: &[&[Change]] = &[
        &[],
        &[Change {
            old: 2..3,
            new_len: 2,
        }],
        &[Change {
            old: 2..30,
            new_len: 1,
        }],
        &[
            Change {
                old: 4..5,
                new_len: 1,
            },
            Change {
                old: 2..3,
                new_len: 1,
            },
        ],
        &[
            Change {
                old: 2..4,
                new_len: 1,
            },
            Change {
                old: 3..5,
                new_len: 1,
            },
        ],
    ];
    for changes in cases {
        let (got, reason) = reparse_traced(parse(old), changes, new);
        assert!(reason.is_some(), "{changes:?}");
        assert_eq!(got.root, parse(new).root);
    }
}

fn edit_text() -> impl Strategy<Value = String> {
    let breaking = prop::sample::select(
        &[
            "",
            "'",
            "\"",
            "{",
            "}",
            "(",
            ")",
            "@'\n",
            "@\"\n",
            "\n'@",
            "\n\"@",
            "`\n",
            "`",
            "<#",
            "#>",
            "\n",
            "\nelse { }",
            "\ncatch { }",
            "\n| Out-Null",
            " ?\n",
            "\n: 1",
            "data\n",
            "[A()]\n",
            "param()",
            ";",
            "\r\n",
            "\u{2018}",
            "\u{201C}",
            "a#b'",
            "`'",
            "[A(",
            "$(",
            "@{",
            "'\n",
            "\"\n",
            "$x = 'a\nb'",
            "-",
            " -",
            ".",
        ][..],
    )
    .prop_map(str::to_owned);
    prop_oneof![
        breaking,
        prop::sample::select(common::FRAGMENTS).prop_map(str::to_owned),
        (
            prop::sample::select(common::FRAGMENTS),
            prop::sample::select(&["\n", " ", ""][..])
        )
            .prop_map(|(a, b)| format!("{b}{a}{b}")),
    ]
}

/// One to `max_count - 1` edits (position, length below `max_len`, new text) for
/// [`random_edits`].
fn edit_picks(
    max_len: usize,
    max_count: usize,
) -> impl Strategy<Value = Vec<(prop::sample::Index, usize, String)>> {
    prop::collection::vec(
        (any::<prop::sample::Index>(), 0usize..max_len, edit_text()),
        1..max_count,
    )
}

/// The byte range of line `line` (chosen among the lines of `src`), without its `\n`.
fn line_range(src: &str, line: prop::sample::Index) -> Range<usize> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i == 0 || i < src.len())
        .collect();
    let start = starts[line.index(starts.len())];
    let end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    start..end
}

/// Random sorted, non-overlapping edits at char boundaries of `src`.
fn random_edits(
    src: &str,
    picks: Vec<(prop::sample::Index, usize, String)>,
) -> Vec<(Range<usize>, String)> {
    let mut points: Vec<(usize, usize, String)> = picks
        .into_iter()
        .map(|(at, len, text)| {
            let mut i = at.index(src.len() + 1);
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            (i, len, text)
        })
        .collect();
    points.sort_by_key(|p| p.0);
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut floor = 0;
    for (start, len, text) in points {
        if start < floor {
            continue;
        }
        let mut end = (start + len).min(src.len());
        while !src.is_char_boundary(end) {
            end -= 1;
        }
        floor = end;
        edits.push((start..end, text));
    }
    edits
}

fn check_owned(src: &str, edits: &[(Range<usize>, String)]) -> Option<&'static str> {
    let borrowed: Vec<(Range<usize>, &str)> =
        edits.iter().map(|(r, t)| (r.clone(), t.as_str())).collect();
    check(src, &borrowed)
}

/// Whole statements, mostly valid and error-free, chosen for the ways they can join with a
/// neighbour (`else`/`catch` lines, a `|` line, `data`, attributes, ternaries, multi-line
/// strings, here-strings, block comments, continuations).
const STATEMENTS: &[&str] = &[
    "$s = New-PSSession -ConnectionUri https://x/ -Authentication Basic",
    "Import-PSSession $s -AllowClobber | Out-Null",
    "if ($a -eq 1) { Get-A }",
    "else { Get-B }",
    "elseif ($b) { 2 }",
    "try { Get-C }",
    "catch { Write-Warning $_ }",
    "finally { Remove-PSSession $s }",
    "do { $i++ }",
    "while ($i -lt 3) { $i++ }",
    "until ($x)",
    "foreach ($m in $list) { $m.Name }",
    "function Get-X { param($n) \"x$n\" }",
    "function Get-Y",
    "{ 'body' }",
    "param([string]$Name = 'd')",
    "[CmdletBinding()]",
    "[Parameter()]",
    "class C { [string]$Name }",
    "enum E { A; B }",
    "data",
    "Messages",
    "begin { 1 }",
    "process { $_ }",
    ":outer",
    "switch ($x) { 1 { 'one' } default { 'other' } }",
    "$a ? 1 : 2",
    "$c",
    "$y",
    "a && b || c",
    "Get-Mailbox |",
    "  Where-Object { $_.Name }",
    "Get-X `\n  -Name y",
    "$h = @{\n  a = 1\n  b = 'two'\n}",
    "$t = \"multi\nline $x\"",
    "$q = 'multi\nline'",
    "$here = @'\nraw \"text\" '\n'@",
    "$here = @\"\n$x and $($y)\n\"@",
    "<# block\n comment #>",
    "# line comment",
    "#requires -Version 5.1",
    "[int]::Parse('1') + 2",
    "$list = 1,\n  2,\n  3",
    "$x = $a +\n  $b",
    "return $x",
    "exit 1",
    "& $sb @args 2>&1 > $null",
    "",
];

fn valid_script() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(STATEMENTS),
            prop::sample::select(&["\n", "\r\n", "\n\n", "; ", "\n# c\n"][..]),
        ),
        1..24,
    )
    .prop_map(|parts| parts.into_iter().map(|(f, s)| format!("{f}{s}")).collect())
}

#[test]
fn random_edits_of_valid_scripts_often_take_the_fast_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (
        valid_script(),
        edit_picks(12, 3),
        any::<prop::sample::Index>(),
        prop::sample::select(STATEMENTS),
    );
    let (mut fast_random, mut fast_swap, mut total) = (0, 0, 0);
    while total < 200 {
        let (src, picks, line, statement) = strategy.new_tree(&mut runner).unwrap().current();
        // Errors before an edit rule the fast path out; this is about edits of clean files.
        if !parse(&src).errors.is_empty() {
            continue;
        }
        total += 1;
        let edits = random_edits(&src, picks);
        if check_owned(&src, &edits).is_none() {
            fast_random += 1;
        }
        if check(&src, &[(line_range(&src, line), statement)]).is_none() {
            fast_swap += 1;
        }
    }
    eprintln!(
        "edits of {total} clean scripts: fast path for {fast_random} random edits, \
         {fast_swap} statement swaps"
    );
    // Random edits often break syntax and must fall back; a fast path that is never taken
    // would still pass every equality test, so ask for a share of it.
    assert!(
        fast_random * 5 > total,
        "random edits: fast path {fast_random} of {total}"
    );
    assert!(
        fast_swap * 2 > total,
        "swaps: fast path {fast_swap} of {total}"
    );
}

proptest! {
    // PROPTEST_CASES=20000 for a longer hunt.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_edits_of_generated_scripts_match_a_full_parse(
        src in common::generated_script(),
        picks in edit_picks(12, 4),
    ) {
        let edits = random_edits(&src, picks);
        check_owned(&src, &edits);
    }

    #[test]
    fn random_edits_of_valid_scripts_match_a_full_parse(
        src in valid_script(),
        picks in edit_picks(12, 4),
    ) {
        let edits = random_edits(&src, picks);
        check_owned(&src, &edits);
    }

    #[test]
    fn random_statement_swaps_in_valid_scripts_match_a_full_parse(
        src in valid_script(),
        line in any::<prop::sample::Index>(),
        text in prop::sample::select(STATEMENTS),
    ) {
        check(&src, &[(line_range(&src, line), text)]);
    }

    #[test]
    fn random_edits_of_corpus_files_match_a_full_parse(
        pick in any::<prop::sample::Index>(),
        picks in edit_picks(40, 3),
    ) {
        let texts = corpus();
        prop_assume!(!texts.is_empty());
        let src = &texts[pick.index(texts.len())].1;
        let edits = random_edits(src, picks);
        check_owned(src, &edits);
    }

    #[test]
    fn random_whole_line_edits_of_generated_scripts_match_a_full_parse(
        src in common::generated_script(),
        line in any::<prop::sample::Index>(),
        text in edit_text(),
    ) {
        // Line-aligned edits are what a translator makes, and the ones most likely to take
        // the fast path.
        check(&src, &[(line_range(&src, line), text.as_str())]);
    }
}
