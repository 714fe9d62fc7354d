//! Watching the fleet: what each container's state means, what changed since the last
//! look, and when a container may be healed again. Pure: the server looks and acts.

mod heal;

use std::collections::HashMap;

use serde::Serialize;

pub use heal::{HealDecision, HealPolicy, Healer};

use crate::engine::{ContainerDetails, EngineError};
use crate::plan::ContainerState;
use crate::rollout::UnitKey;

/// A container as a watcher sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum Condition {
    Running,
    /// Running, and its health check fails.
    Unhealthy,
    Restarting,
    /// Stopped on its own or by someone: `code` is how its process ended.
    Exited {
        code: Option<i64>,
    },
    /// Created and never started, or paused.
    Stopped,
    /// The host has no such container.
    Missing,
    /// Its host could not be asked.
    Unreachable {
        error: String,
    },
}

impl Condition {
    pub fn of(observed: &Result<Option<ContainerDetails>, EngineError>) -> Condition {
        match observed {
            Err(err) => Condition::Unreachable {
                error: err.to_string(),
            },
            Ok(None) => Condition::Missing,
            Ok(Some(details)) => match details.state {
                ContainerState::Running if details.health.as_deref() == Some("unhealthy") => {
                    Condition::Unhealthy
                }
                ContainerState::Running => Condition::Running,
                ContainerState::Restarting => Condition::Restarting,
                ContainerState::Exited | ContainerState::Dead => Condition::Exited {
                    code: details.exit_code,
                },
                _ => Condition::Stopped,
            },
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Condition::Running => "running",
            Condition::Unhealthy => "unhealthy",
            Condition::Restarting => "restarting",
            Condition::Exited { .. } => "exited",
            Condition::Stopped => "stopped",
            Condition::Missing => "missing",
            Condition::Unreachable { .. } => "unreachable",
        }
    }

    /// What a restart may cure.
    pub fn is_healable(&self) -> bool {
        matches!(self, Condition::Exited { .. } | Condition::Unhealthy)
    }

    /// In words, for events and messages: `exited (code 137)`.
    pub fn describe(&self) -> String {
        match self {
            Condition::Exited { code: Some(code) } => format!("exited (code {code})"),
            Condition::Unreachable { error } => format!("host unreachable: {error}"),
            Condition::Running => "back to running".into(),
            other => other.name().into(),
        }
    }
}

/// A container whose condition changed between two looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub unit: UnitKey,
    /// None on the first look.
    pub from: Option<Condition>,
    pub to: Condition,
}

/// The last condition of every container watched.
#[derive(Debug, Default)]
pub struct Watcher {
    last: HashMap<UnitKey, Condition>,
}

impl Watcher {
    /// What changed since the last look. On the first look only containers not running
    /// are changes: a watcher starting on a healthy fleet has nothing to say. A change in
    /// an unreachable host's error is no change.
    pub fn observe(&mut self, seen: Vec<(UnitKey, Condition)>) -> Vec<Change> {
        self.observe_holding(seen, |_| false)
    }

    /// As [`Watcher::observe`], but units `held` says are being acted on (their group is
    /// locked: a deploy restarts them) keep their last condition and tell nothing: the
    /// look after the command compares with the state before it.
    pub fn observe_holding(
        &mut self,
        seen: Vec<(UnitKey, Condition)>,
        held: impl Fn(&UnitKey) -> bool,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut now = HashMap::with_capacity(seen.len());
        for (unit, condition) in seen {
            let from = self.last.get(&unit).cloned();
            if held(&unit) {
                if let Some(from) = from {
                    now.insert(unit, from);
                }
                continue;
            }
            if self.differs(&unit, &condition) {
                changes.push(Change {
                    unit: unit.clone(),
                    from,
                    to: condition.clone(),
                });
            }
            now.insert(unit, condition);
        }
        self.last = now;
        changes
    }

    /// Whether `condition` would be a change for `unit`.
    pub fn differs(&self, unit: &UnitKey, condition: &Condition) -> bool {
        match self.last.get(unit) {
            None => *condition != Condition::Running,
            Some(before) => before.name() != condition.name(),
        }
    }
}

#[cfg(test)]
mod tests;
