//! WinRM xpress chunk framing (stored + Xpress-Huffman chunks) over arbitrary bytes, fed in
//! two pushes so chunks cut across Send requests are exercised: errors, never panics, and
//! never more output than the limit or than the chunk headers declare.
#![no_main]
use exomig_codec::compression::{decode, encode_stored, Decompressor};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = (usize::from(split) * 7).min(rest.len());
    let mut d = Decompressor::new(LIMIT);
    let mut produced = 0usize;
    for part in [&rest[..split], &rest[split..]] {
        match d.push(part) {
            Ok(out) => produced += out.len(),
            Err(_) => return,
        }
    }
    assert!(produced <= LIMIT);
    // Whatever decodes in one piece decodes identically when fed whole.
    if d.pending() == 0 {
        if let Ok(whole) = decode(rest) {
            assert_eq!(whole.len(), produced);
        }
    }
    // Stored framing of any input is always read back verbatim.
    assert_eq!(decode(&encode_stored(rest)).as_deref(), Ok(rest));
});
