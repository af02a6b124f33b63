//! PSRP fragment reassembly and message decoding over arbitrary packets: errors, never panics.
#![no_main]
use exomig_codec::psrp::{ClientMessage, Defragmenter, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut defrag = Defragmenter::default();
    // The first byte splits the input into two packets, so state kept between packets (a
    // message started in one and finished in the next) is exercised too.
    let (split, rest) = match data.split_first() {
        Some((&s, rest)) => (usize::from(s).min(rest.len()), rest),
        None => return,
    };
    for packet in [&rest[..split], &rest[split..]] {
        let Ok(messages) = defrag.push_packet(packet) else {
            return;
        };
        for m in messages {
            if let Ok(message) = Message::parse(&m.message) {
                let _ = message.text();
                let _ = ClientMessage::decode(&message);
            }
        }
    }
});
