//! Script bytes ↔ text: encoding detection, exact re-encoding, line endings and a line index.
//!
//! PowerShell 5.1 reads BOM-less files in the ANSI code page and PowerShell 7 as UTF-8, so the
//! BOM is meaningful and must survive a rewrite; so must the line-ending style. `decode`
//! records both, and `encode` gives back the original bytes for unchanged text.

use thiserror::Error;

/// How a script file's bytes encode its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a BOM (also what pure ASCII files are reported as).
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    /// Not valid UTF-8 and no BOM: read as Windows-1252, as Windows PowerShell 5.1 does.
    Windows1252,
}

impl Encoding {
    /// The name used in reports: `utf-8`, `utf-8-bom`, `utf-16le-bom`, `utf-16be-bom`,
    /// `windows-1252`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16LeBom => "utf-16le-bom",
            Encoding::Utf16BeBom => "utf-16be-bom",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The line-ending style of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineEnding {
    Lf,
    Crlf,
    /// Lone CR only (classic Mac).
    Cr,
    /// More than one style.
    Mixed,
    /// No line break at all.
    None,
}

impl LineEnding {
    /// `lf`, `crlf`, `cr`, `mixed` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "lf",
            LineEnding::Crlf => "crlf",
            LineEnding::Cr => "cr",
            LineEnding::Mixed => "mixed",
            LineEnding::None => "none",
        }
    }

    /// The style of `text`.
    pub fn detect(text: &str) -> LineEnding {
        let (mut lf, mut crlf, mut cr) = (false, false, false);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    crlf = true;
                    i += 1;
                }
                b'\r' => cr = true,
                b'\n' => lf = true,
                _ => {}
            }
            i += 1;
        }
        match (lf, crlf, cr) {
            (false, false, false) => LineEnding::None,
            (true, false, false) => LineEnding::Lf,
            (false, true, false) => LineEnding::Crlf,
            (false, false, true) => LineEnding::Cr,
            _ => LineEnding::Mixed,
        }
    }

    /// The line break to use when inserting new lines: the file's own, or LF for
    /// `Mixed`/`None`... except that a mixed file that is mostly CRLF still gets CRLF is the
    /// caller's decision; this returns the simple answer.
    pub fn newline(self) -> &'static str {
        match self {
            LineEnding::Crlf => "\r\n",
            LineEnding::Cr => "\r",
            LineEnding::Lf | LineEnding::Mixed | LineEnding::None => "\n",
        }
    }
}

impl std::fmt::Display for LineEnding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// A UTF-16 file (by its BOM) with an odd number of bytes after the BOM.
    #[error("UTF-16 data has an odd number of bytes ({len})")]
    OddUtf16Length { len: usize },
    /// A UTF-16 file with an unpaired surrogate at code unit `index`.
    #[error("invalid UTF-16: unpaired surrogate at code unit {index}")]
    InvalidUtf16 { index: usize },
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    /// A character Windows-1252 cannot represent (the file would change meaning).
    #[error("character {ch:?} at byte {offset} cannot be written in windows-1252")]
    Unrepresentable { ch: char, offset: usize },
}

/// A decoded script: its text plus what is needed to write it back byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The text without BOM.
    pub text: String,
    pub encoding: Encoding,
    pub line_ending: LineEnding,
    /// Whether the text ends with a line break.
    pub final_newline: bool,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding `decode` would choose, without decoding (cheap: BOM check plus UTF-8
/// validation).
pub fn sniff(bytes: &[u8]) -> Encoding {
    if bytes.starts_with(UTF8_BOM) {
        Encoding::Utf8Bom
    } else if bytes.starts_with(b"\xFF\xFE") {
        Encoding::Utf16LeBom
    } else if bytes.starts_with(b"\xFE\xFF") {
        Encoding::Utf16BeBom
    } else if std::str::from_utf8(bytes).is_ok() {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    }
}

impl SourceFile {
    /// Decodes script bytes: a BOM decides UTF-8/UTF-16; without one, valid UTF-8 is UTF-8
    /// and anything else is Windows-1252 (which maps every byte, so it cannot fail).
    pub fn decode(bytes: &[u8]) -> Result<SourceFile, DecodeError> {
        let encoding = sniff(bytes);
        let text = match encoding {
            Encoding::Utf8Bom => String::from_utf8_lossy(&bytes[UTF8_BOM.len()..]).into_owned(),
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Utf16LeBom => decode_utf16(&bytes[2..], u16::from_le_bytes)?,
            Encoding::Utf16BeBom => decode_utf16(&bytes[2..], u16::from_be_bytes)?,
            Encoding::Windows1252 => {
                let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                text.into_owned()
            }
        };
        Ok(SourceFile::from_text(text, encoding))
    }

    /// Wraps already-decoded text (e.g. stdin read as UTF-8).
    pub fn from_text(text: String, encoding: Encoding) -> SourceFile {
        let line_ending = LineEnding::detect(&text);
        let final_newline = text.ends_with('\n') || text.ends_with('\r');
        SourceFile {
            text,
            encoding,
            line_ending,
            final_newline,
        }
    }

    /// Writes `text` in this file's encoding, with its BOM. For the decoded text itself this
    /// gives back the original bytes.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, EncodeError> {
        match self.encoding {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Utf8Bom => {
                let mut out = Vec::with_capacity(text.len() + 3);
                out.extend_from_slice(UTF8_BOM);
                out.extend_from_slice(text.as_bytes());
                Ok(out)
            }
            Encoding::Utf16LeBom => Ok(encode_utf16(text, [0xFF, 0xFE], u16::to_le_bytes)),
            Encoding::Utf16BeBom => Ok(encode_utf16(text, [0xFE, 0xFF], u16::to_be_bytes)),
            Encoding::Windows1252 => encode_windows_1252(text),
        }
    }
}

fn decode_utf16(data: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    if data.len() % 2 != 0 {
        return Err(DecodeError::OddUtf16Length { len: data.len() });
    }
    let units = data.chunks_exact(2).map(|c| read([c[0], c[1]]));
    let mut text = String::with_capacity(data.len() / 2);
    for (index, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(ch) => text.push(ch),
            Err(_) => return Err(DecodeError::InvalidUtf16 { index }),
        }
    }
    Ok(text)
}

fn encode_utf16(text: &str, bom: [u8; 2], write: fn(u16) -> [u8; 2]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + text.len() * 2);
    out.extend_from_slice(&bom);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&write(unit));
    }
    out
}

fn encode_windows_1252(text: &str) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for (offset, ch) in text.char_indices() {
        if ch.is_ascii() {
            out.push(ch as u8);
            continue;
        }
        // encoding_rs maps the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F,
        // 0x90, 0x9D) to the C1 controls U+0081… on decode, and encodes them back the same way.
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(ch.encode_utf8(&mut buf));
        if unmappable || bytes.len() != 1 {
            return Err(EncodeError::Unrepresentable { ch, offset });
        }
        out.push(bytes[0]);
    }
    Ok(out)
}

/// Byte offset → (line, column), both 1-based; columns count characters. Lines end at CRLF,
/// LF or a lone CR, as PowerShell counts them.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    // Kept so columns can be counted in characters; one copy per file is cheap next to parsing.
    text: Box<str>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 1;
                    starts.push(i + 1);
                }
                b'\r' | b'\n' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            text: text.into(),
        }
    }

    /// Number of lines (a final line break starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based line of byte `offset` (clamped to the end), without counting the column.
    pub fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.starts.partition_point(|&s| s <= offset)
    }

    /// 1-based line and 1-based character column of byte `offset`. Offsets past the end
    /// clamp to the end; an offset inside a character counts as that character.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line(offset);
        let start = self.starts[line.saturating_sub(1)];
        let col = self.text.as_bytes()[start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (line, col + 1)
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = self.line_start(line)?;
        let end = self.line_start(line + 1).unwrap_or(self.text.len());
        let raw = self.text.get(start..end)?;
        Some(raw.trim_end_matches(['\n', '\r']))
    }

    /// The leading spaces and tabs of 1-based `line`.
    pub fn indentation(&self, line: usize) -> Option<&str> {
        let line_text = self.line_text(line)?;
        let trimmed = line_text.trim_start_matches([' ', '\t']);
        Some(&line_text[..line_text.len() - trimmed.len()])
    }
}
