//! The CLIXML reader over arbitrary text: errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = exomig_codec::clixml::from_clixml(&text);
    let _ = exomig_codec::clixml::from_clixml_all(&text);
});
