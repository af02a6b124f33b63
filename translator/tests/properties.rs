//! Property tests: `fix` is idempotent, scripts without legacy connections come back
//! byte-identical, and nothing panics on arbitrary input.

use exomig_grammar::source::SourceFile;
use exomig_translator::{check, check_and_fix, fix, FixOutcome, Options, Rule};
use proptest::prelude::*;
use std::path::Path;

fn unsafe_opts() -> Options {
    Options {
        unsafe_fixes: true,
        ..Options::default()
    }
}

/// Fragments that recombine into legacy, modern and unrelated scripts.
fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "$c = Get-Credential\n",
        "$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection\n",
        "$cc = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.compliance.protection.outlook.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection\n",
        "$op = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://ex01/PowerShell/ -Authentication Kerberos\n",
        "Import-PSSession $s -AllowClobber | Out-Null\n",
        "Import-PSSession $cc -Prefix cc\n",
        "Import-Module (Import-PSSession $s -DisableNameChecking) -Global\n",
        "Remove-PSSession $s\n",
        "Remove-PSSession $cc\n",
        "Get-PSSession | Remove-PSSession\n",
        "Get-PSSession | Where-Object { $_.ConfigurationName -eq 'Microsoft.Exchange' } | Remove-PSSession\n",
        "if ($s.State -eq 'Opened') { Get-Mailbox }\n",
        "Invoke-Command -Session $s { Get-Mailbox }\n",
        "Get-Mailbox -ResultSize 10\n",
        "function Connect-ExchangeOnline { param($x) }\n",
        "# New-PSSession -ConnectionUri https://outlook.office365.com/powershell-liveid/\n",
        "$pw = ConvertTo-SecureString 'x' -AsPlainText -Force\n",
        "foreach ($t in $list) {\n",
        "}\n",
        "try {\n",
        "} finally {\n",
        "$p = @{ ConfigurationName = 'Microsoft.Exchange'; ConnectionUri = 'https://outlook.office365.us/powershell-liveid/'; Credential = $c }\n",
        "$x = New-PSSession @p\nImport-PSSession $x\n",
        "Connect-EXOPSSession -UserPrincipalName a@b.c | Out-Null\n",
        "\r\n",
        "    ",
        "`\n",
        "\"unterminated\n",
    ])
}

/// Everything a `fix` result says, comparable.
fn summary(
    outcome: &Result<FixOutcome, exomig_translator::FixError>,
) -> Result<
    (
        String,
        Vec<exomig_translator::Finding>,
        Vec<exomig_translator::Finding>,
        usize,
    ),
    String,
> {
    outcome
        .as_ref()
        .map(|o| {
            (
                o.output.clone(),
                o.applied.clone(),
                o.remaining.clone(),
                o.unsafe_skipped,
            )
        })
        .map_err(|e| e.to_string())
}

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn fix_is_idempotent(text in script(), unsafe_fixes in any::<bool>()) {
        let opts = Options { unsafe_fixes, ..Options::default() };
        if let Ok(once) = fix(&text, &opts) {
            let twice = fix(&once.output, &opts).expect("fixing fixed output fails");
            prop_assert_eq!(&twice.output, &once.output);
        }
    }

    #[test]
    fn check_and_fix_equals_check_plus_fix(text in script(), unsafe_fixes in any::<bool>()) {
        let opts = Options { unsafe_fixes, ..Options::default() };
        let both = check_and_fix(&text, &opts);
        prop_assert_eq!(both.input.findings, check(&text, &opts).findings);
        prop_assert_eq!(summary(&both.outcome), summary(&fix(&text, &opts)));
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = check(&text, &unsafe_opts());
        let _ = fix(&text, &unsafe_opts());
    }

    #[test]
    fn scripts_without_legacy_markers_are_untouched(text in "[a-zA-Z0-9 $=(){}|;'\"\n\t.,-]{0,300}") {
        let out = fix(&text, &unsafe_opts()).expect("fix");
        prop_assert_eq!(out.output, text);
    }
}

/// Every corpus file: fixing twice equals fixing once, and files without a legacy finding
/// come back byte-identical after decode → fix → encode.
#[test]
fn corpus_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()));
    let mut seen = 0;
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
        if !matches!(ext, "ps1" | "psm1" | "psd1") {
            continue;
        }
        seen += 1;
        let bytes = std::fs::read(&p).expect("read");
        let src = SourceFile::decode(&bytes).expect("decode");
        let opts = unsafe_opts();
        let findings = check(&src.text, &opts).findings;
        let out = fix(&src.text, &opts).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let both = check_and_fix(&src.text, &opts);
        assert_eq!(both.input.findings, findings, "{}", p.display());
        assert_eq!(
            summary(&both.outcome),
            summary(&Ok(out.clone())),
            "{}",
            p.display()
        );
        let again = fix(&out.output, &opts).expect("second fix");
        assert_eq!(again.output, out.output, "{}: not idempotent", p.display());
        let legacy = findings
            .iter()
            .any(|f| f.rule != Rule::Syn001 && f.fix.is_some());
        if !legacy {
            let written = src.encode(&out.output).expect("encode");
            assert_eq!(
                written,
                bytes,
                "{}: changed without a fixable finding",
                p.display()
            );
        }
    }
    assert!(seen > 0, "corpus is empty");
}

/// Every sample script: fixing (with unsafe fixes) succeeds, is idempotent, and its output
/// parses no worse than its input.
#[test]
fn sample_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("samples at {}: {e}", dir.display()));
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("ps1") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let src = SourceFile::decode(&bytes).expect("decode");
        let out = fix(&src.text, &unsafe_opts()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let again = fix(&out.output, &unsafe_opts()).expect("second fix");
        assert_eq!(again.output, out.output, "{}: not idempotent", p.display());
        src.encode(&out.output)
            .unwrap_or_else(|e| panic!("{}: output not encodable: {e}", p.display()));
    }
}

/// `check` reports nothing for a text that holds none of `TRIGGERS` (the CLI's fast path
/// relies on it), even when the text has syntax errors.
#[test]
fn triggers_cover_every_finding() {
    for text in [
        "Get-Item x | Where-Object { $_.Length -gt 1",
        "function f { param($a) $a }\n",
        "\"unterminated",
    ] {
        assert!(check(text, &unsafe_opts()).findings.is_empty(), "{text}");
    }
    let loader = "$m = Get-ChildItem $env:LOCALAPPDATA\\Apps\\2.0 -Filter Microsoft.Exchange.Management.ExoPowershellModule.dll -Recurse\nImport-Module $m.FullName\n";
    let lower = loader.to_ascii_lowercase();
    assert!(!check(loader, &unsafe_opts()).findings.is_empty());
    assert!(exomig_translator::TRIGGERS
        .iter()
        .any(|t| lower.contains(t)));
}
