//! `--throttle N`: N InvokeCommand calls per sliding minute per tenant.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub(crate) struct Throttle {
    limit: u32,
    calls: VecDeque<Instant>,
}

/// The outcome of one admission check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Admission {
    Allowed { remaining: u32, reset_in: Duration },
    Throttled { retry_after: Duration },
}

impl Throttle {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            calls: VecDeque::new(),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn admit(&mut self, now: Instant) -> Admission {
        while self
            .calls
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            self.calls.pop_front();
        }
        let used = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        let oldest_expiry = |calls: &VecDeque<Instant>| {
            calls.front().map_or(WINDOW, |t| {
                WINDOW.saturating_sub(now.saturating_duration_since(*t))
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
        let mut t = Throttle::new(2);
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
}
