//! Keeping ReceiveResponses within the client's MaxEnvelopeSize.
//!
//! Fragments are never split across Stream elements or responses (MS-PSRP
//! 2.2.4), so the server sizes fragments for the budget and then packs whole
//! ones, one Stream element each as Windows does.

use std::collections::VecDeque;

use super::response::{receive_response, CommandState, ReceiveResponse, ReplyTo, StreamPacket};
use crate::psrp::FRAGMENT_HEADER_LEN;

/// Room kept for the envelope, header, CommandState and element markup.
pub const ENVELOPE_RESERVE: usize = 2048;
/// pypsrp's initial MaxEnvelopeSize, used when a request names none.
pub const DEFAULT_MAX_ENVELOPE: usize = 153_600;
/// Per-Stream-element markup estimate beyond the CommandId.
const STREAM_OVERHEAD: usize = 64;
/// Bytes added per chunk when a shell compresses (stored chunk header).
const CHUNK_HEADER: usize = 4;

/// Raw (pre-base64) bytes of stream data that fit in one response.
pub fn payload_budget(max_envelope_size: usize) -> usize {
    max_envelope_size.saturating_sub(ENVELOPE_RESERVE) / 4 * 3
}

/// Largest fragment blob so that one fragment alone fits a response, minus the
/// stored-chunk headers (one per 64 KiB) when the shell compresses.
pub fn max_fragment_blob(max_envelope_size: usize, compressed: bool) -> usize {
    let payload = payload_budget(max_envelope_size);
    let extra = if compressed {
        CHUNK_HEADER * payload.div_ceil(crate::compression::MAX_CHUNK)
    } else {
        0
    };
    payload_budget(max_envelope_size)
        .saturating_sub(FRAGMENT_HEADER_LEN + extra + STREAM_OVERHEAD)
        .max(1)
}

fn encoded_stream_len(raw: usize, command_id_len: usize) -> usize {
    raw.div_ceil(3) * 4 + STREAM_OVERHEAD + command_id_len
}

/// How many of the leading packets (each one whole fragment, already framed)
/// fit in one response. Always at least one when any is given, so output keeps
/// moving even if a caller built an oversized fragment.
pub fn packets_that_fit(
    packet_sizes: &[usize],
    max_envelope_size: usize,
    command_id_len: usize,
) -> usize {
    let budget = max_envelope_size.saturating_sub(ENVELOPE_RESERVE);
    let mut used = 0usize;
    let mut n = 0;
    for size in packet_sizes {
        let next = used + encoded_stream_len(*size, command_id_len);
        if next > budget && n > 0 {
            break;
        }
        used = next;
        n += 1;
    }
    n
}

/// Takes the leading packets that fit one ReceiveResponse from `queue`; the
/// rest stay queued for the client's next Receive. Pair with
/// [`receive_response`] and report `CommandState::Running` while the queue is
/// not empty.
pub fn take_for_response(
    queue: &mut VecDeque<StreamPacket>,
    max_envelope_size: usize,
    command_id: Option<&str>,
) -> Vec<StreamPacket> {
    let sizes: Vec<usize> = queue.iter().map(|p| p.data.len()).collect();
    let n = packets_that_fit(&sizes, max_envelope_size, command_id.map_or(0, str::len));
    queue.drain(..n).collect()
}

/// Builds the ReceiveResponse for whatever of `queue` fits, with CommandState
/// `Running` while packets remain or `done` is false, else `Done`.
pub fn next_receive_response(
    reply: &ReplyTo,
    queue: &mut VecDeque<StreamPacket>,
    max_envelope_size: usize,
    command_id: Option<&str>,
    done: bool,
) -> String {
    let streams = take_for_response(queue, max_envelope_size, command_id);
    let state = command_id.map(|_| {
        if done && queue.is_empty() {
            CommandState::Done { exit_code: Some(0) }
        } else {
            CommandState::Running
        }
    });
    receive_response(
        reply,
        &ReceiveResponse {
            command_id: command_id.map(str::to_owned),
            streams,
            state,
        },
    )
}
