//! Jittered exponential backoff: constructor validation and bounds.

use std::time::Duration;

use exomig_upstream::{Backoff, InvalidBackoff};
use proptest::prelude::*;

#[test]
fn constructor_rejects_bad_arguments() {
    let s = Duration::from_secs;
    assert_eq!(
        Backoff::try_new(s(1), s(0), 0.5),
        Err(InvalidBackoff::ZeroMax)
    );
    assert_eq!(
        Backoff::try_new(s(5), s(1), 0.5),
        Err(InvalidBackoff::MaxBelowMin {
            min: s(5),
            max: s(1)
        })
    );
    assert!(matches!(
        Backoff::try_new(s(1), s(2), 1.5),
        Err(InvalidBackoff::Jitter(_))
    ));
    assert!(matches!(
        Backoff::try_new(s(1), s(2), f64::NAN),
        Err(InvalidBackoff::Jitter(_))
    ));
    assert!(matches!(
        Backoff::try_new(s(1), s(2), -0.1),
        Err(InvalidBackoff::Jitter(_))
    ));
    assert!(Backoff::try_new(Duration::ZERO, s(2), 0.0).is_ok());
}

#[test]
fn base_doubles_until_the_cap() {
    let b =
        Backoff::try_new(Duration::from_millis(100), Duration::from_secs(1), 0.0).expect("valid");
    let bases: Vec<u128> = (0..6).map(|n| b.base(n).as_millis()).collect();
    assert_eq!(bases, vec![100, 200, 400, 800, 1000, 1000]);
}

proptest! {
    #[test]
    fn delay_stays_within_base_and_max(
        min_ms in 0u64..10_000,
        extra_ms in 1u64..100_000,
        jitter in 0.0f64..=1.0,
        attempt in 0u32..200,
        unit in proptest::num::f64::ANY,
    ) {
        let min = Duration::from_millis(min_ms);
        let max = Duration::from_millis(min_ms + extra_ms);
        let backoff = Backoff::try_new(min, max, jitter).expect("valid arguments");
        let delay = backoff.delay_with(attempt, unit);
        prop_assert!(delay >= backoff.base(attempt));
        prop_assert!(delay >= min);
        prop_assert!(delay <= max);
        let random = backoff.delay(attempt);
        prop_assert!(random >= backoff.base(attempt) && random <= max);
    }

    #[test]
    fn base_never_decreases(min_ms in 1u64..5_000, extra_ms in 0u64..100_000, attempt in 0u32..100) {
        let backoff = Backoff::try_new(
            Duration::from_millis(min_ms),
            Duration::from_millis(min_ms + extra_ms),
            0.3,
        ).expect("valid arguments");
        prop_assert!(backoff.base(attempt + 1) >= backoff.base(attempt));
    }
}
