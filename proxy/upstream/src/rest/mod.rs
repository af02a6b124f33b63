//! The `InvokeCommand` client (exo-rest.md §2–§3).

mod client;
mod context;
mod error;
mod params;
mod response;
mod retry;

pub use client::{
    ClientEvent, ClientStats, ExchangeObserver, ExoClient, ExoClientConfig, RetryCause,
};
pub use context::{Anchor, CallContext, APP_ANCHOR_MAILBOX};
pub use error::{CmdletError, ErrorCategory, ExoError, TRANSIENT_EXCEPTIONS};
pub use params::{format_datetime, rewrite_filter_booleans, Paging, ParamValue, Parameters};
pub use response::CmdletResult;
pub use retry::{
    is_idempotent, parse_claims_challenge, parse_retry_after, RetryPolicy, TimeoutPolicy,
};
