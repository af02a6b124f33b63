//! `exomig-loadgen`: the client side of the proxy benchmarks (issue 8). It speaks WS-Man/PSRP
//! to `exomig proxy` through `exomig-winclient` (the same wire behaviour as Windows
//! PowerShell 5.1's WinRM client) and calls the emulator's REST API directly for the
//! baseline, so that "added latency" compares the same cmdlet on both paths.
//!
//! Modes: [`run::latency`] (open loop at a fixed rate), [`run::throughput`] (N pools back to
//! back), [`run::idle`] (K idle shells, the proxy's RSS read from `/proc`).
#![forbid(unsafe_code)]

pub mod cli;
pub mod procfs;
pub mod rest;
pub mod run;
pub mod stats;
