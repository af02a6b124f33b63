//! `exomig proxy`: the legacy PowerShell-LiveID endpoint (WS-Management + PSRP over HTTP with
//! Basic auth) in front of the Exchange Online admin REST API.
//!
//! Request flow: [`server`] (HTTP, routing, body limit) → [`auth`] (Basic, identity modes) →
//! [`wsman_ops`] (WS-Man operations) → [`session`] (PSRP messages of a [`shell`]) →
//! [`pipeline`] (local commands, Exchange cmdlets through [`backend`], metadata from
//! [`catalog`]) → output queued on the shell for the next Receive.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod backend;
pub mod catalog;
pub mod config;
pub mod error_map;
pub mod pipeline;
pub mod query;
pub mod server;
pub mod session;
pub mod shell;
pub mod upstream_backend;
pub mod users;
pub mod wsman_ops;

pub use app::App;
pub use config::ProxyConfig;
pub use server::Server;
pub mod login_guard;
pub mod metrics;
pub mod observe;
pub mod settings;
pub mod telemetry;
pub mod tenant_limit;
pub mod tls;
