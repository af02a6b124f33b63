//! The fast path: most scripts in a large estate are modern already, and a file that contains
//! none of the translator's trigger texts cannot produce a finding, so it is not decoded or
//! parsed at all. The search runs on raw bytes, in the encoding the bytes are in.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, Span};

/// Byte-level matchers for the trigger texts in the encodings a script can have.
pub struct Triggers {
    /// UTF-8 and Windows-1252: the triggers are ASCII, so the same bytes in both.
    ascii: AhoCorasick,
    /// A SIMD (Teddy) search for candidates of `ascii`; `None` where the CPU has no Teddy or
    /// the fragments do not fit it, and then `ascii` scans alone.
    prefilter: Option<Prefilter>,
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
            prefilter: Prefilter::new(triggers),
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
        } else if let Some(pre) = &self.prefilter {
            pre.may_match(bytes, &self.ascii)
        } else {
            self.ascii.is_match(bytes)
        }
    }
}

/// Case-insensitive patterns defeat aho-corasick's own prefilters, which leaves a byte-at-a-
/// time automaton scan over every file, the modern majority included. This searches instead,
/// with Teddy, for every case variant of one 3-byte fragment of each trigger (the fragment
/// with the fewest letters, so the fewest variants), and runs the automaton only on a small
/// window around each candidate. Any occurrence of a trigger contains its fragment, and the
/// window around the fragment contains the whole occurrence, so no match is lost.
struct Prefilter {
    searcher: packed::Searcher,
    /// The longest trigger: how far a window reaches on each side of a candidate.
    reach: usize,
}

/// Teddy's limit on patterns; beyond it, no prefilter.
const MAX_PATTERNS: usize = 64;

impl Prefilter {
    fn new(triggers: &[&str]) -> Option<Prefilter> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for trigger in triggers {
            let bytes = trigger.as_bytes();
            if bytes.len() < 3 || !trigger.is_ascii() {
                return None;
            }
            let letters = |w: &[u8]| w.iter().filter(|b| b.is_ascii_alphabetic()).count();
            let fragment = bytes.windows(3).min_by_key(|w| letters(w))?;
            for variant in case_variants(fragment) {
                if !patterns.contains(&variant) {
                    patterns.push(variant);
                }
            }
        }
        if patterns.len() > MAX_PATTERNS {
            return None;
        }
        let searcher = packed::Config::new()
            .only_teddy(true)
            .builder()
            .extend(&patterns)
            .build()?;
        let reach = triggers.iter().map(|t| t.len()).max()?;
        Some(Prefilter { searcher, reach })
    }

    fn may_match(&self, bytes: &[u8], verify: &AhoCorasick) -> bool {
        let mut at = 0;
        while at < bytes.len() {
            let Some(found) = self.searcher.find_in(bytes, Span::from(at..bytes.len())) else {
                return false;
            };
            let start = found.start();
            let window =
                &bytes[start.saturating_sub(self.reach)..(start + self.reach).min(bytes.len())];
            if verify.is_match(window) {
                return true;
            }
            at = start + 1;
        }
        false
    }
}

/// Every upper/lower-case spelling of an ASCII fragment.
fn case_variants(fragment: &[u8]) -> Vec<Vec<u8>> {
    let mut variants = vec![Vec::new()];
    for &b in fragment {
        let cases: &[u8] = if b.is_ascii_alphabetic() {
            &[b.to_ascii_lowercase(), b.to_ascii_uppercase()]
        } else {
            std::slice::from_ref(&b)
        };
        variants = variants
            .into_iter()
            .flat_map(|v| {
                cases.iter().map(move |&c| {
                    let mut next = v.clone();
                    next.push(c);
                    next
                })
            })
            .collect();
    }
    variants
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
    fn the_prefilter_is_in_use_and_agrees_with_the_plain_automaton() {
        let t = triggers();
        if cfg!(target_arch = "x86_64") {
            assert!(t.prefilter.is_some(), "Teddy is available on x86-64");
        }
        // Deterministic pseudo-random scripts: noise from PowerShell-ish words, some with a
        // trigger in random case at a random place (start, end, next to other candidates).
        let words = [
            "Get-EventLog",
            "Set-ExecutionPolicy",
            "$result.Errors",
            "Exception",
            "exotic",
            "ConvertTo-Json",
            "Microsoft.PowerShell",
            "t.e",
            "l-l",
            "o-s",
            "\r\n",
            " ",
            "\n",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % n as u64).expect("small")
        };
        let mut positives = 0;
        for _ in 0..3000 {
            let mut script = String::new();
            for _ in 0..next(40) {
                script.push_str(words[next(words.len())]);
            }
            if next(3) == 0 {
                let trigger = exomig_translator::TRIGGERS[next(exomig_translator::TRIGGERS.len())];
                let cased: String = trigger
                    .chars()
                    .map(|c| {
                        if next(2) == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                let at = next(script.len() + 1);
                let at = (0..=at)
                    .rev()
                    .find(|&i| script.is_char_boundary(i))
                    .unwrap_or(0);
                script.insert_str(at, &cased);
            }
            let bytes = script.as_bytes();
            let expected = t.ascii.is_match(bytes);
            positives += usize::from(expected);
            assert_eq!(t.may_match(bytes), expected, "{script:?}");
        }
        assert!(positives > 500, "the generator plants triggers");
    }

    #[test]
    fn case_variants_cover_every_spelling() {
        let mut v = case_variants(b"t-e");
        v.sort();
        assert_eq!(
            v,
            [
                b"T-E".to_vec(),
                b"T-e".to_vec(),
                b"t-E".to_vec(),
                b"t-e".to_vec()
            ]
        );
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
