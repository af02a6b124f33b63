//! TEMPORARY stand-in for `exomig_grammar::source` until the grammar crate publishes it
//! (same surface: `SourceFile::decode`/`encode`, `Encoding`/`LineEnding::as_str`).
//! Removed once `grammar/API.md` lands.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    Windows1252,
}

impl Encoding {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
    Cr,
    Mixed,
    None,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "lf",
            LineEnding::CrLf => "crlf",
            LineEnding::Cr => "cr",
            LineEnding::Mixed => "mixed",
            LineEnding::None => "none",
        }
    }

    fn detect(text: &str) -> Self {
        let bytes = text.as_bytes();
        let (mut lf, mut crlf, mut cr) = (0usize, 0usize, 0usize);
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    crlf += 1;
                    i += 1;
                }
                b'\r' => cr += 1,
                b'\n' => lf += 1,
                _ => {}
            }
            i += 1;
        }
        match (lf > 0, crlf > 0, cr > 0) {
            (false, false, false) => LineEnding::None,
            (true, false, false) => LineEnding::Lf,
            (false, true, false) => LineEnding::CrLf,
            (false, false, true) => LineEnding::Cr,
            _ => LineEnding::Mixed,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("invalid UTF-8 after a UTF-8 byte order mark")]
    BadUtf8,
    #[error("malformed UTF-16 text")]
    BadUtf16,
    #[error("the rewrite contains characters that windows-1252 cannot represent")]
    Unrepresentable,
}

pub struct SourceFile {
    text: String,
    encoding: Encoding,
    line_ending: LineEnding,
}

impl SourceFile {
    pub fn decode(bytes: &[u8]) -> Result<Self, SourceError> {
        let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
            let text = std::str::from_utf8(rest).map_err(|_| SourceError::BadUtf8)?;
            (text.to_owned(), Encoding::Utf8Bom)
        } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
            (utf16(rest, u16::from_le_bytes)?, Encoding::Utf16LeBom)
        } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
            (utf16(rest, u16::from_be_bytes)?, Encoding::Utf16BeBom)
        } else if let Ok(text) = std::str::from_utf8(bytes) {
            (text.to_owned(), Encoding::Utf8)
        } else {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), Encoding::Windows1252)
        };
        let line_ending = LineEnding::detect(&text);
        Ok(SourceFile {
            text,
            encoding,
            line_ending,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u8>, SourceError> {
        Ok(match self.encoding {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Utf16LeBom => std::iter::once(0xFEFFu16)
                .chain(text.encode_utf16())
                .flat_map(u16::to_le_bytes)
                .collect(),
            Encoding::Utf16BeBom => std::iter::once(0xFEFFu16)
                .chain(text.encode_utf16())
                .flat_map(u16::to_be_bytes)
                .collect(),
            Encoding::Windows1252 => {
                let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
                if unmappable {
                    return Err(SourceError::Unrepresentable);
                }
                bytes.into_owned()
            }
        })
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, SourceError> {
    if bytes.len() % 2 != 0 {
        return Err(SourceError::BadUtf16);
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| SourceError::BadUtf16)
}
