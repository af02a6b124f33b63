//! Arbitrary bytes through decoding and the parser: never panics, and the tree is lossless.
#![no_main]
use exomig_grammar::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = SourceFile::decode(data) else {
        return;
    };
    let parse = exomig_grammar::parse(&file.text);
    assert_eq!(
        parse.root.text(&file.text),
        file.text,
        "tree must cover every byte"
    );
});
