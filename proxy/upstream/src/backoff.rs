//! Jittered exponential backoff with a validating constructor (the linkerd `exp-backoff`
//! shape, style.md §1/§3).

use std::time::Duration;

use rand::Rng;

/// Delay before retry `n` (0-based): `min × 2^n`, capped at `max`, plus up to `jitter` of
/// itself at random, and never more than `max`. Jitter spreads out the retries of many
/// clients that failed together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter: f64,
}

/// Why [`Backoff::try_new`] refused its arguments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidBackoff {
    #[error("maximum backoff ({max:?}) is below the minimum ({min:?})")]
    MaxBelowMin { min: Duration, max: Duration },
    #[error("maximum backoff must be greater than zero")]
    ZeroMax,
    #[error("jitter must be a finite number between 0 and 1, got {0}")]
    Jitter(f64),
}

impl Backoff {
    pub fn try_new(min: Duration, max: Duration, jitter: f64) -> Result<Self, InvalidBackoff> {
        if max.is_zero() {
            return Err(InvalidBackoff::ZeroMax);
        }
        if max < min {
            return Err(InvalidBackoff::MaxBelowMin { min, max });
        }
        if !jitter.is_finite() || !(0.0..=1.0).contains(&jitter) {
            return Err(InvalidBackoff::Jitter(jitter));
        }
        Ok(Backoff { min, max, jitter })
    }

    pub fn min(&self) -> Duration {
        self.min
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The delay before jitter: `min × 2^attempt`, capped at `max`.
    pub fn base(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
        self.min
            .checked_mul(factor)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// The delay for `attempt` given a uniform random `unit` in `[0, 1]` (clamped); exposed so
    /// the bounds can be tested without randomness.
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let base = self.base(attempt);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let extra = base.mul_f64(self.jitter * unit);
        base.saturating_add(extra).min(self.max)
    }

    /// The jittered delay for `attempt`.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, rand::thread_rng().gen_range(0.0..=1.0))
    }
}

impl Default for Backoff {
    /// 500 ms doubling up to 30 s, with up to 50 % jitter.
    fn default() -> Self {
        Backoff {
            min: Duration::from_millis(500),
            max: Duration::from_secs(30),
            jitter: 0.5,
        }
    }
}
