//! Errors of starting and running the emulator.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid signing key: {0}")]
    SigningKey(String),
    #[error("invalid client certificate: {0}")]
    Certificate(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid seed {path}: {reason}")]
    Seed { path: PathBuf, reason: String },
    #[error("invalid state file {path}: {source}")]
    State {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("the state file {path} holds tenant '{found}', not '{expected}'")]
    StateTenant {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("cannot write state file {path}: {source}")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the server task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
