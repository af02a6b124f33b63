//! The fast path: most scripts in a large estate are modern already, and a file that contains
//! none of the translator's trigger texts cannot produce a finding, so it is not decoded or
//! parsed at all. The search runs on raw bytes, in the encoding the bytes are in.

use aho_corasick::AhoCorasick;

/// Byte-level matchers for the trigger texts in the encodings a script can have.
pub struct Triggers {
    /// UTF-8 and Windows-1252: the triggers are ASCII, so the same bytes in both.
    ascii: AhoCorasick,
    utf16le: AhoCorasick,
    utf16be: AhoCorasick,
}

impl Triggers {
    pub fn new(triggers: &[&str]) -> Result<Self, aho_corasick::BuildError> {
        let build = |patterns: Vec<Vec<u8>>| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(patterns)
        };
        let ascii = build(triggers.iter().map(|t| t.as_bytes().to_vec()).collect())?;
        // A case-insensitive ASCII match over UTF-16 bytes also folds the letters of the
        // pattern's code units, and the zero bytes between them are not letters, so it stays
        // exact for ASCII triggers.
        let utf16le = build(
            triggers
                .iter()
                .map(|t| t.encode_utf16().flat_map(u16::to_le_bytes).collect())
                .collect(),
        )?;
        let utf16be = build(
            triggers
                .iter()
                .map(|t| t.encode_utf16().flat_map(u16::to_be_bytes).collect())
                .collect(),
        )?;
        Ok(Triggers {
            ascii,
            utf16le,
            utf16be,
        })
    }

    /// Whether `bytes` may hold something the translator reports.
    pub fn may_match(&self, bytes: &[u8]) -> bool {
        if bytes.starts_with(b"\xFF\xFE") {
            // A UTF-16 pattern may start at an odd offset only by straddling two code units;
            // such a false positive merely costs a parse.
            self.utf16le.is_match(bytes)
        } else if bytes.starts_with(b"\xFE\xFF") {
            self.utf16be.is_match(bytes)
        } else {
            self.ascii.is_match(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers() -> Triggers {
        Triggers::new(exomig_translator::TRIGGERS).expect("static patterns build")
    }

    #[test]
    fn finds_triggers_case_insensitively_in_ascii_bytes() {
        let t = triggers();
        assert!(t.may_match(b"$s = new-pssession -ConnectionUri x"));
        assert!(t.may_match(b"https://outlook.office365.com/POWERSHELL-LIVEID/"));
        assert!(!t.may_match(b"Get-Mailbox | Set-Mailbox -Type Shared"));
    }

    #[test]
    fn finds_triggers_in_utf16_files() {
        let t = triggers();
        let le: Vec<u8> = std::iter::once(0xFEFFu16)
            .chain("$s = New-PSSession".encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = std::iter::once(0xFEFFu16)
            .chain("Import-PSSession $s".encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(t.may_match(&le));
        assert!(t.may_match(&be));
        let modern: Vec<u8> = std::iter::once(0xFEFFu16)
            .chain("Get-Mailbox".encode_utf16())
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(!t.may_match(&modern));
    }
}
