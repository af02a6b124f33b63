//! Development aid: how many pest calls a parse takes (binary search on the call limit).
//! Exact for one-line snippets; for a multi-line file it is the calls of its costliest
//! piece, because a parse over the limit is retried in pieces (see `parser::parse_in_pieces`).
use std::num::NonZeroUsize;
fn calls(text: &str) -> usize {
    let (mut lo, mut hi) = (1usize, 1usize << 32);
    while lo < hi {
        let mid = (lo + hi) / 2;
        pest::set_call_limit(NonZeroUsize::new(mid));
        let p = exomig_grammar::parse(text);
        if p.errors
            .iter()
            .any(|e| e.message.contains("gave up") || e.message.contains("work limit"))
        {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    pest::set_call_limit(None);
    lo
}
fn main() {
    // The first parse sets the crate's own call limit once; do it before overriding it.
    let _ = exomig_grammar::parse("");
    for s in std::env::args().skip(1) {
        let text = if std::path::Path::new(&s).exists() {
            std::fs::read_to_string(&s).unwrap()
        } else {
            s.replace("\\n", "\n")
        };
        let n = calls(&text);
        println!(
            "{:8} calls {:6} bytes {:6.1} calls/byte  {:?}",
            n,
            text.len(),
            n as f64 / text.len() as f64,
            &text[..text.len().min(40)]
        );
    }
}
