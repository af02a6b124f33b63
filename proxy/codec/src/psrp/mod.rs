//! PowerShell Remoting Protocol (MS-PSRP) framing and the payloads the proxy
//! reads or writes.

pub mod capability;
pub mod client;
mod error;
pub mod fragment;
pub mod message;
pub mod message_type;
pub mod pipeline;
pub mod pool;
pub mod records;

pub use client::ClientMessage;
pub use error::PsrpError;
pub use fragment::{
    fragment, parse_fragments, Defragmenter, Fragment, Reassembled, FRAGMENT_HEADER_LEN,
};
pub use message::{Destination, Message, MESSAGE_HEADER_LEN};
pub use message_type::MessageType;
