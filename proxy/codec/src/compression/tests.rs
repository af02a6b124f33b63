use super::*;
use proptest::prelude::*;

#[test]
fn stored_header_is_size_minus_one_twice() {
    let framed = encode_stored(b"abc");
    assert_eq!(framed, vec![2, 0, 2, 0, b'a', b'b', b'c']);
}

#[test]
fn large_input_splits_at_64k() {
    let data = vec![7u8; MAX_CHUNK + 10];
    let framed = encode_stored(&data);
    assert_eq!(&framed[..4], &[0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(&framed[4 + MAX_CHUNK..8 + MAX_CHUNK], &[9, 0, 9, 0]);
    assert_eq!(decode(&framed), Ok(data));
}

#[test]
fn empty_input_has_no_chunks() {
    assert!(encode_stored(b"").is_empty());
    assert_eq!(decode(b""), Ok(Vec::new()));
}

#[test]
fn growing_chunk_is_rejected() {
    assert!(matches!(
        decode(&[0, 0, 5, 0, 1, 2, 3, 4, 5, 6]),
        Err(CompressionError::BadSizes { .. })
    ));
}

#[test]
fn truncated_chunk_waits_then_fails_when_whole_buffer_is_given() {
    let framed = encode_stored(b"hello");
    let mut d = Decompressor::new(1024);
    assert_eq!(d.push(&framed[..5]), Ok(Vec::new()));
    assert_eq!(d.pending(), 5);
    assert_eq!(d.push(&framed[5..]), Ok(b"hello".to_vec()));
    assert!(decode(&framed[..6]).is_err());
}

#[test]
fn output_limit_is_enforced() {
    let framed = encode_stored(&[1u8; 100]);
    let mut d = Decompressor::new(50);
    assert_eq!(d.push(&framed), Err(CompressionError::TooLarge(50)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stored_round_trip(data in proptest::collection::vec(any::<u8>(), 0..140_000), cut in any::<prop::sample::Index>()) {
        let framed = encode_stored(&data);
        let at = cut.index(framed.len() + 1);
        let mut d = Decompressor::new(usize::MAX);
        let mut out = d.push(&framed[..at]).expect("valid");
        out.extend(d.push(&framed[at..]).expect("valid"));
        prop_assert_eq!(out, data);
        prop_assert_eq!(d.pending(), 0);
    }

    #[test]
    fn decoder_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode(&data);
    }

    #[test]
    fn decoder_never_panics_on_huffman_chunks(body in proptest::collection::vec(any::<u8>(), 256..1024), orig in 1usize..4096) {
        let mut framed = Vec::new();
        let original = u16::try_from(orig.max(body.len() + 1) - 1).unwrap_or(u16::MAX);
        framed.extend_from_slice(&original.to_le_bytes());
        framed.extend_from_slice(&u16::try_from(body.len() - 1).unwrap_or(0).to_le_bytes());
        framed.extend_from_slice(&body);
        let _ = decode(&framed);
    }
}

/// MS-XCA §3.2's worked LZ77+Huffman example: "abc" repeated to 300 bytes is
/// three literals, one match (distance 3, length 297, long-length escape) and
/// the end-of-stream symbol. Code lengths: 'a' 3, 'b' 3, 'c' 2, EOF (256) 2,
/// match symbol 287 (1 offset bit, length nibble 15) 2.
fn ms_xca_example() -> Vec<u8> {
    let mut v = vec![0u8; 256];
    v[48] = 0x30;
    v[49] = 0x23;
    v[128] = 0x02;
    v[143] = 0x20;
    v.extend_from_slice(&[0xa8, 0xdc, 0x00, 0x00, 0xff, 0x26, 0x01]);
    v
}

fn framed_huffman(original: usize, body: &[u8]) -> Vec<u8> {
    let mut framed = Vec::new();
    framed.extend_from_slice(&u16::try_from(original - 1).expect("size").to_le_bytes());
    framed.extend_from_slice(&u16::try_from(body.len() - 1).expect("size").to_le_bytes());
    framed.extend_from_slice(body);
    framed
}

#[test]
fn ms_xca_worked_example_decodes() {
    let want: Vec<u8> = b"abc".iter().copied().cycle().take(300).collect();
    assert_eq!(decode(&framed_huffman(300, &ms_xca_example())), Ok(want));
}

#[test]
fn huffman_chunk_that_decodes_short_is_rejected() {
    // Declares 400 bytes, but the stream only holds 300 plus end-of-stream.
    assert!(decode(&framed_huffman(400, &ms_xca_example())).is_err());
}

#[test]
fn stored_and_huffman_chunks_mix() {
    let mut framed = encode_stored(b"head:");
    framed.extend(framed_huffman(300, &ms_xca_example()));
    framed.extend(encode_stored(b":tail"));
    let out = decode(&framed).expect("valid");
    assert!(out.starts_with(b"head:abcabc") && out.ends_with(b"bc:tail"));
    assert_eq!(out.len(), 310);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn huffman_round_trip_through_framing(
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        repeats in 1usize..200,
        noise in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        // Repetition exercises matches (including long-length escapes); noise exercises literals.
        let mut data: Vec<u8> = seed.iter().copied().cycle().take(seed.len() * repeats).collect();
        data.extend(&noise);
        data.truncate(MAX_CHUNK);
        // The shared test encoder (also the Windows-shaped client's), one block per chunk.
        let body = encoder::compress_block(&data).expect("one block");
        prop_assume!(body.len() < data.len());
        let framed = framed_huffman(data.len(), &body);
        let mut d = Decompressor::new(usize::MAX);
        let mid = framed.len() / 2;
        let mut out = d.push(&framed[..mid]).expect("first half");
        out.extend(d.push(&framed[mid..]).expect("second half"));
        prop_assert_eq!(out, data);
    }
}
