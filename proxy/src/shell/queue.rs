//! Output queues of encoded fragments.

use std::collections::VecDeque;

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Pool,
    Pipeline(Uuid),
}

/// Encoded fragments waiting for a Receive. Fragments are never split: a Receive takes whole
/// fragments only (MS-PSRP 2.2.4).
#[derive(Debug, Default)]
pub struct OutQueue {
    fragments: VecDeque<Vec<u8>>,
}

impl OutQueue {
    pub fn push(&mut self, fragment: Vec<u8>) {
        self.fragments.push_back(fragment);
    }

    pub fn is_empty(&self) -> bool {
        self.fragments.is_empty()
    }

    /// Takes the leading whole fragments that fit one ReceiveResponse under the client's
    /// MaxEnvelopeSize (always at least one, so an oversized fragment cannot block the queue).
    pub fn take(&mut self, max_envelope_size: usize, command_id_len: usize) -> Vec<Vec<u8>> {
        let sizes: Vec<usize> = self.fragments.iter().map(Vec::len).collect();
        let n = exomig_codec::wsman::budget::packets_that_fit(
            &sizes,
            max_envelope_size,
            command_id_len,
        );
        self.fragments.drain(..n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_whole_fragments_within_the_envelope() {
        let mut q = OutQueue::default();
        for n in [40_000, 40_000, 40_000, 40_000] {
            q.push(vec![0; n]);
        }
        // 153600-byte envelopes hold two 40 KB fragments after base64, not three.
        let first = q.take(153_600, 36);
        assert_eq!(first.len(), 2);
        let second = q.take(10, 36);
        assert_eq!(second.len(), 1, "an oversized fragment still moves");
        assert_eq!(q.take(512_000, 36).len(), 1);
        assert!(q.is_empty());
        assert!(q.take(512_000, 0).is_empty());
    }
}
