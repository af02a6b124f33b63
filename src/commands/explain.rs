//! `exomig explain RULE`: what a rule finds, why it matters, an example before and after the
//! rewrite, and when the rewrite is safe. Without RULE, the list of rules.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::bail;
use exomig_translator::{Rule, RuleDoc};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  exomig explain EXO001\n  exomig explain sec001\n  exomig explain        (lists every rule)\n\nAn unknown rule exits with status 2."
)]
pub struct Args {
    /// Rule id, e.g. EXO001 (case-insensitive); omit to list all rules
    #[arg(value_name = "RULE")]
    pub rule: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let Some(id) = args.rule else {
        list(&mut out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let Some(rule) = Rule::from_id(id.trim()) else {
        let known: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        bail!("unknown rule `{id}`; known rules: {}", known.join(", "));
    };
    out.write_all(render(&rule.doc()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn list(out: &mut dyn Write) -> io::Result<()> {
    for rule in Rule::ALL {
        let doc = rule.doc();
        writeln!(out, "{}  {}", rule.id(), doc.title)?;
    }
    Ok(())
}

/// The page for one rule; sections the translator leaves empty are left out.
pub fn render(doc: &RuleDoc) -> String {
    let mut page = String::new();
    if doc.title.is_empty() {
        page.push_str(&format!("{}\n", doc.id));
    } else {
        page.push_str(&format!("{}: {}\n", doc.id, doc.title));
    }
    let section = |page: &mut String, heading: &str, body: &str| {
        if !body.trim().is_empty() {
            page.push_str(&format!("\n{heading}\n{}\n", indent(body.trim_end())));
        }
    };
    section(&mut page, "What it finds", doc.finds);
    section(&mut page, "Why it matters", doc.why);
    if !doc.before.trim().is_empty() || !doc.after.trim().is_empty() {
        page.push_str("\nExample\n");
        section(&mut page, "  Before:", doc.before);
        section(&mut page, "  After:", doc.after);
    }
    section(&mut page, "Applicability", doc.applicability);
    page
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_section_that_has_text() {
        let doc = RuleDoc {
            id: "EXO001",
            title: "legacy session",
            finds: "New-PSSession to PowerShell-LiveID",
            why: "Basic auth is gone",
            before: "$s = New-PSSession ...",
            after: "Connect-ExchangeOnline",
            applicability: "safe when the endpoint is known",
        };
        let page = render(&doc);
        assert!(page.starts_with("EXO001: legacy session\n"));
        for part in [
            "What it finds",
            "Why it matters",
            "Before:",
            "    $s = New-PSSession",
            "After:",
            "    Connect-ExchangeOnline",
            "Applicability",
        ] {
            assert!(page.contains(part), "missing {part:?} in {page}");
        }
    }

    #[test]
    fn empty_sections_are_left_out() {
        let doc = RuleDoc {
            id: "SYN001",
            title: "",
            finds: "",
            why: "",
            before: "",
            after: "",
            applicability: "",
        };
        assert_eq!(render(&doc), "SYN001\n");
    }
}
