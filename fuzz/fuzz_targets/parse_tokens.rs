//! Grammar-aware input: scripts assembled from PowerShell tokens and fragments (quotes,
//! here-strings, sub-expressions, splatting, continuations...), so the fuzzer spends its time
//! on nesting and token boundaries instead of rediscovering the lexer. Never panics, lossless.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[rustfmt::skip]
const PIECES: &[&str] = &[
    "New-PSSession", "Import-PSSession", "Remove-PSSession", "Get-PSSession", "Connect-ExchangeOnline",
    "-ConnectionUri", "https://outlook.office365.com/powershell-liveid/", "-Authentication", "Basic",
    "-Credential", "$UserCredential", "-ConfigurationName", "Microsoft.Exchange", "-AllowRedirection",
    "$Session", "$s", "$_", "$env:TEMP", "${a b}", "@params", "@{", "}", "{", "(", ")", "$(", "@(", "[",
    "]", "[string]", "[pscredential]::new(", "::", ".", ",", ";", "|", "||", "&&", "&", "=", "+=", "-eq",
    "-and", "-not", "!", "-f", "..", "'", "\"", "''", "\"\"", "`", "`\n", "`\"", "@'\n", "\n'@", "@\"\n",
    "\n\"@", "#", "<#", "#>", "\n", "\r\n", " ", "\t", "function F", "param(", "if", "else", "elseif",
    "foreach", "in", "while", "switch", "try", "catch", "finally", "return", "class C", "enum E", "using",
    "begin", "process", "end", "filter", "workflow", "trap", "break", "0x1F", "1kb", "1.5e3", "42",
    ">", ">>", "2>&1", "*>", "<", "--%", "-", "-Name:", "$true", "$null", "ConvertTo-SecureString",
    "-AsPlainText", "-Force", "Get-Credential", "Invoke-Command", "-Session", "-ScriptBlock", "Get-Mailbox",
    "# exomig: ignore", "#requires -Version 5", ":label", "data", "dynamicparam", "hidden", "static",
];

fuzz_target!(|data: &[u8]| {
    let mut text = String::new();
    // Each byte picks a piece; the top bit inserts a space so both glued and separated
    // tokens occur.
    for &b in data {
        text.push_str(PIECES[usize::from(b & 0x7F) % PIECES.len()]);
        if b & 0x80 != 0 {
            text.push(' ');
        }
    }
    let parse = exomig_grammar::parse(&text);
    assert_eq!(parse.root.text(&text), text, "tree must cover every byte");
});
