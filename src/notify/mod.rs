//! Webhook notifications: what a command did, posted to the targets a group's `notify`
//! names. Sending never fails a command: what goes wrong comes back as warnings.

mod message;
mod send;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::app::RunReport;
pub use crate::inventory::notify::{EventKind, NotifyFormat, NotifyTarget};
pub use message::{body, text};
pub use send::Sender;

/// What a command did, as targets are told it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "event")]
    pub kind: EventKind,
    /// The group acted on, or `all`.
    pub group: String,
    /// create, deploy, rollback, start, stop, restart or rm.
    pub command: String,
    /// The release a deploy put in place, in full.
    pub deploy: Option<String>,
    /// `user@machine` who ran it.
    pub by: String,
    /// `ok`, `failed`, `rolled back` or `started`.
    pub result: String,
    /// How many containers ended in each status (`deployed`, `failed`, ...).
    pub counts: BTreeMap<String, usize>,
    /// Every container that failed or was skipped, in the report's order.
    pub failed: Vec<FailedUnit>,
    pub elapsed_secs: f64,
}

/// Why a container failed, as a webhook may be told: a hook's output stays here, since
/// whatever a hook prints (its environment, say) is not for a chat room.
fn reason(outcome: &crate::rollout::Outcome) -> String {
    match outcome.error_kind {
        Some(crate::engine::ErrorKind::Hook) => match outcome.detail.split_once(": ") {
            Some((why, _output)) => why.to_string(),
            None => outcome.detail.clone(),
        },
        _ => outcome.detail.clone(),
    }
}

/// A container the command did not do its job on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedUnit {
    pub container: String,
    /// The `host` value as groups.yaml spells it.
    pub host: String,
    /// As the outcome says it; it may hold text from the container.
    pub reason: String,
}

impl Event {
    /// What `report` says, told as `kind`; `deploy` is the release a deploy put in place.
    pub fn from_report(
        kind: EventKind,
        report: &RunReport,
        deploy: Option<String>,
        by: String,
    ) -> Self {
        let mut counts = BTreeMap::new();
        let mut failed = Vec::new();
        for outcome in &report.outcomes {
            *counts
                .entry(outcome.status.as_str().to_string())
                .or_insert(0) += 1;
            if outcome.status.is_failure() {
                failed.push(FailedUnit {
                    container: outcome.unit.container.clone(),
                    host: outcome.unit.host.clone(),
                    reason: reason(outcome),
                });
            }
        }
        let result = if report.rolled_back {
            "rolled back"
        } else if report.ok() {
            "ok"
        } else {
            "failed"
        };
        Self {
            kind,
            group: report.group.clone(),
            command: report.command.clone(),
            deploy,
            by,
            result: result.to_string(),
            counts,
            failed,
            elapsed_secs: (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        }
    }

    /// A command about to act on `group`.
    pub fn started(group: &str, command: &str, by: String) -> Self {
        Self {
            kind: EventKind::Start,
            group: group.to_string(),
            command: command.to_string(),
            deploy: None,
            by,
            result: "started".to_string(),
            counts: BTreeMap::new(),
            failed: Vec::new(),
            elapsed_secs: 0.0,
        }
    }
}

impl Event {
    /// What the watcher saw of one container (`kind` Watch), or did to it (Heal):
    /// `what` as a reason (`exited (code 137)`, `restarted`).
    pub fn watched(
        kind: EventKind,
        unit: &crate::rollout::UnitKey,
        what: &str,
        by: String,
    ) -> Self {
        Self {
            kind,
            group: unit.first_group().to_string(),
            command: kind.as_str().to_string(),
            deploy: None,
            by,
            result: what.to_string(),
            counts: BTreeMap::from([(what.to_string(), 1)]),
            failed: vec![FailedUnit {
                container: unit.container.clone(),
                host: unit.host.clone(),
                reason: what.to_string(),
            }],
            elapsed_secs: 0.0,
        }
    }
}

/// Posts `event` to each of `targets` whose `on` names its kind, all at once, with the
/// default [`Sender`]. Returns one warning per target that was not reached; never fails.
pub async fn notify(targets: &[NotifyTarget], event: &Event) -> Vec<String> {
    Sender::default().send(targets, event).await
}

#[cfg(test)]
mod tests;
