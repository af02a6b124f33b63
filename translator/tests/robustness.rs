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

/// The translator's own reader on the default (2 MiB) test-thread stack.
#[test]
fn own_reader_survives_deep_nesting() {
    for piece in PIECES {
        let text = with_legacy(&piece.repeat(20_000));
        let parsed = exomig_translator::syntax::parse::parse(&text);
        assert!(parsed.root.range.end <= text.len(), "{piece}");
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
