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
/// depth (far below 2,000 levels), so the whole check fits the default (2 MiB) test-thread
/// stack. (Not 20,000 levels here: the grammar's tree of a 20,000-operator chain is that deep
/// and its recursive drop needs more than 2 MiB; that is the grammar's to bound.)
#[test]
fn check_survives_deep_nesting_on_default_stack() {
    for piece in PIECES {
        let text = with_legacy(&piece.repeat(2_000));
        let c = check(&text, &Options::default());
        assert!(
            c.findings.iter().all(|f| f.range.end <= text.len()),
            "{piece}"
        );
    }
}

/// The whole pipeline (which also runs the project grammar) terminates without panicking.
/// A larger stack is given because the grammar's recursion is not this crate's to bound.
#[test]
fn check_and_fix_survive_deep_nesting() {
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let opts = Options {
                unsafe_fixes: true,
                ..Options::default()
            };
            for piece in PIECES {
                let text = with_legacy(&piece.repeat(5_000));
                let _ = check(&text, &opts);
                let _ = fix(&text, &opts);
            }
        })
        .expect("spawn");
    assert!(worker.join().is_ok());
}
