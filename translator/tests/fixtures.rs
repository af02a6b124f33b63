//! Data-driven fixtures: `tests/fixtures/<family>-<case>/` with `input.ps1` (exact bytes),
//! `expected.ps1` (bytes after `fix`; absent = unchanged), `findings.txt` (one line per
//! finding of `check` on the input: `LINE:COL RULE severity applicability [| message part]`)
//! and optional `args.txt` (`--auth …`, `--unsafe`, certificate/managed-identity values).
//!
//! `UPDATE_FIXTURES=1` rewrites `expected.ps1` and `findings.txt` from the current output;
//! every regenerated expectation must be reviewed against the spec before committing.

use exomig_grammar::source::{LineIndex, SourceFile};
use exomig_translator::{check, fix, AuthPolicy, Options};
use std::fs;
use std::path::Path;

fn parse_args(text: &str) -> Options {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut opts = Options::default();
    let val = |name: &str| {
        words
            .iter()
            .position(|w| *w == name)
            .and_then(|i| words.get(i + 1))
            .map(|s| s.to_string())
    };
    opts.unsafe_fixes = words.contains(&"--unsafe");
    if let Some(auth) = val("--auth") {
        opts.auth = match auth.as_str() {
            "interactive" => AuthPolicy::Interactive,
            "device" => AuthPolicy::Device,
            "certificate" => AuthPolicy::Certificate {
                app_id: val("--app-id").unwrap_or_default(),
                organization: val("--organization").unwrap_or_default(),
                thumbprint: val("--certificate-thumbprint"),
                file: val("--certificate-file"),
            },
            "managed-identity" => AuthPolicy::ManagedIdentity {
                organization: val("--organization").unwrap_or_default(),
                account_id: val("--managed-identity-id"),
            },
            _ => AuthPolicy::Credential,
        };
    }
    opts
}

struct Line {
    pos: String,
    rule: String,
    severity: String,
    applicability: String,
    message_part: Option<String>,
}

fn parse_findings(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (head, msg) = match l.split_once(" | ") {
                Some((h, m)) => (h, Some(m.trim().to_string())),
                None => (l, None),
            };
            let w: Vec<&str> = head.split_whitespace().collect();
            Line {
                pos: w.first().unwrap_or(&"").to_string(),
                rule: w.get(1).unwrap_or(&"").to_string(),
                severity: w.get(2).unwrap_or(&"").to_string(),
                applicability: w.get(3).unwrap_or(&"").to_string(),
                message_part: msg,
            }
        })
        .collect()
}

fn run_case(dir: &Path, update: bool) -> Result<(), String> {
    let input = fs::read(dir.join("input.ps1")).map_err(|e| format!("input.ps1: {e}"))?;
    let args = fs::read_to_string(dir.join("args.txt")).unwrap_or_default();
    let opts = parse_args(&args);
    let src = SourceFile::decode(&input).map_err(|e| format!("decode: {e}"))?;
    let analysis = check(&src.text, &opts);
    let index = LineIndex::new(&src.text);
    let got_findings: Vec<String> = analysis
        .findings
        .iter()
        .map(|f| {
            let (l, c) = index.line_col(f.range.start);
            format!(
                "{l}:{c} {} {} {}",
                f.rule.id(),
                f.severity.as_str(),
                f.applicability.as_str()
            )
        })
        .collect();
    let out = fix(&src.text, &opts).map_err(|e| format!("fix failed: {e}"))?;
    let bytes = src
        .encode(&out.output)
        .map_err(|e| format!("encode: {e}"))?;

    // Idempotence: fixing the output changes nothing.
    let again = fix(&out.output, &opts).map_err(|e| format!("second fix failed: {e}"))?;
    if again.output != out.output {
        return Err(format!(
            "fix is not idempotent:\n--- first\n{}\n--- second\n{}",
            out.output, again.output
        ));
    }

    let exp_path = dir.join("expected.ps1");
    let find_path = dir.join("findings.txt");
    if update {
        if bytes != input {
            fs::write(&exp_path, &bytes).map_err(|e| e.to_string())?;
        } else if exp_path.exists() {
            fs::remove_file(&exp_path).map_err(|e| e.to_string())?;
        }
        let mut old_msgs: Vec<Option<String>> = Vec::new();
        if let Ok(t) = fs::read_to_string(&find_path) {
            old_msgs = parse_findings(&t)
                .into_iter()
                .map(|l| l.message_part)
                .collect();
        }
        let mut text = String::new();
        for (i, g) in got_findings.iter().enumerate() {
            text.push_str(g);
            if let Some(Some(m)) = old_msgs.get(i) {
                text.push_str(" | ");
                text.push_str(m);
            }
            text.push('\n');
        }
        fs::write(&find_path, text).map_err(|e| e.to_string())?;
        return Ok(());
    }

    let expected = if exp_path.exists() {
        fs::read(&exp_path).map_err(|e| e.to_string())?
    } else {
        input.clone()
    };
    let mut errs = Vec::new();
    if bytes != expected {
        errs.push(format!(
            "output differs:\n--- expected\n{}\n--- got\n{}",
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(&bytes)
        ));
    }
    let want = parse_findings(&fs::read_to_string(&find_path).unwrap_or_default());
    let want_heads: Vec<String> = want
        .iter()
        .map(|l| format!("{} {} {} {}", l.pos, l.rule, l.severity, l.applicability))
        .collect();
    if want_heads != got_findings {
        errs.push(format!(
            "findings differ:\n--- expected\n{}\n--- got\n{}\n--- messages\n{}",
            want_heads.join("\n"),
            got_findings.join("\n"),
            analysis
                .findings
                .iter()
                .map(|f| format!("{}: {}", f.rule.id(), f.message))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    } else {
        for (l, f) in want.iter().zip(&analysis.findings) {
            if let Some(m) = &l.message_part {
                if !f.message.contains(m.as_str()) {
                    errs.push(format!("{} message lacks {m:?}: {}", l.rule, f.message));
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

#[test]
fn fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let only = std::env::var("FIXTURE").ok();
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("input.ps1").exists())
        .filter(|p| {
            only.as_ref()
                .is_none_or(|o| p.to_string_lossy().contains(o.as_str()))
        })
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for d in &dirs {
        if let Err(e) = run_case(d, update) {
            failures.push(format!(
                "=== {}\n{e}",
                d.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
