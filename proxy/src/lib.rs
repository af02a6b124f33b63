//! `exomig proxy`: the legacy PowerShell-LiveID endpoint (WS-Management + PSRP over HTTP with
//! Basic auth) in front of the Exchange Online admin REST API.
#![forbid(unsafe_code)]

pub mod auth;
pub mod backend;
pub mod catalog;
pub mod config;
pub mod query;
pub mod users;
