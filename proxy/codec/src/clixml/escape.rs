//! The `_xHHHH_` escape CLIXML applies to string content on top of XML escaping.
//!
//! XML 1.0 cannot carry most control characters, and parsers normalise CR/LF, so
//! PowerShell writes every such UTF-16 unit as `_xHHHH_`. A literal `_x` must then
//! become `_x005F_x` so that it does not read back as an escape.

/// Applies the `_xHHHH_` escape (not XML escaping) to `text`.
pub fn encode(text: &str) -> String {
    encode_cow(text).into_owned()
}

/// [`encode`] without allocating when nothing needs escaping, the common case
/// for property names and values.
pub(crate) fn encode_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c == '_' || needs_escape(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(encode_slow(text))
}

fn encode_slow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if matches!(chars.peek(), Some('x') | Some('X')) => out.push_str("_x005F_"),
            c if needs_escape(c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_unit(&mut out, *unit);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    let code = u32::from(c);
    // Non-BMP characters are written as surrogate pairs, the way PowerShell's
    // UTF-16 strings are, so any reader gets the same code units back.
    code <= 0x1F
        || (0x7F..=0x9F).contains(&code)
        || code > 0xFFFF
        || code == 0xFFFE
        || code == 0xFFFF
}

fn push_unit(out: &mut String, unit: u16) {
    out.push_str("_x");
    out.push_str(&format!("{unit:04X}"));
    out.push('_');
}

/// Reverses [`encode`]. Unpaired surrogates become U+FFFD instead of failing,
/// because this runs on client input.
pub fn decode(text: &str) -> String {
    if !text.contains("_x") && !text.contains("_X") {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(unit) = escape_at(bytes, i) {
            units.push(unit);
            i += 7;
            continue;
        }
        // Copy one whole character; `i` always sits on a char boundary because
        // escapes are pure ASCII.
        let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
        i += c.len_utf8();
    }
    String::from_utf16_lossy(&units)
}

fn escape_at(bytes: &[u8], i: usize) -> Option<u16> {
    let window = bytes.get(i..i + 7)?;
    if window[0] != b'_' || !(window[1] == b'x' || window[1] == b'X') || window[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&window[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_example_matches_byte_for_byte() {
        assert_eq!(encode("a\r\nb_x\t"), "a_x000D__x000A_b_x005F_x_x0009_");
    }

    #[test]
    fn surrogate_pairs_are_escaped_as_two_units() {
        assert_eq!(encode("\u{1F600}"), "_xD83D__xDE00_");
        assert_eq!(decode("_xD83D__xDE00_"), "\u{1F600}");
    }

    #[test]
    fn lone_surrogate_decodes_to_replacement() {
        assert_eq!(decode("a_xD800_b"), "a\u{FFFD}b");
    }

    #[test]
    fn non_escapes_pass_through() {
        assert_eq!(decode("_x12_ _xZZZZ_ _x"), "_x12_ _xZZZZ_ _x");
        assert_eq!(encode("snake_case"), "snake_case");
    }

    #[test]
    fn control_range_and_c1_are_escaped() {
        assert_eq!(
            encode("\u{0}\u{7F}\u{9F}\u{A0}"),
            "_x0000__x007F__x009F_\u{A0}"
        );
    }

    proptest! {
        #[test]
        fn round_trips_any_string(s in any::<String>()) {
            prop_assert_eq!(decode(&encode(&s)), s);
        }

        #[test]
        fn encoded_text_has_no_xml_hostile_chars(s in any::<String>()) {
            let e = encode(&s);
            prop_assert!(e.chars().all(|c| !needs_escape(c)));
        }

        #[test]
        fn decode_never_panics(s in any::<String>()) {
            let _ = decode(&s);
        }
    }
}
