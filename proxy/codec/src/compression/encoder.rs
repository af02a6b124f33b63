//! A small Xpress-Huffman (MS-XCA §2.1 "LZ77+Huffman") *encoder* and the WinRM chunk
//! framing, so tests can send compressed Send data the way the Windows WinRM client does.
//! Compiled for this crate's tests and behind the `test-encoder` feature (the Windows-shaped
//! test client, `exomig-winclient`, switches it on); the proxy itself never encodes.
//!
//! Test-only quality: greedy matching through a hash of 3-byte prefixes and code lengths
//! derived from scaled frequencies (never longer than 15 bits). Its output only has to be
//! valid, not small; the server never encodes (replies go out as stored chunks).

use std::collections::HashMap;

pub use super::MAX_CHUNK;

#[derive(Clone, Copy)]
enum Token {
    Literal(u8),
    Match { len: usize, dist: usize },
}

/// Longest match the format can express: 3 + a 16-bit length.
const MAX_MATCH: usize = 65535 + 3;

fn tokenize(data: &[u8]) -> Vec<Token> {
    let mut head: HashMap<[u8; 3], usize> = HashMap::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let mut best: Option<(usize, usize)> = None;
        if let [a, b, c, ..] = data[i..] {
            let key = [a, b, c];
            if let Some(&j) = head.get(&key) {
                let dist = i - j;
                if dist < MAX_CHUNK {
                    let len = data[i..]
                        .iter()
                        .zip(&data[j..])
                        .take(MAX_MATCH)
                        .take_while(|(x, y)| x == y)
                        .count();
                    if len >= 3 {
                        best = Some((len, dist));
                    }
                }
            }
            head.insert(key, i);
        }
        match best {
            Some((len, dist)) => {
                out.push(Token::Match { len, dist });
                for k in i + 1..(i + len).min(data.len().saturating_sub(2)) {
                    head.insert([data[k], data[k + 1], data[k + 2]], k);
                }
                i += len;
            }
            None => {
                out.push(Token::Literal(data[i]));
                i += 1;
            }
        }
    }
    out
}

fn log2(n: usize) -> usize {
    (usize::BITS - 1 - n.leading_zeros()) as usize
}

/// Symbols 0–255 are literals; 256 + 16·log2(distance) + min(length − 3, 15) are matches
/// (256 itself doubles as end of stream).
fn symbol(t: Token) -> usize {
    match t {
        Token::Literal(b) => usize::from(b),
        Token::Match { len, dist } => 256 + log2(dist) * 16 + (len - 3).min(15),
    }
}

fn code_lengths(freq: &[u64; 512]) -> [u8; 512] {
    // Scaling every used symbol to at least 1/16384 of the total bounds lengths at 15 bits.
    let total: u64 = freq.iter().sum::<u64>().max(1);
    let mut scaled = [0u64; 512];
    for (s, f) in scaled.iter_mut().zip(freq) {
        if *f > 0 {
            *s = (*f * (1 << 14) / total).max(1);
        }
    }
    let stotal: u64 = scaled.iter().sum();
    let mut lens = [0u8; 512];
    for (l, s) in lens.iter_mut().zip(scaled) {
        if s > 0 {
            let mut n = 1u8;
            while (s << n) < stotal {
                n += 1;
            }
            *l = n;
        }
    }
    lens
}

fn canonical_codes(lens: &[u8; 512]) -> [u32; 512] {
    let mut order: Vec<(u8, usize)> = lens
        .iter()
        .enumerate()
        .filter(|(_, l)| **l > 0)
        .map(|(s, l)| (*l, s))
        .collect();
    order.sort_unstable();
    let mut codes = [0u32; 512];
    let mut code = 0u32;
    let mut prev = 0u8;
    for (len, s) in order {
        code <<= len - prev;
        prev = len;
        codes[s] = code;
        code += 1;
    }
    codes
}

enum Item {
    Word(usize),
    Byte(u8),
}

/// Compresses one block of 1..=65536 bytes; `None` for an empty or oversized block.
pub fn compress_block(data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || data.len() > MAX_CHUNK {
        return None;
    }
    let tokens = tokenize(data);
    let mut freq = [0u64; 512];
    for t in &tokens {
        freq[symbol(*t)] += 1;
    }
    freq[256] += 1; // end of stream
    let lens = code_lengths(&freq);
    let codes = canonical_codes(&lens);

    // The format interleaves 16-bit words of Huffman bits with raw length bytes, and the
    // decoder loads words ahead of use, so extra bytes go after the words it has already read.
    let mut bits: Vec<bool> = Vec::new();
    let mut items = vec![Item::Word(0), Item::Word(1)];
    let mut loaded = 2usize;
    let mut push_bits = |bits: &mut Vec<bool>, items: &mut Vec<Item>, value: u32, n: usize| {
        for k in (0..n).rev() {
            bits.push((value >> k) & 1 == 1);
        }
        while loaded * 16 < bits.len() + 16 {
            items.push(Item::Word(loaded));
            loaded += 1;
        }
    };
    for t in &tokens {
        let s = symbol(*t);
        push_bits(&mut bits, &mut items, codes[s], usize::from(lens[s]));
        if let Token::Match { len, dist } = *t {
            let l = len - 3;
            if l >= 15 {
                if l - 15 < 255 {
                    items.push(Item::Byte(u8::try_from(l - 15).ok()?));
                } else {
                    items.push(Item::Byte(255));
                    let w = u16::try_from(l).ok()?.to_le_bytes();
                    items.push(Item::Byte(w[0]));
                    items.push(Item::Byte(w[1]));
                }
            }
            let nbits = log2(dist);
            push_bits(
                &mut bits,
                &mut items,
                u32::try_from(dist - (1 << nbits)).ok()?,
                nbits,
            );
        }
    }
    push_bits(&mut bits, &mut items, codes[256], usize::from(lens[256]));
    let mut out = Vec::with_capacity(256 + bits.len() / 8 + 8);
    for pair in lens.chunks(2) {
        out.push(pair[0] | (pair[1] << 4));
    }
    for item in items {
        match item {
            Item::Byte(b) => out.push(b),
            Item::Word(k) => {
                let w = (0..16).fold(0u16, |w, i| {
                    (w << 1) | u16::from(bits.get(k * 16 + i).copied().unwrap_or(false))
                });
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
    }
    // Slack so the decoder's lookahead never runs past the end of the chunk.
    out.extend_from_slice(&[0, 0, 0, 0]);
    Some(out)
}

/// How the client frames one stream buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkMode {
    /// Xpress-Huffman whenever that is smaller than the input, stored otherwise — what the
    /// WinRM client does.
    Compress,
    /// Always stored chunks.
    Stored,
}

/// Frames a stream buffer as WinRM compression chunks: per chunk of at most 64 KiB, two
/// little-endian u16 values `original − 1`, `compressed − 1`, then the chunk body.
pub fn frame(data: &[u8], mode: ChunkMode) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    for chunk in data.chunks(MAX_CHUNK) {
        let packed = match mode {
            ChunkMode::Compress => compress_block(chunk).filter(|c| c.len() < chunk.len()),
            ChunkMode::Stored => None,
        };
        let body = packed.as_deref().unwrap_or(chunk);
        // chunks() yields 1..=65536 bytes and a packed body is shorter, so both fit a u16.
        let size = |n: usize| u16::try_from(n - 1).unwrap_or(u16::MAX).to_le_bytes();
        out.extend_from_slice(&size(chunk.len()));
        out.extend_from_slice(&size(body.len()));
        out.extend_from_slice(body);
    }
    out
}

/// Whether a framed buffer holds at least one Xpress-Huffman (not stored) chunk.
pub fn has_huffman_chunk(framed: &[u8]) -> bool {
    let mut at = 0;
    while let Some(h) = framed.get(at..at + 4) {
        let original = usize::from(u16::from_le_bytes([h[0], h[1]])) + 1;
        let compressed = usize::from(u16::from_le_bytes([h[2], h[3]])) + 1;
        if compressed != original {
            return true;
        }
        at += 4 + compressed;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compression::decode;
    use proptest::prelude::*;

    /// MS-XCA §3.2's worked example input: "abc" repeated to 300 bytes.
    fn abc300() -> Vec<u8> {
        b"abc".iter().copied().cycle().take(300).collect()
    }

    #[test]
    fn spec_example_input_compresses_and_decodes() {
        let data = abc300();
        let framed = frame(&data, ChunkMode::Compress);
        assert!(has_huffman_chunk(&framed));
        assert!(framed.len() < data.len());
        assert_eq!(decode(&framed), Ok(data));
    }

    #[test]
    fn incompressible_data_goes_out_stored() {
        let data: Vec<u8> = (0u32..200).map(|i| (i * 7919 % 251) as u8).collect();
        let framed = frame(&data, ChunkMode::Compress);
        assert!(!has_huffman_chunk(&framed));
        assert_eq!(&framed[4..], &data[..]);
    }

    #[test]
    fn empty_and_oversized_blocks_are_refused() {
        assert!(compress_block(&[]).is_none());
        assert!(compress_block(&vec![0; MAX_CHUNK + 1]).is_none());
        assert!(frame(&[], ChunkMode::Compress).is_empty());
    }

    #[test]
    fn long_runs_use_the_long_length_escape_and_split_at_64k() {
        let data = vec![b'x'; MAX_CHUNK + 1000];
        let framed = frame(&data, ChunkMode::Compress);
        assert!(has_huffman_chunk(&framed));
        assert_eq!(decode(&framed), Ok(data));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn compressed_frames_round_trip_through_the_proxy_decoder(
            seed in proptest::collection::vec(any::<u8>(), 1..48),
            repeats in 1usize..300,
            noise in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut data: Vec<u8> = seed.iter().copied().cycle().take(seed.len() * repeats).collect();
            data.extend(&noise);
            prop_assert_eq!(decode(&frame(&data, ChunkMode::Compress)), Ok(data));
        }
    }
}
