//! When a container may be restarted by the watcher: at once the first time, then after
//! a backoff that doubles, and at most so many times an hour, so a container that
//! cannot stay up is not restarted forever.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::rollout::UnitKey;

const HOUR: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealPolicy {
    /// The wait after the first heal; each next doubles it.
    pub backoff: Duration,
    /// Heals of one container within any hour.
    pub per_hour: usize,
}

impl Default for HealPolicy {
    fn default() -> Self {
        Self {
            backoff: Duration::from_secs(30),
            per_hour: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealDecision {
    Now,
    /// Backing off: not before this much longer.
    Later(Duration),
    /// The hour's heals are spent.
    Capped,
}

#[derive(Debug, Default)]
pub struct Healer {
    policy: HealPolicy,
    /// Each container's heals within the last hour, oldest first.
    heals: HashMap<UnitKey, VecDeque<Instant>>,
}

impl Healer {
    pub fn new(policy: HealPolicy) -> Self {
        Self {
            policy,
            heals: HashMap::new(),
        }
    }

    pub fn decide(&mut self, unit: &UnitKey, now: Instant) -> HealDecision {
        let Some(heals) = self.heals.get_mut(unit) else {
            return HealDecision::Now;
        };
        while heals
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= HOUR)
        {
            heals.pop_front();
        }
        let Some(last) = heals.back() else {
            return HealDecision::Now;
        };
        if heals.len() >= self.policy.per_hour {
            return HealDecision::Capped;
        }
        let doublings = u32::try_from(heals.len() - 1).unwrap_or(u32::MAX).min(16);
        let wait = self.policy.backoff.saturating_mul(1 << doublings);
        let since = now.saturating_duration_since(*last);
        if since >= wait {
            HealDecision::Now
        } else {
            HealDecision::Later(wait - since)
        }
    }

    pub fn healed(&mut self, unit: &UnitKey, at: Instant) {
        self.heals.entry(unit.clone()).or_default().push_back(at);
    }
}
