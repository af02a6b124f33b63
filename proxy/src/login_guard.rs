//! Failed-login back-off per user name and client address, so a password cannot be guessed
//! at wire speed.
//!
//! After [`GuardPolicy::free_failures`] consecutive failures a (user, client) pair is locked
//! for `base × 2^(n − free − 1)` (capped at `max`); while locked, attempts are refused
//! without checking the password, which also spares the argon2 cost. A success clears the
//! counter.
//!
//! The key includes the client's address because a per-name lock lets anyone lock a known
//! user out on purpose; keyed per pair, an attacker only slows down their own attempts. The
//! address is the IPv4 address, or the /64 prefix of an IPv6 address (one host usually
//! holds a whole /64, so per-address keys would hand it 2^64 fresh budgets).
//!
//! Memory is bounded: entries are keyed by a SHA-256 of the lower-cased name and the client
//! prefix (an attacker's long names cost 32 bytes each), forgotten after `forget_after`
//! without failures, and at most `capacity` are kept; when full, the least recently failed
//! entry is evicted.
//!
//! Time is passed in by the caller so behaviour can be tested without sleeping.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardPolicy {
    /// Failures allowed before the first lock (typos happen).
    pub free_failures: u32,
    /// First lock duration.
    pub base: Duration,
    /// Longest lock.
    pub max: Duration,
    /// A user without failures for this long is forgotten.
    pub forget_after: Duration,
    /// (user, client) pairs tracked at once.
    pub capacity: usize,
}

impl Default for GuardPolicy {
    fn default() -> Self {
        Self {
            free_failures: 3,
            base: Duration::from_secs(1),
            max: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
            capacity: 10_000,
        }
    }
}

/// Why an attempt is refused before the password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed logins; retry in {retry_after:?}")]
pub struct LockedOut {
    pub retry_after: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

#[derive(Debug)]
pub struct LoginGuard {
    policy: GuardPolicy,
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

impl Default for LoginGuard {
    fn default() -> Self {
        Self::new(GuardPolicy::default())
    }
}

impl LoginGuard {
    pub fn new(policy: GuardPolicy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn policy(&self) -> GuardPolicy {
        self.policy
    }

    /// Whether `user` may try a password from `client` now.
    pub fn check(&self, user: &str, client: IpAddr, now: Instant) -> Result<(), LockedOut> {
        let key = key(user, client);
        let Ok(entries) = self.entries.lock() else {
            // A poisoned lock only means another thread panicked mid-update; failing open
            // here would disable the guard, failing closed would lock everyone out. The
            // password check still runs, so open is the lesser harm.
            return Ok(());
        };
        match entries.get(&key).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(LockedOut {
                retry_after: until - now,
            }),
            _ => Ok(()),
        }
    }

    /// Records a failed password from `client`; returns the lock now in force, if any.
    pub fn record_failure(&self, user: &str, client: IpAddr, now: Instant) -> Option<Duration> {
        let key = key(user, client);
        let Ok(mut entries) = self.entries.lock() else {
            return None;
        };
        let forget_after = self.policy.forget_after;
        if !entries.contains_key(&key) && entries.len() >= self.policy.capacity {
            entries.retain(|_, e| now.saturating_duration_since(e.last_failure) < forget_after);
            if entries.len() >= self.policy.capacity {
                if let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.last_failure)
                    .map(|(k, _)| *k)
                {
                    entries.remove(&oldest);
                }
            }
        }
        let entry = entries.entry(key).or_insert(Entry {
            failures: 0,
            locked_until: None,
            last_failure: now,
        });
        if now.saturating_duration_since(entry.last_failure) >= forget_after {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let lock = self.lock_for(entry.failures);
        entry.locked_until = lock.map(|d| now + d);
        lock
    }

    /// Clears the failure count of this (user, client) pair after a successful login.
    pub fn record_success(&self, user: &str, client: IpAddr) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&key(user, client));
        }
    }

    /// (user, client) pairs currently tracked (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    fn lock_for(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.policy.free_failures)?;
        if over == 0 {
            return None;
        }
        let factor = 1u32.checked_shl(over - 1).unwrap_or(u32::MAX);
        Some(
            self.policy
                .base
                .checked_mul(factor)
                .unwrap_or(self.policy.max)
                .min(self.policy.max),
        )
    }
}

fn key(user: &str, client: IpAddr) -> [u8; 32] {
    let mut hash = Sha256::new();
    // Length-prefixed so that no name/address pair can collide with another.
    let name = user.to_lowercase();
    hash.update((name.len() as u64).to_be_bytes());
    hash.update(name.as_bytes());
    match client_prefix(client) {
        IpAddr::V4(v4) => hash.update(v4.octets()),
        IpAddr::V6(v6) => hash.update(v6.octets()),
    }
    hash.finalize().into()
}

/// The part of a client address that identifies one client: an IPv4 address (also when
/// written as an IPv4-mapped IPv6 address), or the /64 network of an IPv6 address.
fn client_prefix(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Compares two secrets without an early exit on the first differing byte. Lengths are not
/// hidden; compare digests when they must be.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    fn policy() -> GuardPolicy {
        GuardPolicy {
            free_failures: 2,
            base: Duration::from_secs(1),
            max: Duration::from_secs(8),
            forget_after: Duration::from_secs(600),
            capacity: 4,
        }
    }

    #[test]
    fn locks_grow_exponentially_up_to_the_cap() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        let locks: Vec<Option<Duration>> = (0..7)
            .map(|i| guard.record_failure("alice", IP, t0 + Duration::from_secs(100 * i)))
            .collect();
        let secs: Vec<Option<u64>> = locks.iter().map(|l| l.map(|d| d.as_secs())).collect();
        assert_eq!(
            secs,
            vec![None, None, Some(1), Some(2), Some(4), Some(8), Some(8)]
        );
    }

    #[test]
    fn a_locked_user_is_refused_until_the_lock_ends_and_others_are_not() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        for _ in 0..4 {
            guard.record_failure("Alice", IP, t0);
        }
        let err = guard
            .check("alice", IP, t0)
            .expect_err("locked, case-insensitively");
        assert_eq!(err.retry_after, Duration::from_secs(2));
        assert!(guard.check("bob", IP, t0).is_ok());
        assert!(guard
            .check("alice", IP, t0 + Duration::from_secs(2))
            .is_ok());
    }

    #[test]
    fn failures_from_one_address_do_not_lock_the_user_out_elsewhere() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        for _ in 0..6 {
            guard.record_failure("alice", OTHER_IP, t0);
        }
        assert!(
            guard.check("alice", OTHER_IP, t0).is_err(),
            "the attacker is slowed"
        );
        assert!(
            guard.check("alice", IP, t0).is_ok(),
            "the user's own address is not locked"
        );
        // A success from the user's address leaves the attacker's lock in place.
        guard.record_success("alice", IP);
        assert!(guard.check("alice", OTHER_IP, t0).is_err());
    }

    #[test]
    fn an_ipv6_client_is_one_client_across_its_64_and_mapped_v4_is_v4() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("v6");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("v6");
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().expect("v6");
        for _ in 0..3 {
            guard.record_failure("alice", a, t0);
        }
        assert!(guard.check("alice", b, t0).is_err(), "same /64");
        assert!(guard.check("alice", elsewhere, t0).is_ok(), "another /64");
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("mapped");
        for _ in 0..3 {
            guard.record_failure("bob", mapped, t0);
        }
        assert!(
            guard.check("bob", IP, t0).is_err(),
            "mapped v4 is the v4 address"
        );
    }

    #[test]
    fn success_clears_and_quiet_time_forgets() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        for _ in 0..3 {
            guard.record_failure("alice", IP, t0);
        }
        guard.record_success("ALICE", IP);
        assert!(guard.check("alice", IP, t0).is_ok());
        assert_eq!(
            guard.record_failure("alice", IP, t0),
            None,
            "counter restarted"
        );
        // Three more failures, but spread beyond forget_after: never locked.
        let mut t = t0;
        for _ in 0..3 {
            t += Duration::from_secs(601);
            assert_eq!(guard.record_failure("alice", IP, t), None);
        }
    }

    #[test]
    fn memory_stays_bounded_under_a_name_spray() {
        let guard = LoginGuard::new(policy());
        let t0 = Instant::now();
        for i in 0..1000u64 {
            guard.record_failure(&format!("user{i}"), IP, t0 + Duration::from_millis(i));
        }
        assert_eq!(guard.tracked(), 4);
        // The newest entries are the ones kept.
        for _ in 0..2 {
            guard.record_failure("user999", IP, t0 + Duration::from_secs(2));
        }
        assert!(guard
            .check("user999", IP, t0 + Duration::from_secs(2))
            .is_err());
    }

    #[test]
    fn constant_time_comparison_is_still_a_comparison() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"short", b"longer"));
    }
}
