//! `start`, `stop`, `restart` and `rm`.

use std::collections::BTreeSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::frontend::ask;
use super::select::{fleet_units, label, longest_stop, without_hooks};
use super::sequence::blocked;
use super::strategy::strategy;
use super::{App, AppError, Backend, Frontend, Question, RunReport};
use crate::engine::Engine;
use crate::inventory::{Inventory, Selection};
use crate::rollout::{
    self, Execution, Fleet, FleetUnit, Lifecycle, Order, Outcome, Reporter, Status, Stopped,
    Strategy, UnitKey,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LifecycleRequest {
    pub selection: Selection,
    pub action: Lifecycle,
    /// Seconds a container may take to stop, instead of its group's `stop_timeout`.
    pub stop_timeout: Option<u32>,
    /// Do not ask first (`rm`).
    pub yes: bool,
    /// Run none of the groups' hooks.
    #[serde(default)]
    pub no_hooks: bool,
    /// Only these groups (with no group in `selection`); a restart of several groups
    /// goes group by group in dependency order.
    #[serde(default)]
    pub groups: Vec<String>,
}

impl<B: Backend> App<B> {
    pub async fn lifecycle(
        &self,
        request: &LifecycleRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let mut units = fleet_units(&inventory, &request.selection, request.stop_timeout)?;
        if request.no_hooks {
            without_hooks(&mut units);
        }
        if !request.groups.is_empty() {
            for name in &request.groups {
                inventory.select_group(name)?;
            }
            units.retain(|unit| request.groups.contains(&unit.key.group));
        }
        let removes = matches!(request.action, Lifecycle::Remove { .. });
        if removes && !request.yes {
            let whole_fleet = request.selection.group.is_none();
            if !frontend.can_answer() && whole_fleet {
                // Nobody is there to ask, and the whole fleet is a lot to lose to a
                // stray command.
                return Err(AppError::Refused(
                    "`rm --all` removes every container in groups.yaml; without a terminal to confirm on, it needs --yes".into(),
                ));
            }
            if frontend.can_answer() {
                let keys: Vec<UnitKey> = units.iter().map(|unit| unit.key.clone()).collect();
                let question = Question::Remove { units: &keys };
                ask(frontend, &question, "nothing was removed")?;
            }
        }
        let groups: Vec<&str> = units.iter().map(|unit| unit.key.group.as_str()).collect();
        let fleet = self.fleet(&inventory, longest_stop(&units));
        let locks = self.lock(&inventory, &fleet, groups, frontend).await?;
        let interrupted = || frontend.interrupted() || locks.lost();
        let result = async {
            let started = Instant::now();
            // One group's restarts move as its `rollout` says; across groups, every
            // container's own gate applies, all at once after the core units.
            let policy = match &request.selection.group {
                Some(name) => inventory.group(name).map(|group| group.rollout.clone()),
                None => None,
            };
            let strategy = match &policy {
                Some(policy) => strategy(policy, Order::CoreFirst, false),
                None => Strategy::plain(Order::CoreFirst),
            };
            let reporter = frontend.reporter(request.action.name());
            let several: BTreeSet<&str> =
                units.iter().map(|unit| unit.key.group.as_str()).collect();
            let execution = if request.action == Lifecycle::Restart && several.len() > 1 {
                restart_in_order(&fleet, &inventory, &units, reporter.as_ref(), &interrupted).await
            } else {
                rollout::lifecycle(
                    &fleet,
                    &units,
                    request.action,
                    &strategy,
                    reporter.as_ref(),
                    &interrupted,
                )
                .await
            };
            drop(reporter);
            let label = label(&request.selection);
            let mut report = RunReport::new(
                request.action.name(),
                &label,
                execution.outcomes,
                started.elapsed(),
            );
            // Stopped for a broken lock is a failure, not the operator's interruption.
            report.lock_lost = locks.lost();
            report.interrupted =
                execution.stopped == Some(Stopped::Interrupted) && !report.lock_lost;
            if request.action == Lifecycle::Restart {
                report.strategy = policy;
            }
            Ok(report)
        }
        .await;
        locks.release(frontend).await;
        result
    }
}

/// Restarts several groups one after another in dependency order, each as its `rollout`
/// says; a group that failed leaves the groups depending on it alone.
async fn restart_in_order<E: Engine>(
    fleet: &Fleet<E>,
    inventory: &Inventory,
    units: &[FleetUnit],
    reporter: &dyn Reporter,
    interrupted: &(dyn Fn() -> bool + Sync),
) -> Execution {
    let names: Vec<&str> = units.iter().map(|unit| unit.key.group.as_str()).collect();
    let mut all = Execution {
        outcomes: Vec::new(),
        stopped: None,
        failed: 0,
        tolerated: 0,
    };
    let mut failed: Vec<&str> = Vec::new();
    for group in inventory.dependency_order(&names) {
        let of_group: Vec<FleetUnit> = units
            .iter()
            .filter(|unit| unit.key.group == group.name)
            .cloned()
            .collect();
        if let Some(why) = blocked(inventory, &group.name, &failed, "restart") {
            all.outcomes.extend(
                of_group
                    .iter()
                    .map(|unit| Outcome::new(unit.key.clone(), Status::Skipped, why.clone())),
            );
            failed.push(&group.name);
            continue;
        }
        let strategy = strategy(&group.rollout, Order::CoreFirst, false);
        let execution = rollout::lifecycle(
            fleet,
            &of_group,
            Lifecycle::Restart,
            &strategy,
            reporter,
            interrupted,
        )
        .await;
        if execution
            .outcomes
            .iter()
            .any(|outcome| outcome.status.is_failure())
        {
            failed.push(&group.name);
        }
        all.outcomes.extend(execution.outcomes);
        // Too many failures stop this group only; the operator's interruption, all.
        if execution.stopped == Some(Stopped::Interrupted) {
            all.stopped = execution.stopped;
            break;
        }
    }
    all
}
