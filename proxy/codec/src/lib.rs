//! Pure protocol codecs for the PowerShell-LiveID compatibility proxy.
//!
//! Nothing in this crate performs I/O, spawns tasks or reads the clock: every
//! function maps bytes or text to values and back, so the server can be tested
//! against recorded client traffic without a network.
//!
//! Layers, outermost first:
//! - [`wsman`]: SOAP/WS-Management envelopes (requests in, responses and faults out);
//! - [`compression`]: the Xpress chunk framing used when a client negotiates compression;
//! - [`psrp`]: PSRP fragments, messages and the payloads the proxy understands;
//! - [`clixml`]: the PowerShell serialization format carried inside PSRP messages.
#![forbid(unsafe_code)]

pub mod clixml;
pub mod compression;
pub mod psrp;
pub mod wsman;

mod xml_text;
