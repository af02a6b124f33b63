//! Test support: a client that talks to the proxy the way Windows PowerShell 5.1's WinRM
//! client does (psrp.md §1.1, §2.5, §4–§6), so the Windows-only behaviours that pypsrp never
//! exercises — xpress-compressed Send data, creation and command data split over Send,
//! `;PSVersion=` in the query, NoInput=false implicit-remoting calls, and the client-side
//! format checks — are tested in-process.
#![forbid(unsafe_code)]

pub mod checks;
pub mod client;
pub mod envelope;
pub mod messages;
/// The codec's test encoder: Xpress-Huffman blocks and WinRM chunk framing.
pub use exomig_codec::compression::encoder as xpress;

pub use client::{
    windows_endpoint, Exchange, ImportedSession, OpenedPool, PipelineRun, WinClient,
    WinClientConfig, WinClientError,
};
pub use messages::Cmd;
