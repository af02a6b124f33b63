//! Hostile inputs: deep nesting and long chains must not overflow the stack, hang, or panic.

use exomig_translator::{check, fix, Options};

const PIECES: &[&str] = &[
    "!",
    "-not ",
    ",",
    "(",
    "{",
    "@{",
    "[",
    "$(",
    "\"$(",
    "@(",
    "[int]",
    "if ($a) {",
    "$a.b",
    "$a[0]",
    " + $b",
    "Get-Mailbox | ",
    "$x = ",
    "& ",
    ". ",
    "function f {",
    "try {",
    "switch ($a) {",
    "@",
    "$",
    ")",
    "}",
    "]",
    "|",
    "\"",
    "@\"",
    "`",
    "<#",
];

fn with_legacy(body: &str) -> String {
    format!("$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic\n{body}\nImport-PSSession $s\n")
}

/// The analysis model is built from the grammar's tree by recursive walks capped at a fixed
/// depth, and the grammar's tree is freed iteratively, so the whole check fits the default
/// (2 MiB) test-thread stack even where the tree is 20,000 levels deep (an operator chain).
#[test]
fn check_survives_deep_nesting_on_default_stack() {
    for piece in PIECES {
        let text = with_legacy(&piece.repeat(20_000));
        let c = check(&text, &Options::default());
        assert!(
            c.findings.iter().all(|f| f.range.end <= text.len()),
            "{piece}"
        );
    }
}

/// The whole pipeline, fixes included, terminates without panicking on the default stack.
#[test]
fn check_and_fix_survive_deep_nesting() {
    let opts = Options {
        unsafe_fixes: true,
        ..Options::default()
    };
    for piece in PIECES {
        let text = with_legacy(&piece.repeat(20_000));
        let c = check(&text, &opts);
        assert!(
            !c.findings.is_empty(),
            "{piece}: the legacy session is still found"
        );
        let _ = fix(&text, &opts);
    }
}
