//! CLIXML, PowerShell's object serialization format (MS-PSRP 2.2.5, serialization
//! version 1.1.0.1).
//!
//! [`Value`] / [`PsObject`] model what travels; [`to_clixml`] writes a value as it
//! appears inside a PSRP message and [`from_clixml`] reads one back, resolving
//! `Ref`/`TNRef` back-references. [`json`] maps Exchange REST output to objects.

mod escape;
pub mod json;
mod reader;
mod value;
mod writer;

pub use escape::{decode as unescape, encode as escape};
pub use reader::{from_clixml, from_clixml_all, ClixmlError};
pub use value::{Container, PsObject, SecureString, Value};
pub use writer::{to_clixml, Writer};

#[cfg(test)]
mod tests;
