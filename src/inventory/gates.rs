//! `health` and `rollout`: when a container counts as deployed, and how a deploy moves
//! through a group (canaries, batches, what to do when one fails).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::raw::{RawHealth, RawRollout, Scalar};

/// How long a container must stay up after its restart when nothing says otherwise.
pub const DEFAULT_MIN_HEALTHY: Duration = Duration::from_secs(3);
/// How long a container may take to pass its gate when nothing says otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// A Docker health check, run with the container's `sh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub cmd: String,
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    pub retries: u32,
    #[serde(with = "humantime_serde")]
    pub start_period: Duration,
}

/// A number of containers, or a share of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    Count(u32),
    Percent(u32),
}

impl Amount {
    /// Of `total` containers: a count as it is, a share rounded up, so any share above
    /// zero is at least one container. Never more than `total`.
    pub fn of(self, total: usize) -> usize {
        let n = match self {
            Amount::Count(n) => n as usize,
            Amount::Percent(p) => (total * p as usize).div_ceil(100),
        };
        n.min(total)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Count(n) => write!(f, "{n}"),
            Amount::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// What a deploy does once more containers failed than it tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Every container the deploy changed goes back to the release it had.
    #[default]
    Rollback,
    /// Nothing more is started; what passed stays.
    Halt,
    /// Every batch runs; failures are reported.
    Continue,
}

impl OnFailure {
    pub const NAMES: [&'static str; 3] = ["rollback", "halt", "continue"];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "rollback" => Some(OnFailure::Rollback),
            "halt" => Some(OnFailure::Halt),
            "continue" => Some(OnFailure::Continue),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Rollback => "rollback",
            OnFailure::Halt => "halt",
            OnFailure::Continue => "continue",
        }
    }
}

/// How a group is rolled out, every key resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutPolicy {
    /// First this many of the non-core containers, alone.
    pub canary: Amount,
    /// Then at most this many at once; all at once when none.
    pub batch: Option<Amount>,
    #[serde(with = "humantime_serde")]
    pub min_healthy: Duration,
    #[serde(with = "humantime_serde")]
    pub deadline: Duration,
    pub on_failure: OnFailure,
    pub max_failures: Amount,
}

impl Default for RolloutPolicy {
    fn default() -> Self {
        RolloutSettings::default().resolve()
    }
}

impl RolloutPolicy {
    /// This policy with the keys `over` sets replaced.
    pub fn overridden(&self, over: &RolloutSettings) -> RolloutPolicy {
        RolloutPolicy {
            canary: over.canary.unwrap_or(self.canary),
            batch: over.batch.or(self.batch),
            min_healthy: over.min_healthy.unwrap_or(self.min_healthy),
            deadline: over.deadline.unwrap_or(self.deadline),
            on_failure: over.on_failure.unwrap_or(self.on_failure),
            max_failures: over.max_failures.unwrap_or(self.max_failures),
        }
    }
}

/// One section's `rollout`, or a command line's overrides: each key `None` where it is
/// not set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Amount>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "humantime_serde::option"
    )]
    pub min_healthy: Option<Duration>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "humantime_serde::option"
    )]
    pub deadline: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failures: Option<Amount>,
}

impl RolloutSettings {
    /// `over` wins key by key.
    pub fn layer(&self, over: &RolloutSettings) -> RolloutSettings {
        RolloutSettings {
            canary: over.canary.or(self.canary),
            batch: over.batch.or(self.batch),
            min_healthy: over.min_healthy.or(self.min_healthy),
            deadline: over.deadline.or(self.deadline),
            on_failure: over.on_failure.or(self.on_failure),
            max_failures: over.max_failures.or(self.max_failures),
        }
    }

    pub fn resolve(&self) -> RolloutPolicy {
        RolloutPolicy {
            canary: self.canary.unwrap_or(Amount::Count(0)),
            batch: self.batch,
            min_healthy: self.min_healthy.unwrap_or(DEFAULT_MIN_HEALTHY),
            deadline: self.deadline.unwrap_or(DEFAULT_DEADLINE),
            on_failure: self.on_failure.unwrap_or_default(),
            max_failures: self.max_failures.unwrap_or(Amount::Count(0)),
        }
    }
}

/// `3`, `25%`: a count or a share of containers.
pub fn parse_amount(text: &str) -> Result<Amount, String> {
    let text = text.trim();
    let wrong = || format!("`{text}` is neither a number of containers (3) nor a share (25%)");
    match text.strip_suffix('%') {
        Some(percent) => match percent.trim().parse::<u32>() {
            Ok(p) if p <= 100 => Ok(Amount::Percent(p)),
            Ok(_) => Err(format!("`{text}` is more than 100%")),
            Err(_) => Err(wrong()),
        },
        None => text.parse::<u32>().map(Amount::Count).map_err(|_| wrong()),
    }
}

/// `3s`, `1m30s`, `500ms`; a bare `0` is zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(text).map_err(|_| {
        format!("`{text}` is not a duration; write it with a unit, such as 3s, 500ms or 2m")
    })
}

pub fn parse_health(raw: RawHealth, key: &str, checker: &mut Checker) -> Option<HealthCheck> {
    let at = |field: &str| format!("{key}.{field}");
    let cmd = raw.cmd.trim().to_string();
    if cmd.is_empty() {
        checker.error(
            &at("cmd"),
            "the health check command is empty",
            Some(
                "a shell command whose exit status 0 means healthy, such as `test -f /tmp/ready`"
                    .into(),
            ),
        );
    }
    let mut duration = |value: Option<Scalar>, field: &str, default: Duration, zero_ok: bool| {
        let Some(Scalar(text)) = value else {
            return default;
        };
        match parse_duration(&text) {
            Ok(duration) if duration.is_zero() && !zero_ok => {
                checker.error(&at(field), format!("`{text}` must be more than zero"), None);
                default
            }
            // Docker counts these in nanoseconds and refuses less than a millisecond.
            Ok(duration) if !duration.is_zero() && duration < Duration::from_millis(1) => {
                checker.error(&at(field), format!("`{text}` is less than 1ms"), None);
                default
            }
            Ok(duration) => duration,
            Err(message) => {
                checker.error(&at(field), message, None);
                default
            }
        }
    };
    let interval = duration(raw.interval, "interval", Duration::from_secs(2), false);
    let timeout = duration(raw.timeout, "timeout", Duration::from_secs(2), false);
    let start_period = duration(raw.start_period, "start_period", Duration::ZERO, true);
    let retries = raw.retries.unwrap_or(3);
    if retries == 0 {
        checker.error(&at("retries"), "retries must be at least 1", None);
    }
    (!cmd.is_empty()).then_some(HealthCheck {
        cmd,
        interval,
        timeout,
        retries: retries.max(1),
        start_period,
    })
}

pub fn parse_rollout(raw: RawRollout, key: &str, checker: &mut Checker) -> RolloutSettings {
    let at = |field: &str| format!("{key}.{field}");
    let mut amount = |value: Option<Scalar>, field: &str| {
        let Scalar(text) = value?;
        parse_amount(&text)
            .map_err(|message| checker.error(&at(field), message, None))
            .ok()
    };
    let canary = amount(raw.canary, "canary");
    let batch = amount(raw.batch, "batch");
    let max_failures = amount(raw.max_failures, "max_failures");
    if matches!(batch, Some(Amount::Count(0) | Amount::Percent(0))) {
        checker.error(
            &at("batch"),
            "a batch of no containers would never finish",
            Some("leave `batch` out to deploy every container at once".into()),
        );
    }
    let mut duration = |value: Option<Scalar>, field: &str| {
        let Scalar(text) = value?;
        parse_duration(&text)
            .map_err(|message| checker.error(&at(field), message, None))
            .ok()
    };
    let min_healthy = duration(raw.min_healthy, "min_healthy");
    let deadline = duration(raw.deadline, "deadline");
    if deadline.is_some_and(|deadline| deadline.is_zero()) {
        checker.error(
            &at("deadline"),
            "a deadline of zero leaves no time to pass",
            None,
        );
    }
    let on_failure = raw.on_failure.and_then(|text| {
        OnFailure::parse(&text)
            .ok_or_else(|| {
                let help = super::suggest::did_you_mean(&text, OnFailure::NAMES)
                    .unwrap_or_else(|| format!("use one of: {}", OnFailure::NAMES.join(", ")));
                checker.error(
                    &at("on_failure"),
                    format!("`{text}` is not a failure policy"),
                    Some(help),
                );
            })
            .ok()
    });
    RolloutSettings {
        canary,
        batch,
        min_healthy,
        deadline,
        on_failure,
        max_failures,
    }
}

/// Serde for durations as humantime text (`3s`), for JSON and history.
mod humantime_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&humantime::format_duration(*duration).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use std::time::Duration;

        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            duration: &Option<Duration>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match duration {
                Some(duration) => super::serialize(duration, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Duration>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| super::super::parse_duration(&text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_shares_up_and_never_exceed_the_total() {
        assert_eq!(Amount::Count(3).of(10), 3);
        assert_eq!(Amount::Count(30).of(10), 10);
        assert_eq!(Amount::Count(0).of(10), 0);
        assert_eq!(Amount::Percent(25).of(10), 3);
        assert_eq!(Amount::Percent(25).of(8), 2);
        assert_eq!(Amount::Percent(1).of(3), 1);
        assert_eq!(Amount::Percent(0).of(3), 0);
        assert_eq!(Amount::Percent(100).of(7), 7);
        assert_eq!(Amount::Percent(50).of(0), 0);
    }

    #[test]
    fn amounts_and_durations_parse_as_written() {
        assert_eq!(parse_amount("3"), Ok(Amount::Count(3)));
        assert_eq!(parse_amount("25%"), Ok(Amount::Percent(25)));
        assert!(parse_amount("120%").unwrap_err().contains("more than 100%"));
        assert!(parse_amount("-1").is_err());
        assert!(parse_amount("a few").is_err());
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("3").unwrap_err().contains("with a unit"));
    }
}
