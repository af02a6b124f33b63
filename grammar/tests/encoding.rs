//! Decode/encode round trips for every encoding × line ending × final-newline combination.
use exomig_grammar::source::{sniff, EncodeError, Encoding, LineEnding, LineIndex, SourceFile};

const BODY: &[&str] = &[
    "$s = New-PSSession \u{2013}ConfigurationName \u{201C}Microsoft.Exchange\u{201D} `",
    "    -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Authentication Basic",
    "Import-PSSession $s -AllowClobber # caf\u{E9} \u{2018}x\u{2019}",
];

fn text(newline: &str, final_newline: bool) -> String {
    let mut t = BODY.join(newline);
    if final_newline {
        t.push_str(newline);
    }
    t
}

fn bytes_for(encoding: Encoding, text: &str) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::Utf16LeBom => {
            let mut v = vec![0xFF, 0xFE];
            v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            v
        }
        Encoding::Utf16BeBom => {
            let mut v = vec![0xFE, 0xFF];
            v.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
            v
        }
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
    }
}

#[test]
fn every_encoding_and_line_ending_round_trips() {
    let encodings = [
        Encoding::Utf8,
        Encoding::Utf8Bom,
        Encoding::Utf16LeBom,
        Encoding::Utf16BeBom,
        Encoding::Windows1252,
    ];
    let endings = [
        ("\n", LineEnding::Lf),
        ("\r\n", LineEnding::Crlf),
        ("\r", LineEnding::Cr),
    ];
    let mut cases = 0;
    for encoding in encodings {
        for (newline, ending) in endings {
            for final_newline in [false, true] {
                let text = text(newline, final_newline);
                let bytes = bytes_for(encoding, &text);
                let file = SourceFile::decode(&bytes).unwrap();
                assert_eq!(file.encoding, encoding, "{newline:?}");
                assert_eq!(sniff(&bytes), encoding);
                assert_eq!(file.text, text);
                assert_eq!(file.line_ending, ending);
                assert_eq!(file.final_newline, final_newline);
                assert_eq!(
                    file.encode(&file.text).unwrap(),
                    bytes,
                    "{encoding:?} {newline:?}"
                );
                let parse = exomig_grammar::parse(&file.text);
                assert!(parse.errors.is_empty(), "{:?}", parse.errors);
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 30);
}

#[test]
fn windows_1252_en_dash_is_the_parameter_dash() {
    let bytes = b"Import-PSSession $s \x96AllowClobber\r\n\x93Basic\x94";
    let file = SourceFile::decode(bytes).unwrap();
    assert_eq!(file.encoding, Encoding::Windows1252);
    assert!(file.text.contains("\u{2013}AllowClobber"));
    assert!(file.text.contains("\u{201C}Basic\u{201D}"));
    assert_eq!(file.encode(&file.text).unwrap(), bytes);
    let parse = exomig_grammar::parse(&file.text);
    assert!(parse.errors.is_empty());
    let params: Vec<_> = parse
        .root
        .find_all(exomig_grammar::SyntaxKind::CommandParameter)
        .map(|n| n.text(&file.text).to_owned())
        .collect();
    assert_eq!(params, ["\u{2013}AllowClobber"]);
}

#[test]
fn windows_1252_rejects_unrepresentable_characters() {
    let file = SourceFile::decode(b"caf\xE9").unwrap();
    assert_eq!(file.encoding, Encoding::Windows1252);
    let err = file.encode("caf\u{E9} \u{1F600}").unwrap_err();
    assert_eq!(
        err,
        EncodeError::Unrepresentable {
            ch: '\u{1F600}',
            offset: 6
        }
    );
}

#[test]
fn every_windows_1252_byte_round_trips() {
    // 0x80..=0xFF plus an invalid-UTF-8 trigger; includes the five undefined bytes.
    let bytes: Vec<u8> = (0x20u8..=0xFF).collect();
    let file = SourceFile::decode(&bytes).unwrap();
    assert_eq!(file.encoding, Encoding::Windows1252);
    assert_eq!(file.encode(&file.text).unwrap(), bytes);
}

#[test]
fn broken_utf16_is_a_typed_error() {
    assert!(SourceFile::decode(b"\xFF\xFEa").is_err());
    assert!(SourceFile::decode(b"\xFF\xFE\x00\xD8").is_err());
}

#[test]
fn mixed_and_missing_line_endings_are_reported() {
    assert_eq!(LineEnding::detect("a\r\nb\rc\n"), LineEnding::Mixed);
    assert_eq!(LineEnding::detect("a"), LineEnding::None);
    assert_eq!(LineEnding::Crlf.as_str(), "crlf");
    assert_eq!(Encoding::Utf16BeBom.as_str(), "utf-16be-bom");
}

#[test]
fn line_index_counts_crlf_lf_and_lone_cr_lines_and_char_columns() {
    let text = "ab\r\ncd\ref\n\u{E9}x";
    let index = LineIndex::new(text);
    assert_eq!(index.line_count(), 4);
    assert_eq!(index.line_col(0), (1, 1));
    assert_eq!(index.line_col(4), (2, 1));
    assert_eq!(index.line_col(7), (3, 1));
    let x = text.find('x').unwrap();
    assert_eq!(index.line_col(x), (4, 2));
    assert_eq!(index.line_text(2), Some("cd"));
    assert_eq!(index.line_start(3), Some(7));
    assert_eq!(index.line_col(text.len() + 10), (4, 3));
    let indented = LineIndex::new("x\n\t  y\n");
    assert_eq!(indented.indentation(2), Some("\t  "));
}
