//! PSRP fragments (MS-PSRP 2.2.4): big-endian headers carrying parts of messages.

use std::collections::HashMap;

use super::PsrpError;

/// ObjectId (8) + FragmentId (8) + flags (1) + BlobLength (4).
pub const FRAGMENT_HEADER_LEN: usize = 21;

const FLAG_START: u8 = 0x1;
const FLAG_END: u8 = 0x2;

/// One fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Message number, counted from 1 per sender and direction.
    pub object_id: u64,
    /// Position within the message, from 0.
    pub fragment_id: u64,
    /// First fragment of its message.
    pub start: bool,
    /// Last fragment of its message.
    pub end: bool,
    /// This fragment's part of the message.
    pub blob: Vec<u8>,
}

impl Fragment {
    /// Size of the encoded fragment.
    pub fn encoded_len(&self) -> usize {
        FRAGMENT_HEADER_LEN + self.blob.len()
    }

    /// Appends the wire form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.object_id.to_be_bytes());
        out.extend_from_slice(&self.fragment_id.to_be_bytes());
        let flags = if self.start { FLAG_START } else { 0 } | if self.end { FLAG_END } else { 0 };
        out.push(flags);
        // Blobs come from `fragment`, bounded by `max_blob: u32`-sized budgets.
        let len = u32::try_from(self.blob.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.blob);
    }

    /// The wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_to(&mut out);
        out
    }
}

/// Splits one whole message into fragments of at most `max_blob` data bytes each.
/// An empty message still yields one (Start|End) fragment; `max_blob` of 0 is
/// treated as 1.
pub fn fragment(object_id: u64, message: &[u8], max_blob: usize) -> Vec<Fragment> {
    let max_blob = max_blob.max(1);
    if message.is_empty() {
        return vec![Fragment {
            object_id,
            fragment_id: 0,
            start: true,
            end: true,
            blob: Vec::new(),
        }];
    }
    let count = message.len().div_ceil(max_blob);
    message
        .chunks(max_blob)
        .enumerate()
        .map(|(i, chunk)| Fragment {
            object_id,
            fragment_id: i as u64,
            start: i == 0,
            end: i + 1 == count,
            blob: chunk.to_vec(),
        })
        .collect()
}

/// Decodes back-to-back fragments that fill `data` exactly.
pub fn parse_fragments(data: &[u8]) -> Result<Vec<Fragment>, PsrpError> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (frag, used) = parse_one(rest).ok_or(PsrpError::Truncated {
            what: "fragment",
            need: needed(rest),
            have: rest.len(),
        })?;
        out.push(Fragment {
            object_id: frag.object_id,
            fragment_id: frag.fragment_id,
            start: frag.start,
            end: frag.end,
            blob: frag.blob.to_vec(),
        });
        rest = &rest[used..];
    }
    Ok(out)
}

fn needed(rest: &[u8]) -> usize {
    if rest.len() < FRAGMENT_HEADER_LEN {
        return FRAGMENT_HEADER_LEN;
    }
    FRAGMENT_HEADER_LEN + blob_len(rest)
}

fn blob_len(header: &[u8]) -> usize {
    let mut len = [0u8; 4];
    len.copy_from_slice(&header[17..21]);
    u32::from_be_bytes(len) as usize
}

/// A fragment header with its blob borrowed from the packet.
struct FragmentRef<'a> {
    object_id: u64,
    fragment_id: u64,
    start: bool,
    end: bool,
    blob: &'a [u8],
}

/// One fragment from the front of `data`, or `None` when more bytes are needed.
fn parse_one(data: &[u8]) -> Option<(FragmentRef<'_>, usize)> {
    if data.len() < FRAGMENT_HEADER_LEN {
        return None;
    }
    let mut word = [0u8; 8];
    word.copy_from_slice(&data[0..8]);
    let object_id = u64::from_be_bytes(word);
    word.copy_from_slice(&data[8..16]);
    let fragment_id = u64::from_be_bytes(word);
    let flags = data[16];
    let total = FRAGMENT_HEADER_LEN.saturating_add(blob_len(data));
    let blob = data.get(FRAGMENT_HEADER_LEN..total)?;
    Some((
        FragmentRef {
            object_id,
            fragment_id,
            start: flags & FLAG_START != 0,
            end: flags & FLAG_END != 0,
            blob,
        },
        total,
    ))
}

/// Reassembles messages from packets (the decoded base64 of creationXml,
/// Arguments or a Stream element).
///
/// A packet may hold several fragments of several messages, a message may span
/// packets, and — because Windows cuts its first Create/Command chunk by size — a
/// fragment may itself be cut at a packet boundary; the tail is kept until the
/// next packet. Everything buffered is bounded by `max_message`.
#[derive(Debug)]
pub struct Defragmenter {
    max_message: usize,
    pending_bytes: Vec<u8>,
    partial: HashMap<u64, Partial>,
}

#[derive(Debug)]
struct Partial {
    next_fragment: u64,
    data: Vec<u8>,
}

/// A completed message with the ObjectId it travelled under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassembled {
    /// The sender's ObjectId.
    pub object_id: u64,
    /// The message bytes (MS-PSRP 2.2.1 layout).
    pub message: Vec<u8>,
}

impl Default for Defragmenter {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_MESSAGE)
    }
}

impl Defragmenter {
    /// Default bound on one message and on all buffered bytes: well above what
    /// the proxy's clients send (their envelopes are at most 512000 bytes, and
    /// pipeline input arrives one object per message).
    pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024 * 1024;

    /// A defragmenter rejecting messages larger than `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Defragmenter {
            max_message,
            pending_bytes: Vec::new(),
            partial: HashMap::new(),
        }
    }

    /// Whether nothing is buffered (no partial fragment or message).
    pub fn is_idle(&self) -> bool {
        self.pending_bytes.is_empty() && self.partial.is_empty()
    }

    /// Feeds one packet and returns the messages it completes, in order. After an
    /// error the buffered state is discarded, since the stream cannot be trusted.
    pub fn push_packet(&mut self, packet: &[u8]) -> Result<Vec<Reassembled>, PsrpError> {
        let result = self.push_inner(packet);
        if result.is_err() {
            self.pending_bytes.clear();
            self.partial.clear();
        }
        result
    }

    fn push_inner(&mut self, packet: &[u8]) -> Result<Vec<Reassembled>, PsrpError> {
        // Only a packet continuing a cut fragment needs joining; the usual
        // whole-fragment packet is read in place.
        let joined;
        let data: &[u8] = if self.pending_bytes.is_empty() {
            packet
        } else {
            let mut buf = std::mem::take(&mut self.pending_bytes);
            buf.extend_from_slice(packet);
            joined = buf;
            &joined
        };
        let mut done = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let rest = &data[at..];
            if rest.len() >= FRAGMENT_HEADER_LEN {
                let len = blob_len(rest);
                if len > self.max_message {
                    return Err(PsrpError::TooLarge {
                        what: "fragment",
                        size: len,
                        limit: self.max_message,
                    });
                }
            }
            let Some((frag, used)) = parse_one(rest) else {
                break;
            };
            at += used;
            if let Some(msg) = self.accept(frag)? {
                done.push(msg);
            }
        }
        self.pending_bytes = data[at..].to_vec();
        Ok(done)
    }

    fn accept(&mut self, frag: FragmentRef<'_>) -> Result<Option<Reassembled>, PsrpError> {
        let FragmentRef {
            object_id,
            fragment_id,
            start,
            end,
            blob,
        } = frag;
        if start {
            if fragment_id != 0 {
                return Err(PsrpError::OutOfOrder {
                    object_id,
                    expected: 0,
                    got: fragment_id,
                });
            }
            if end {
                self.partial.remove(&object_id);
                return Ok(Some(Reassembled {
                    object_id,
                    message: blob.to_vec(),
                }));
            }
            self.check_total(blob.len())?;
            self.partial.insert(
                object_id,
                Partial {
                    next_fragment: 1,
                    data: blob.to_vec(),
                },
            );
            return Ok(None);
        }
        let buffered = self.buffered();
        let Some(p) = self.partial.get_mut(&object_id) else {
            return Err(PsrpError::MissingStart {
                object_id,
                fragment_id,
            });
        };
        if p.next_fragment != fragment_id {
            return Err(PsrpError::OutOfOrder {
                object_id,
                expected: p.next_fragment,
                got: fragment_id,
            });
        }
        let size = p.data.len() + blob.len();
        if size > self.max_message || buffered + blob.len() > self.max_message {
            return Err(PsrpError::TooLarge {
                what: "message",
                size,
                limit: self.max_message,
            });
        }
        p.data.extend_from_slice(blob);
        p.next_fragment += 1;
        if end {
            let p = self.partial.remove(&object_id);
            return Ok(p.map(|p| Reassembled {
                object_id,
                message: p.data,
            }));
        }
        Ok(None)
    }

    fn buffered(&self) -> usize {
        self.partial.values().map(|p| p.data.len()).sum()
    }

    fn check_total(&self, extra: usize) -> Result<(), PsrpError> {
        let size = self.buffered() + extra;
        if size > self.max_message {
            return Err(PsrpError::TooLarge {
                what: "buffered messages",
                size,
                limit: self.max_message,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode_all(frags: &[Fragment]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in frags {
            f.write_to(&mut out);
        }
        out
    }

    #[test]
    fn header_layout_is_big_endian() {
        let f = Fragment {
            object_id: 6,
            fragment_id: 0,
            start: true,
            end: true,
            blob: vec![0xAA; 100],
        };
        let b = f.to_bytes();
        assert_eq!(
            &b[..21],
            &[0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]
        );
        assert_eq!(parse_fragments(&b), Ok(vec![f]));
    }

    #[test]
    fn fragment_sets_flags_and_ids() {
        let frags = fragment(9, b"abcdefg", 3);
        let flags: Vec<_> = frags
            .iter()
            .map(|f| (f.fragment_id, f.start, f.end, f.blob.len()))
            .collect();
        assert_eq!(
            flags,
            vec![
                (0, true, false, 3),
                (1, false, false, 3),
                (2, false, true, 1)
            ]
        );
        assert!(frags.iter().all(|f| f.object_id == 9));
    }

    #[test]
    fn empty_message_is_one_fragment() {
        let frags = fragment(1, b"", 10);
        assert_eq!(frags.len(), 1);
        assert!(frags[0].start && frags[0].end);
    }

    #[test]
    fn two_messages_in_one_packet() {
        let mut frags = fragment(1, b"first", 100);
        frags.extend(fragment(2, b"second", 100));
        let mut d = Defragmenter::default();
        let got = d.push_packet(&encode_all(&frags)).expect("valid");
        let msgs: Vec<_> = got.iter().map(|m| m.message.as_slice()).collect();
        assert_eq!(msgs, vec![b"first".as_slice(), b"second".as_slice()]);
        assert!(d.is_idle());
    }

    #[test]
    fn gap_is_rejected() {
        let frags = fragment(1, b"abcdef", 2);
        let mut d = Defragmenter::default();
        let bytes = encode_all(&[frags[0].clone(), frags[2].clone()]);
        assert!(matches!(
            d.push_packet(&bytes),
            Err(PsrpError::OutOfOrder {
                expected: 1,
                got: 2,
                ..
            })
        ));
    }

    #[test]
    fn continuation_without_start_is_rejected() {
        let frags = fragment(1, b"abcdef", 2);
        let mut d = Defragmenter::default();
        assert!(matches!(
            d.push_packet(&frags[1].to_bytes()),
            Err(PsrpError::MissingStart { .. })
        ));
    }

    #[test]
    fn absurd_length_is_rejected_without_allocation() {
        let mut header = vec![0u8; 16];
        header.push(3);
        header.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut d = Defragmenter::new(1024);
        assert!(matches!(
            d.push_packet(&header),
            Err(PsrpError::TooLarge { .. })
        ));
    }

    #[test]
    fn message_over_limit_is_rejected() {
        let frags = fragment(1, &[0u8; 100], 10);
        let mut d = Defragmenter::new(50);
        assert!(matches!(
            d.push_packet(&encode_all(&frags)),
            Err(PsrpError::TooLarge { .. })
        ));
    }

    #[test]
    fn truncated_fragment_list_is_an_error() {
        let b = fragment(1, b"hello", 10)[0].to_bytes();
        assert!(matches!(
            parse_fragments(&b[..b.len() - 1]),
            Err(PsrpError::Truncated { .. })
        ));
    }

    proptest! {
        #[test]
        fn reassembles_across_arbitrary_packet_splits(
            msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..5),
            max_blob in 1usize..64,
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut frags = Vec::new();
            for (i, m) in msgs.iter().enumerate() {
                frags.extend(fragment(i as u64 + 1, m, max_blob));
            }
            let stream = encode_all(&frags);
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
            points.push(0);
            points.push(stream.len());
            points.sort_unstable();
            let mut d = Defragmenter::default();
            let mut got = Vec::new();
            for w in points.windows(2) {
                got.extend(d.push_packet(&stream[w[0]..w[1]]).expect("valid stream"));
            }
            let got: Vec<Vec<u8>> = got.into_iter().map(|r| r.message).collect();
            prop_assert_eq!(got, msgs);
            prop_assert!(d.is_idle());
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut d = Defragmenter::new(4096);
            let _ = d.push_packet(&data);
            let _ = parse_fragments(&data);
        }
    }
}
