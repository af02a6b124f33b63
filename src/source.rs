//! The CLI's view of a script's bytes: decoding to text, encoding a rewrite back with the
//! original encoding/BOM, and 1-based positions. Everything goes through this module so the
//! rest of the CLI never cares which crate does the byte-level work.

use std::ops::Range;

use crate::source_shim as imp;

/// A decoded script plus what is needed to write a rewrite back byte-faithfully.
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub line_ending: &'static str,
    file: imp::SourceFile,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(String);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(String);

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let file = imp::SourceFile::decode(bytes).map_err(|e| DecodeError(e.to_string()))?;
    Ok(Decoded {
        text: file.text().to_owned(),
        encoding: file.encoding().as_str(),
        line_ending: file.line_ending().as_str(),
        file,
    })
}

impl Decoded {
    /// The bytes of `text` in this file's encoding (BOM included when the original had one).
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, EncodeError> {
        self.file
            .encode(text)
            .map_err(|e| EncodeError(e.to_string()))
    }
}

/// A 1-based line/column position; columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Line starts of a text, with lines ended by CRLF, LF or a lone CR (as the contract says).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, starts }
    }

    /// Number of lines; a final line ending does not open an extra (empty) line.
    pub fn line_count(&self) -> usize {
        match self.starts.last() {
            Some(&last) if last == self.text.len() && self.starts.len() > 1 => {
                self.starts.len() - 1
            }
            _ => self.starts.len(),
        }
    }

    /// Position of a byte offset (clamped to the text, moved back to a char boundary).
    pub fn pos(&self, offset: usize) -> Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        Pos { line, column }
    }

    /// Byte range of a 1-based line, without its line ending.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len()..self.text.len();
        };
        let mut end = self.starts.get(line).copied().unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
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
        let text = "é";
        assert_eq!(LineIndex::new(text).pos(1), Pos { line: 1, column: 1 });
    }
}
