//! Chunk framing of compressed remote-shell streams (psrp.md §1.1).
//!
//! When a client puts `rsp:CompressionType` (`xpress`) on Create, Send and
//! ReceiveResponse stream data is cut into chunks of at most 64 KiB, each
//! preceded by two little-endian u16 values: `original_size − 1` and
//! `compressed_size − 1`. Equal sizes mean the chunk is stored; otherwise it is
//! Xpress-Huffman (MS-XCA §2.2.4).

/// Largest uncompressed chunk.
pub const MAX_CHUNK: usize = 65536;
const HEADER_LEN: usize = 4;

/// Why compressed stream data could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompressionError {
    /// The Xpress-Huffman payload of a chunk is corrupt.
    #[error("invalid Xpress-Huffman chunk: {0}")]
    Huffman(String),
    /// A chunk claims to shrink when stored, or decodes to the wrong size.
    #[error("chunk sizes are inconsistent: original {original}, compressed {compressed}")]
    BadSizes {
        /// Declared original size.
        original: usize,
        /// Declared compressed size.
        compressed: usize,
    },
    /// Decoding would exceed the configured output limit.
    #[error("decompressed data exceeds {0} bytes")]
    TooLarge(usize),
}

/// Decodes a whole buffer of complete chunks.
pub fn decode(data: &[u8]) -> Result<Vec<u8>, CompressionError> {
    let mut d = Decompressor::new(usize::MAX);
    let out = d.push(data)?;
    if d.pending() != 0 {
        return Err(CompressionError::BadSizes {
            original: 0,
            compressed: d.pending(),
        });
    }
    Ok(out)
}

/// Frames `data` as stored chunks, which every client that asked for xpress
/// accepts; an empty input yields no chunk.
pub fn encode_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len().div_ceil(MAX_CHUNK) * HEADER_LEN);
    for chunk in data.chunks(MAX_CHUNK) {
        // chunks() never yields an empty slice and never more than MAX_CHUNK,
        // so `len − 1` fits in a u16.
        let size = u16::try_from(chunk.len() - 1).unwrap_or(u16::MAX);
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Incremental decoder for a client's compressed Send data, which may cut a chunk
/// across Send requests.
#[derive(Debug)]
pub struct Decompressor {
    pending: Vec<u8>,
    produced: usize,
    limit: usize,
}

impl Decompressor {
    /// A decoder refusing to produce more than `limit` bytes in total.
    pub fn new(limit: usize) -> Self {
        Decompressor {
            pending: Vec::new(),
            produced: 0,
            limit,
        }
    }

    /// Bytes of an incomplete chunk kept for the next call.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Feeds data and returns the decoded bytes of every chunk it completes.
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>, CompressionError> {
        self.pending.extend_from_slice(data);
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(header) = self.pending.get(at..at + HEADER_LEN) {
            let original = usize::from(u16::from_le_bytes([header[0], header[1]])) + 1;
            let compressed = usize::from(u16::from_le_bytes([header[2], header[3]])) + 1;
            if compressed > original {
                self.pending.clear();
                return Err(CompressionError::BadSizes {
                    original,
                    compressed,
                });
            }
            let Some(body) = self
                .pending
                .get(at + HEADER_LEN..at + HEADER_LEN + compressed)
            else {
                break;
            };
            if self.produced.saturating_add(original) > self.limit {
                self.pending.clear();
                return Err(CompressionError::TooLarge(self.limit));
            }
            if compressed == original {
                out.extend_from_slice(body);
            } else {
                let plain = match xpress_huffman::decompress(body, original) {
                    Ok(p) => p,
                    Err(e) => {
                        self.pending.clear();
                        return Err(CompressionError::Huffman(e.to_string()));
                    }
                };
                if plain.len() != original {
                    self.pending.clear();
                    return Err(CompressionError::BadSizes {
                        original,
                        compressed,
                    });
                }
                out.extend_from_slice(&plain);
            }
            self.produced += original;
            at += HEADER_LEN + compressed;
        }
        self.pending.drain(..at);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

#[cfg(any(test, feature = "test-encoder"))]
pub mod encoder;
