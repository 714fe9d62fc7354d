//! `--since`: a point in time, however an operator finds it easiest to write.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch from an RFC 3339 time, a duration ago, or seconds themselves.
pub fn parse_since(text: &str) -> Result<i64, String> {
    parse_since_at(text, SystemTime::now())
}

fn parse_since_at(text: &str, now: SystemTime) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    let at = match humantime::parse_rfc3339_weak(text) {
        Ok(at) => at,
        Err(_) => {
            let ago = humantime::parse_duration(text).map_err(|_| {
                format!("`{text}` is neither a time (2026-11-22T10:00:00Z), a duration ago (10m, 1h30m) nor seconds since the epoch")
            })?;
            now.checked_sub(ago).unwrap_or(UNIX_EPOCH)
        }
    };
    Ok(at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_durations_and_seconds_are_understood() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        assert_eq!(parse_since_at("9000", now), Ok(9000));
        assert_eq!(parse_since_at("10m", now), Ok(9400));
        assert_eq!(parse_since_at("1h 30m", now), Ok(4600));
        assert_eq!(parse_since_at("1970-01-01T01:00:00Z", now), Ok(3600));
        assert!(parse_since_at("yesterday", now)
            .unwrap_err()
            .contains("`yesterday` is neither"));
    }
}
