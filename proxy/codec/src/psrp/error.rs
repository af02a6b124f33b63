use crate::clixml::ClixmlError;

/// Why PSRP data could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PsrpError {
    /// Fewer bytes than a header needs.
    #[error("truncated {what}: need {need} bytes, have {have}")]
    Truncated {
        /// Which structure was cut short.
        what: &'static str,
        /// Bytes required.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// A fragment arrived out of sequence for its object.
    #[error("fragment {got} of object {object_id} arrived, expected {expected}")]
    OutOfOrder {
        /// The ObjectId.
        object_id: u64,
        /// The FragmentId expected next.
        expected: u64,
        /// The FragmentId received.
        got: u64,
    },
    /// A fragment without the Start flag arrived for an object not in progress.
    #[error("fragment {fragment_id} of object {object_id} has no start")]
    MissingStart {
        /// The ObjectId.
        object_id: u64,
        /// The FragmentId received.
        fragment_id: u64,
    },
    /// A message or fragment exceeds the configured bound.
    #[error("{what} of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// What grew too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The message data is not UTF-8.
    #[error("message data is not UTF-8")]
    NotUtf8,
    /// The message data is not valid CLIXML.
    #[error(transparent)]
    Clixml(#[from] ClixmlError),
    /// The CLIXML is valid but lacks something the message requires.
    #[error("{message} is missing {what}")]
    Missing {
        /// The message kind.
        message: &'static str,
        /// The missing property.
        what: &'static str,
    },
}
