#![forbid(unsafe_code)]
//! Exchange Online admin REST client (`InvokeCommand`) and the OAuth2 token sources it needs.
//!
//! * [`cloud`]: per-cloud REST base, authority and Exchange resource.
//! * [`token`]: token sources (client secret, certificate assertion, password grant,
//!   pass-through, managed identity) behind the object-safe [`token::TokenSource`] trait.
//! * [`cache`]: [`cache::TokenCache`], early refresh, single flight, jittered backoff.
//! * [`rest`]: [`rest::ExoClient`], parameter encoding, paging, retries and error mapping.

pub mod backoff;
pub mod cache;
pub mod cloud;
pub mod rest;
pub mod secret;
pub mod token;

pub use backoff::{Backoff, InvalidBackoff};
pub use cache::{CacheStats, RefreshPolicy, TokenCache};
pub use cloud::{Endpoints, Environment, UnknownEnvironment};
pub use rest::{
    Anchor, CallContext, ClientEvent, ClientStats, CmdletError, CmdletResult, ErrorCategory,
    ExchangeObserver, ExoClient, ExoClientConfig, ExoError, Paging, ParamValue, Parameters,
    RetryCause, RetryPolicy, TimeoutPolicy,
};
pub use secret::{read_secret_file, strip_one_newline};
pub use token::{AccessToken, FetchOptions, TokenError, TokenSource};
