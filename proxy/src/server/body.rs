//! Reading request bodies under a size limit without losing the connection.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;

/// Past this many bytes an oversized body is no longer drained: the connection is closed
/// instead, so a client cannot make the proxy read without end.
const DRAIN_CAP: usize = 16 * 1024 * 1024;

pub enum BodyOutcome {
    Complete(Bytes),
    /// Larger than the limit but fully read: answer 413 and keep the connection.
    TooLarge,
    /// Larger than the limit and too large to drain: answer 413 and close.
    TooLargeClose,
    /// The client went away or sent a malformed body.
    Broken,
}

pub async fn read_limited(mut body: Incoming, limit: usize, declared: Option<u64>) -> BodyOutcome {
    if declared.is_some_and(|len| len > DRAIN_CAP as u64) {
        return BodyOutcome::TooLargeClose;
    }
    let mut buf = BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return BodyOutcome::Broken;
        };
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total > DRAIN_CAP {
                return BodyOutcome::TooLargeClose;
            }
            if total <= limit {
                buf.extend_from_slice(&data);
            }
        }
    }
    if total > limit {
        BodyOutcome::TooLarge
    } else {
        BodyOutcome::Complete(buf.freeze())
    }
}
