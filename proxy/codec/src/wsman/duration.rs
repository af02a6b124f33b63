//! xs:duration as WS-Management uses it.

use std::time::Duration;

/// Parses `PnDTnHnMn.nS`-style durations (`PT20S`, `PT60.000S`, `P1DT2H`).
/// Years and months are refused because they have no fixed length.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let rest = text.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut secs = 0f64;
    let mut any = false;
    for (part, units) in [
        (date, &[('D', 86_400f64)][..]),
        (time, &[('H', 3_600f64), ('M', 60f64), ('S', 1f64)][..]),
    ] {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let factor = units.iter().find(|(u, _)| *u == c)?.1;
            let v: f64 = num.parse().ok()?;
            secs += v * factor;
            num.clear();
            any = true;
        }
        if !num.is_empty() {
            return None;
        }
    }
    if !any || !secs.is_finite() || secs > 1e12 {
        return None;
    }
    Some(Duration::from_secs_f64(secs))
}

/// `PT<seconds>.<milliseconds, 3 digits>S`: Windows PowerShell reads IdleTimeOut
/// at fixed offsets and throws on any other shape (psrp.md §2.5).
pub fn format_idle_timeout(d: Duration) -> String {
    format!("PT{}.{:03}S", d.as_secs(), d.subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_has_exactly_three_fraction_digits() {
        assert_eq!(format_idle_timeout(Duration::from_secs(900)), "PT900.000S");
        assert_eq!(
            format_idle_timeout(Duration::from_millis(7_250)),
            "PT7.250S"
        );
    }

    #[test]
    fn parses_wsman_durations() {
        assert_eq!(parse_duration("PT20S"), Some(Duration::from_secs(20)));
        assert_eq!(
            parse_duration("PT60.500S"),
            Some(Duration::from_millis(60_500))
        );
        assert_eq!(
            parse_duration("P1DT2H3M"),
            Some(Duration::from_secs(86_400 + 7_200 + 180))
        );
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P1Y"), None);
        assert_eq!(parse_duration("20"), None);
        assert_eq!(parse_duration("PT5"), None);
    }
}
