//! The CLI's view of a script's bytes: decoding to text, encoding a rewrite back with the
//! original encoding/BOM, and 1-based positions. Everything goes through this module so the
//! rest of the CLI never cares which crate does the byte-level work (`exomig_grammar::source`).

use std::ops::Range;

use exomig_grammar::source::{self as imp, SourceFile};

/// A decoded script plus what is needed to write a rewrite back byte-faithfully.
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub line_ending: &'static str,
    file: SourceFile,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{0}")]
    Malformed(#[from] imp::DecodeError),
    /// Decoding replaced bytes (e.g. invalid UTF-8 after a UTF-8 BOM): analysing such text
    /// is possible, but writing it back would change bytes outside any rewrite.
    #[error("bytes are not valid {encoding}")]
    Lossy { encoding: &'static str },
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(#[from] imp::EncodeError);

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let mut file = SourceFile::decode(bytes)?;
    let encoding = file.encoding.as_str();
    if file.encode(&file.text).ok().as_deref() != Some(bytes) {
        return Err(DecodeError::Lossy { encoding });
    }
    Ok(Decoded {
        text: std::mem::take(&mut file.text),
        encoding,
        line_ending: file.line_ending.as_str(),
        file,
    })
}

impl Decoded {
    /// The bytes of `text` in this file's encoding (BOM included when the original had one).
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, EncodeError> {
        Ok(self.file.encode(text)?)
    }
}

/// A 1-based line/column position; columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Positions and lines of a text, with lines ended by CRLF, LF or a lone CR as the contract
/// says (the grammar's index, plus the line ranges the snippets and diffs need).
pub struct LineIndex<'a> {
    text: &'a str,
    index: imp::LineIndex,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            index: imp::LineIndex::new(text),
        }
    }

    /// Number of lines; unlike the grammar's count, a final line ending does not open an
    /// extra (empty) line, which is how editors and diffs show a file.
    pub fn line_count(&self) -> usize {
        let all = self.index.line_count();
        if all > 1 && (self.text.ends_with('\n') || self.text.ends_with('\r')) {
            all - 1
        } else {
            all
        }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let (line, column) = self.index.line_col(offset);
        Pos { line, column }
    }

    /// Byte range of a 1-based line, without its line ending (empty past the end).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        match (self.index.line_start(line), self.index.line_text(line)) {
            (Some(start), Some(text)) => start..start + text.len(),
            _ => self.text.len()..self.text.len(),
        }
    }

    pub fn line_text(&self, line: usize) -> &'a str {
        &self.text[self.line_range(line)]
    }
}

/// The lines of a text without their endings, and whether the last one had an ending.
pub fn split_lines(text: &str) -> (Vec<&str>, bool) {
    let index = LineIndex::new(text);
    let lines = (1..=index.line_count())
        .map(|n| index.line_text(n))
        .collect::<Vec<_>>();
    let terminated = text.ends_with('\n') || text.ends_with('\r');
    if text.is_empty() {
        return (Vec::new(), false);
    }
    (lines, terminated)
}

#[cfg(test)]
mod tests {
    #[test]
    fn invalid_utf8_after_a_bom_is_not_decoded_lossily() {
        assert!(matches!(
            decode(b"\xEF\xBB\xBFok \xFF"),
            Err(DecodeError::Lossy { .. })
        ));
        assert!(decode(b"\xEF\xBB\xBFok \xC3\xA9").is_ok());
    }

    use super::*;

    #[test]
    fn positions_count_crlf_lf_and_lone_cr_as_line_ends() {
        let text = "a\r\nb\nc\rdé";
        let index = LineIndex::new(text);
        assert_eq!(index.pos(0), Pos { line: 1, column: 1 });
        assert_eq!(index.pos(3), Pos { line: 2, column: 1 });
        assert_eq!(index.pos(5), Pos { line: 3, column: 1 });
        assert_eq!(index.pos(7), Pos { line: 4, column: 1 });
        assert_eq!(index.pos(text.len()), Pos { line: 4, column: 3 });
        assert_eq!(index.line_text(1), "a");
        assert_eq!(index.line_text(4), "dé");
        assert_eq!(index.line_count(), 4);
    }

    #[test]
    fn split_lines_reports_final_newline() {
        assert_eq!(split_lines("x\r\ny\r\n"), (vec!["x", "y"], true));
        assert_eq!(split_lines("x\ny"), (vec!["x", "y"], false));
        assert_eq!(split_lines(""), (vec![], false));
    }

    #[test]
    fn offsets_inside_a_char_do_not_panic() {
        // The grammar counts an offset inside a character as past it.
        let text = "é";
        assert_eq!(LineIndex::new(text).pos(1), Pos { line: 1, column: 2 });
        assert_eq!(LineIndex::new(text).pos(99), Pos { line: 1, column: 2 });
    }
}
