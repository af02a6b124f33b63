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
    #[test]
    fn stored_round_trip(data in proptest::collection::vec(any::<u8>(), 0..200_000), cut in any::<prop::sample::Index>()) {
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
