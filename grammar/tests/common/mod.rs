//! Shared checks for the grammar tests.
#![allow(dead_code)]

use exomig_grammar::{Parse, SyntaxElement, SyntaxKind, SyntaxNode};
use proptest::prelude::*;

/// The tree invariants: leaves in order with no gap and no overlap, their concatenation is
/// the input, every node spans exactly its children, no node starts or ends with trivia, no
/// `Unknown` token (bytes the grammar did not claim).
pub fn assert_invariants(src: &str, parse: &Parse) {
    assert_eq!(parse.root.span, 0..src.len(), "root span");
    let mut cursor = 0;
    let mut rebuilt = String::with_capacity(src.len());
    for token in parse.root.tokens() {
        assert_eq!(
            token.span.start, cursor,
            "gap or overlap at {cursor} in {src:?}"
        );
        assert!(token.span.end >= token.span.start);
        cursor = token.span.end;
        rebuilt.push_str(&src[token.span.clone()]);
        assert_ne!(
            token.kind,
            SyntaxKind::Unknown,
            "unclaimed bytes {:?} in {src:?}",
            token.text(src)
        );
        if token.kind != SyntaxKind::Missing {
            assert!(
                token.span.end > token.span.start || src.is_empty(),
                "empty {:?} token",
                token.kind
            );
        }
    }
    assert_eq!(cursor, src.len());
    assert_eq!(rebuilt, src);
    check_node(&parse.root, true);
    for e in &parse.errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= src.len(),
            "error span {:?}",
            e.span
        );
        assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
    }
}

fn check_node(node: &SyntaxNode, is_root: bool) {
    let mut stack = vec![(node, is_root)];
    while let Some((node, is_root)) = stack.pop() {
        if let (Some(first), Some(last)) = (node.children.first(), node.children.last()) {
            assert_eq!(node.span.start, first.span().start, "{:?} start", node.kind);
            assert_eq!(node.span.end, last.span().end, "{:?} end", node.kind);
            if !is_root {
                assert!(!first.is_trivia(), "{:?} starts with trivia", node.kind);
                assert!(!last.is_trivia(), "{:?} ends with trivia", node.kind);
            }
        }
        for child in &node.children {
            if let SyntaxElement::Node(n) = child {
                stack.push((n, false));
            }
        }
    }
}

/// Parses and checks the invariants; returns the parse.
pub fn parse_checked(src: &str) -> Parse {
    let parse = exomig_grammar::parse(src);
    assert_invariants(src, &parse);
    parse
}

/// The script files of the shared corpus and the samples (empty if absent).
pub fn corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["tests/corpus", "samples"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ["ps1", "psm1", "psd1"].contains(&ext.as_str()) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Pieces of real and broken PowerShell that random scripts are made of.
pub const FRAGMENTS: &[&str] = &[
    "New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection",
    "$s = ", "Import-PSSession $s -AllowClobber | Out-Null", "$p = @{ a = 1; 'b' = \"x$y\" }",
    "if ($a -eq 1) {", "} elseif ($b) {", "} else {", "}", "foreach ($x in $y) {", "while ($true) {",
    "do {", "} while ($x)", "try {", "} catch [System.Exception] {", "} finally {", "switch -regex ($x) {",
    "'a' { 1 }", "default { 2 }", "function Get-X {", "param([Parameter(Mandatory)][string]$n = 'd')",
    "begin {", "process {", "end {", "class C {", "[string]$Name", "[void] M() { }", "enum E { A; B }",
    "\"$($x.y) `t\"", "'it''s'", "@'\nhere\n'@", "@\"\n$x\n\"@", "$global:x[0].Name", "[int]::Parse('1')",
    "$a ? 1 : 2", "$a ?? 3", "a && b || c", "& $sb @args", ". .\\x.ps1", "2>&1", "> $null", "--% raw",
    "# comment", "<# block #>", "`\n", "`\r\n", "`\r", "\u{2013}Prefix", "\u{201C}Basic\u{201D}", "(", ")",
    "{", "}", "[", "]", "@(", "$(", "\"", "'", ";", "|", ",", "-not", "!", "1..3", "0x1F", "1KB",
    "-f", "-join", "-split", "+=", "=", "::", ".", "?.", "$_", "$$", "${a b}", "@splat", "trap {",
    ":lbl foreach ($a in $b) { break lbl }", "throw", "return $x", "exit 1",
];

/// A random script: up to 40 fragments, each followed by a separator.
pub fn generated_script() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(FRAGMENTS),
            prop::sample::select(&[" ", "\n", "\r\n", "\r", "\t", "", "; "][..]),
        ),
        0..40,
    )
    .prop_map(|parts| parts.into_iter().map(|(f, s)| format!("{f}{s}")).collect())
}
