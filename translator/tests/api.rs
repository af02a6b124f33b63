//! The public surface the CLI relies on: rule docs, finding shapes, fix outcome accounting.

use exomig_translator::{check, fix, Applicability, Options, Rule, Severity};

const C1: &str = "$adm = Get-Credential\n$exo = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.outlook.com/powershell/ -Credential $adm -Authentication Basic -AllowRedirection\nImport-PSSession $exo -DisableNameChecking | Out-Null\nGet-Mailbox -ResultSize 25\nRemove-PSSession $exo\n";

#[test]
fn every_rule_has_documentation() {
    for r in Rule::ALL {
        let d = r.doc();
        assert_eq!(d.id, r.id());
        for (field, text) in [
            ("title", d.title),
            ("finds", d.finds),
            ("why", d.why),
            ("before", d.before),
            ("after", d.after),
            ("applicability", d.applicability),
        ] {
            assert!(!text.trim().is_empty(), "{} has no {field}", r.id());
        }
        assert_eq!(Rule::from_id(&r.id().to_ascii_lowercase()), Some(r));
    }
    assert_eq!(Rule::from_id("EXO999"), None);
}

#[test]
fn findings_are_sorted_and_fixes_well_formed() {
    let a = check(C1, &Options::default());
    assert!(a
        .findings
        .windows(2)
        .all(|w| w[0].range.start <= w[1].range.start));
    for f in &a.findings {
        assert!(f.range.end <= C1.len() && f.range.start <= f.range.end);
        if let Some(fix) = &f.fix {
            assert_eq!(fix.applicability, f.applicability);
            assert!(fix
                .edits
                .windows(2)
                .all(|w| w[0].range.end <= w[1].range.start));
            assert!(fix.edits.iter().all(|e| e.range.end <= C1.len()));
        }
        // `info` is only for on-premises connections.
        assert_ne!(f.severity, Severity::Info);
    }
    let rules: Vec<Rule> = a.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec![Rule::Exo001, Rule::Exo003, Rule::Exo004]);
}

#[test]
fn fix_outcome_accounts_for_applied_and_remaining() {
    let out = fix(C1, &Options::default()).expect("fix");
    assert_eq!(out.applied.len(), 3);
    assert!(out.remaining.is_empty());
    assert_eq!(out.unsafe_skipped, 0);
    assert!(out
        .output
        .contains("Connect-ExchangeOnline -Credential $adm"));

    // An unsafe group is held back and counted; with unsafe fixes on it applies.
    let text = format!("{C1}if ($exo.State -eq 'Opened') {{ 'up' }}\n");
    let safe = fix(&text, &Options::default()).expect("fix");
    assert_eq!(safe.output, text);
    assert_eq!(safe.unsafe_skipped, 1);
    assert!(safe
        .remaining
        .iter()
        .any(|f| f.rule == Rule::Exo001 && f.applicability == Applicability::Unsafe));
    let opts = Options {
        unsafe_fixes: true,
        ..Options::default()
    };
    let all = fix(&text, &opts).expect("fix");
    assert!(all.output.contains("Connect-ExchangeOnline"));
    assert!(all.remaining.iter().all(|f| f.fix.is_none()));
}

#[test]
fn on_premises_is_info_only() {
    let text = "$op = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://ex01/PowerShell/ -Authentication Kerberos\nImport-PSSession $op\n";
    let a = check(text, &Options::default());
    assert!(!a.findings.is_empty());
    assert!(a
        .findings
        .iter()
        .all(|f| f.severity == Severity::Info && f.fix.is_none()));
    assert_eq!(fix(text, &Options::default()).expect("fix").output, text);
}
