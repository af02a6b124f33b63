//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=RULE::message`).

use std::io::{self, Write};

use exomig_translator::Severity;

use super::Run;

pub fn write(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    for (path, scanned) in run.scanned() {
        for d in &scanned.findings {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                property(path),
                d.start.line,
                d.start.column,
                d.end.line,
                d.end.column,
                d.rule.id(),
                data(&d.message),
            )?;
        }
    }
    for e in run.all_errors() {
        let text = if e.display.is_empty() {
            e.message.clone()
        } else {
            format!("{}: {}", e.display, e.message)
        };
        if e.display.is_empty() {
            writeln!(out, "::error title=exomig::{}", data(&text))?;
        } else {
            writeln!(
                out,
                "::error file={},title=exomig::{}",
                property(&e.display),
                data(&text)
            )?;
        }
    }
    Ok(())
}

/// Escaping of a command's message, as the Actions runner unescapes it.
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value, which additionally ends at `,` and `:`.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(data("100%\r\nnext"), "100%25%0D%0Anext");
        assert_eq!(property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
