//! Latency histograms and their summaries.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Recorded latencies in microseconds, 3 significant digits, up to 10 minutes.
pub struct Latencies {
    hist: Histogram<u64>,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    pub fn new() -> Self {
        Self {
            // Bounds are constants well inside what hdrhistogram accepts.
            hist: Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds"),
        }
    }

    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        // Values past the bound are saturated rather than dropped: a sample is never lost.
        self.hist.saturating_record(us.max(1));
    }

    pub fn merge(&mut self, other: &Latencies) {
        // Both histograms share the same bounds, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
    }

    pub fn len(&self) -> u64 {
        self.hist.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hist.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let q = |quantile: f64| {
            if self.hist.is_empty() {
                0
            } else {
                self.hist.value_at_quantile(quantile)
            }
        };
        Summary {
            count: self.hist.len(),
            p50_us: q(0.50),
            p90_us: q(0.90),
            p99_us: q(0.99),
            max_us: if self.hist.is_empty() {
                0
            } else {
                self.hist.max()
            },
            mean_us: if self.hist.is_empty() {
                0.0
            } else {
                self.hist.mean()
            },
        }
    }
}

/// Percentiles of one set of samples, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
}

/// Microseconds as milliseconds with three decimals, for tables.
pub fn ms(us: u64) -> String {
    format!("{:.3}", us as f64 / 1000.0)
}

/// A signed difference in microseconds as milliseconds.
pub fn ms_diff(a: u64, b: u64) -> String {
    let d = a as f64 - b as f64;
    format!("{:+.3}", d / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut l = Latencies::new();
        // 1..=1000 ms: p50 = 500 ms, p90 = 900 ms, p99 = 990 ms within 0.1%.
        for i in 1..=1000u64 {
            l.record(Duration::from_millis(i));
        }
        let s = l.summary();
        assert_eq!(s.count, 1000);
        let near = |got: u64, want: u64| {
            let err = (got as f64 - want as f64).abs() / want as f64;
            assert!(err < 0.001, "got {got}, want {want}");
        };
        near(s.p50_us, 500_000);
        near(s.p90_us, 900_000);
        near(s.p99_us, 990_000);
        near(s.max_us, 1_000_000);
        assert!((s.mean_us - 500_500.0).abs() / 500_500.0 < 0.001);
    }

    #[test]
    fn a_tail_shows_in_p99_not_p50() {
        let mut l = Latencies::new();
        for _ in 0..980 {
            l.record(Duration::from_micros(300));
        }
        for _ in 0..20 {
            l.record(Duration::from_millis(50));
        }
        let s = l.summary();
        assert!((299..=301).contains(&s.p50_us), "{s:?}");
        assert!((49_900..=50_100).contains(&s.p99_us), "{s:?}");
    }

    #[test]
    fn merge_and_empty() {
        let mut a = Latencies::new();
        assert!(a.is_empty());
        assert_eq!(a.summary().p99_us, 0);
        let mut b = Latencies::new();
        b.record(Duration::from_micros(10));
        b.record(Duration::from_secs(3600)); // past the bound: saturated, still counted
        a.merge(&b);
        assert_eq!(a.len(), 2);
        assert!(a.summary().max_us >= 599_000_000);
    }

    #[test]
    fn formatting() {
        assert_eq!(ms(1234), "1.234");
        assert_eq!(ms_diff(1500, 1000), "+0.500");
        assert_eq!(ms_diff(1000, 1500), "-0.500");
    }
}
