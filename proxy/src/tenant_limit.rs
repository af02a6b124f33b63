//! A bound on concurrent upstream calls per tenant, so one tenant's burst (or one script
//! running eight pools) cannot spend the whole Exchange Online throttling budget at once or
//! starve other tenants. Calls beyond the bound wait for a slot; they are never refused.
//!
//! Tenant names come from clients (`DelegatedOrg`), so idle entries are pruned to keep the
//! map bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Above this many tracked tenants, idle ones are dropped on the next insert.
const PRUNE_ABOVE: usize = 1024;

#[derive(Debug)]
pub struct TenantLimiter {
    per_tenant: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl TenantLimiter {
    /// `per_tenant` is clamped to at least 1.
    pub fn new(per_tenant: usize) -> Self {
        Self {
            per_tenant: per_tenant.max(1),
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub fn per_tenant(&self) -> usize {
        self.per_tenant
    }

    fn semaphore(&self, tenant: &str) -> Arc<Semaphore> {
        let key = tenant.to_ascii_lowercase();
        // A poisoned map is still a consistent map; keep serving.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.get(&key) {
            return s.clone();
        }
        if slots.len() >= PRUNE_ABOVE {
            let full = self.per_tenant;
            // Idle: nobody holds a permit and nobody else holds the semaphore.
            slots.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < full);
        }
        let s = Arc::new(Semaphore::new(self.per_tenant));
        slots.insert(key, s.clone());
        s
    }

    /// Waits for a slot of `tenant`; the slot is released when the permit drops (also when
    /// the calling future is cancelled). `None` only if the semaphore was closed, which this
    /// type never does; the caller then proceeds unbounded rather than failing the call.
    pub async fn acquire(&self, tenant: &str) -> Option<OwnedSemaphorePermit> {
        self.semaphore(tenant).acquire_owned().await.ok()
    }

    /// A slot if one is free now.
    pub fn try_acquire(&self, tenant: &str) -> Option<OwnedSemaphorePermit> {
        self.semaphore(tenant).try_acquire_owned().ok()
    }

    /// Tenants currently tracked.
    pub fn tracked(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tenant_has_its_own_bound() {
        let limiter = TenantLimiter::new(2);
        let a1 = limiter.try_acquire("contoso.com").expect("first");
        let _a2 = limiter
            .try_acquire("CONTOSO.com")
            .expect("second, same tenant");
        assert!(
            limiter.try_acquire("contoso.com").is_none(),
            "bound reached"
        );
        assert!(
            limiter.try_acquire("fabrikam.com").is_some(),
            "other tenants unaffected"
        );
        drop(a1);
        assert!(
            limiter.try_acquire("contoso.com").is_some(),
            "released on drop"
        );
    }

    #[tokio::test]
    async fn a_waiting_call_gets_the_released_slot() {
        let limiter = Arc::new(TenantLimiter::new(1));
        let held = limiter.acquire("t").await.expect("open");
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let _p = limiter.acquire("t").await;
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "waits while the slot is held");
        drop(held);
        waiter.await.expect("gets the slot once released");
    }

    #[test]
    fn idle_tenants_are_pruned() {
        let limiter = TenantLimiter::new(1);
        let busy = limiter.try_acquire("busy").expect("slot");
        for i in 0..(PRUNE_ABOVE + 10) {
            drop(limiter.try_acquire(&format!("tenant{i}")));
        }
        assert!(
            limiter.tracked() <= PRUNE_ABOVE + 1,
            "{}",
            limiter.tracked()
        );
        assert!(
            limiter.try_acquire("busy").is_none(),
            "a busy tenant is kept"
        );
        drop(busy);
        assert_eq!(TenantLimiter::new(0).per_tenant(), 1);
    }
}
