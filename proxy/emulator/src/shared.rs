//! State shared by every connection of one emulator, and the handle tests hold on it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::Result;
use crate::tenant::Tenant;
use crate::throttle::Throttle;
use crate::token::{Idp, TokenSpec};

pub(crate) struct Shared {
    pub idp: Idp,
    pub tenant: Mutex<Tenant>,
    pub state_file: Option<PathBuf>,
    /// Serialises state-file writes so they land in the order the changes happened.
    pub persist_lock: tokio::sync::Mutex<()>,
    pub throttle: Option<Mutex<Throttle>>,
    pub fail_token: AtomicU32,
    pub fail_invoke: AtomicU32,
    pub token_requests: AtomicU64,
    pub invoke_requests: AtomicU64,
    pub bound: SocketAddr,
}

/// Locks ignoring poisoning: a panicked request must not take the emulator down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes one unit from a failure-injection counter; true when this request should fail.
pub(crate) fn take_failure(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Shared {
    /// Writes the tenant to the state file, if there is one.
    pub async fn persist(self: &Arc<Self>) -> Result<()> {
        let Some(path) = self.state_file.clone() else {
            return Ok(());
        };
        let _order = self.persist_lock.lock().await;
        let snapshot = lock(&self.tenant).clone();
        tokio::task::spawn_blocking(move || crate::state::save(&path, &snapshot)).await?
    }
}

/// Runtime control over a running emulator. Cheap to clone.
#[derive(Clone)]
pub struct EmulatorHandle {
    pub(crate) shared: Arc<Shared>,
}

impl EmulatorHandle {
    /// The next `n` token requests answer 503.
    pub fn fail_next_token_requests(&self, n: u32) {
        self.shared.fail_token.store(n, Ordering::SeqCst);
    }

    /// The next `n` InvokeCommand requests answer 503.
    pub fn fail_next_invoke_requests(&self, n: u32) {
        self.shared.fail_invoke.store(n, Ordering::SeqCst);
    }

    /// Token requests received so far, failed ones included.
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// InvokeCommand requests received so far, failed ones included.
    pub fn invoke_requests(&self) -> u64 {
        self.shared.invoke_requests.load(Ordering::SeqCst)
    }

    /// Signs a token as the emulator's identity provider would, or deliberately wrong.
    pub fn mint_token(&self, spec: &TokenSpec) -> Result<String, jsonwebtoken::errors::Error> {
        self.shared.idp.mint(spec)
    }

    /// A copy of the tenant as it is now.
    pub fn tenant_snapshot(&self) -> Tenant {
        lock(&self.shared.tenant).clone()
    }
}
