//! All shells of the process, keyed by ShellId, with per-user limits and idle reaping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Shell;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CreateError {
    #[error("This user is allowed a maximum number of {0} concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user.")]
    Quota(usize),
    #[error("a shell with this id already exists")]
    Exists,
    #[error("the proxy is shutting down")]
    ShuttingDown,
}

pub struct ShellRegistry {
    shells: Mutex<HashMap<String, Arc<Shell>>>,
    max_per_user: usize,
    max_total: usize,
    idle_timeout: Duration,
    shutting_down: AtomicBool,
    closing: AtomicBool,
}

impl ShellRegistry {
    pub fn new(max_per_user: usize, max_total: usize, idle_timeout: Duration) -> Self {
        Self {
            shells: Mutex::new(HashMap::new()),
            max_per_user,
            max_total,
            idle_timeout,
            shutting_down: AtomicBool::new(false),
            closing: AtomicBool::new(false),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Shell>>> {
        self.shells.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    pub fn insert(&self, shell: Shell) -> Result<Arc<Shell>, CreateError> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(CreateError::ShuttingDown);
        }
        let key = shell.id.to_ascii_uppercase();
        let mut map = self.map();
        if map.contains_key(&key) {
            return Err(CreateError::Exists);
        }
        let owned = map.values().filter(|s| s.owner == shell.owner).count();
        if owned >= self.max_per_user {
            return Err(CreateError::Quota(self.max_per_user));
        }
        if map.len() >= self.max_total {
            return Err(CreateError::Quota(self.max_per_user));
        }
        let shell = Arc::new(shell);
        map.insert(key, shell.clone());
        Ok(shell)
    }

    /// The shell, if it exists *and* belongs to `owner`: another user's shell is reported as
    /// absent so its existence is not revealed.
    pub fn get(&self, id: &str, owner: &str) -> Option<Arc<Shell>> {
        self.map()
            .get(&id.to_ascii_uppercase())
            .filter(|s| s.owner == owner)
            .cloned()
    }

    pub fn remove(&self, id: &str, owner: &str) -> Option<Arc<Shell>> {
        let mut map = self.map();
        let key = id.to_ascii_uppercase();
        if map.get(&key).is_some_and(|s| s.owner == owner) {
            let shell = map.remove(&key);
            drop(map);
            if let Some(s) = &shell {
                close(s);
            }
            shell
        } else {
            None
        }
    }

    /// Pipelines started and not yet finished, across all shells (graceful shutdown waits
    /// for them).
    pub fn running_pipelines(&self) -> usize {
        let shells: Vec<Arc<Shell>> = self.map().values().cloned().collect();
        shells
            .iter()
            .map(|s| {
                s.lock()
                    .pipelines
                    .values()
                    .filter(|p| !p.finished && p.task.is_some())
                    .count()
            })
            .sum()
    }

    /// Pipelines still running, or finished with output their client has not received yet,
    /// across all shells: a graceful shutdown serves their clients until this is zero.
    pub fn undelivered_pipelines(&self) -> usize {
        let shells: Vec<Arc<Shell>> = self.map().values().cloned().collect();
        shells
            .iter()
            .map(|s| {
                s.lock()
                    .pipelines
                    .values()
                    .filter(|p| (!p.finished && p.task.is_some()) || !p.out.is_empty())
                    .count()
            })
            .sum()
    }

    pub fn count(&self) -> usize {
        self.map().len()
    }

    /// Drops shells idle for longer than the idle timeout; returns how many.
    pub fn reap_idle(&self) -> usize {
        let now = Instant::now();
        let mut map = self.map();
        let stale: Vec<String> = map
            .iter()
            .filter(|(_, s)| s.idle_for(now) > self.idle_timeout)
            .map(|(k, _)| k.clone())
            .collect();
        let removed: Vec<Arc<Shell>> = stale.iter().filter_map(|k| map.remove(k)).collect();
        drop(map);
        for s in &removed {
            close(s);
        }
        removed.len()
    }

    /// Refuses new shells. Existing shells keep working, so that their running pipelines
    /// can finish and be received (see [`Self::close`]).
    pub fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// The last step of a shutdown: releases every parked Receive (answered as timed out)
    /// and keeps new ones from waiting, so connections can close.
    pub fn close(&self) {
        self.shutdown();
        self.closing.store(true, Ordering::SeqCst);
        let shells: Vec<Arc<Shell>> = self.map().values().cloned().collect();
        for s in shells {
            s.changed.notify_waiters();
        }
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }
}

/// Marks a shell closed, stops its pipelines and wakes its waiters.
fn close(shell: &Shell) {
    {
        let mut st = shell.lock();
        st.closed = true;
        for p in st.pipelines.values_mut() {
            if let Some(t) = p.task.take() {
                t.abort();
            }
        }
    }
    shell.changed.notify_waiters();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::UpstreamCredential;
    use crate::query::ConnectionQuery;

    fn shell(id: &str, owner: &str) -> Shell {
        Shell::new(
            id.into(),
            owner.into(),
            owner.into(),
            UpstreamCredential::App,
            ConnectionQuery::default(),
            "127.0.0.1".into(),
        )
    }

    #[test]
    fn quota_is_per_user_and_lookup_hides_other_users() {
        let reg = ShellRegistry::new(2, 100, Duration::from_secs(900));
        reg.insert(shell("A", "alice")).expect("1st");
        reg.insert(shell("B", "alice")).expect("2nd");
        assert_eq!(
            reg.insert(shell("C", "alice")).err(),
            Some(CreateError::Quota(2))
        );
        reg.insert(shell("D", "bob"))
            .expect("bob has his own quota");
        assert_eq!(
            reg.insert(shell("a", "bob")).err(),
            Some(CreateError::Exists)
        );
        assert!(
            reg.get("a", "alice").is_some(),
            "ids compare case-insensitively"
        );
        assert!(reg.get("A", "bob").is_none());
        assert!(reg.remove("A", "bob").is_none());
        let removed = reg.remove("A", "alice").expect("owner removes");
        assert!(removed.lock().closed);
        reg.insert(shell("C", "alice")).expect("room again");
    }

    #[test]
    fn reaps_only_idle_shells() {
        let reg = ShellRegistry::new(10, 100, Duration::from_millis(0));
        reg.insert(shell("A", "alice")).expect("insert");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(reg.reap_idle(), 1);
        assert_eq!(reg.count(), 0);
        let reg = ShellRegistry::new(10, 100, Duration::from_secs(900));
        reg.insert(shell("A", "alice")).expect("insert");
        assert_eq!(reg.reap_idle(), 0);
    }

    #[test]
    fn total_limit_applies_across_owners() {
        let reg = ShellRegistry::new(10, 2, Duration::from_secs(900));
        reg.insert(shell("A", "token:1")).expect("1st");
        reg.insert(shell("B", "token:2")).expect("2nd");
        assert!(matches!(
            reg.insert(shell("C", "token:3")),
            Err(CreateError::Quota(_))
        ));
    }

    #[test]
    fn shutdown_refuses_new_shells() {
        let reg = ShellRegistry::new(10, 100, Duration::from_secs(900));
        reg.shutdown();
        assert_eq!(
            reg.insert(shell("A", "x")).err(),
            Some(CreateError::ShuttingDown)
        );
    }
}
