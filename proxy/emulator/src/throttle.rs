//! `--throttle N`: N InvokeCommand calls per sliding window (a minute unless
//! `--throttle-window` says otherwise) per tenant.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The contract's window: `--throttle N` means N calls per minute.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

pub(crate) struct Throttle {
    limit: u32,
    window: Duration,
    calls: VecDeque<Instant>,
}

/// The outcome of one admission check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Admission {
    Allowed { remaining: u32, reset_in: Duration },
    Throttled { retry_after: Duration },
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            calls: VecDeque::new(),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    pub fn admit(&mut self, now: Instant) -> Admission {
        while self
            .calls
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            self.calls.pop_front();
        }
        let used = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        let window = self.window;
        let oldest_expiry = |calls: &VecDeque<Instant>| {
            calls.front().map_or(window, |t| {
                window.saturating_sub(now.saturating_duration_since(*t))
            })
        };
        if used >= self.limit {
            return Admission::Throttled {
                retry_after: oldest_expiry(&self.calls),
            };
        }
        self.calls.push_back(now);
        Admission::Allowed {
            remaining: self.limit - used - 1,
            reset_in: oldest_expiry(&self.calls),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_limit_then_throttles_until_window_passes() {
        let start = Instant::now();
        let mut t = Throttle::new(2, DEFAULT_WINDOW);
        assert!(matches!(
            t.admit(start),
            Admission::Allowed { remaining: 1, .. }
        ));
        assert!(matches!(
            t.admit(start + Duration::from_secs(10)),
            Admission::Allowed { remaining: 0, .. }
        ));
        match t.admit(start + Duration::from_secs(20)) {
            Admission::Throttled { retry_after } => {
                assert_eq!(retry_after, Duration::from_secs(40))
            }
            other => panic!("expected throttling, got {other:?}"),
        }
        assert!(matches!(
            t.admit(start + Duration::from_secs(61)),
            Admission::Allowed { .. }
        ));
    }

    #[test]
    fn a_shorter_window_admits_again_sooner() {
        let start = Instant::now();
        let mut t = Throttle::new(1, Duration::from_secs(2));
        assert!(matches!(
            t.admit(start),
            Admission::Allowed { remaining: 0, .. }
        ));
        match t.admit(start + Duration::from_millis(500)) {
            Admission::Throttled { retry_after } => {
                assert_eq!(retry_after, Duration::from_millis(1500))
            }
            other => panic!("expected throttling, got {other:?}"),
        }
        assert!(matches!(
            t.admit(start + Duration::from_secs(2)),
            Admission::Allowed { .. }
        ));
    }
}
