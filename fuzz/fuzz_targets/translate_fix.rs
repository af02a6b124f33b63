//! `fix` never panics, and a fixed script is a fixed point: fixing it again changes nothing.
#![no_main]
use exomig_translator::{check, fix, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = Options::default();
    let _ = check(text, &opts);
    let Ok(first) = fix(text, &opts) else {
        return;
    };
    match fix(&first.output, &opts) {
        Ok(second) => assert_eq!(second.output, first.output, "fix is not idempotent"),
        Err(e) => panic!("fixing fixed output failed: {e}"),
    }
});
