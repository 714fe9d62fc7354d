//! `start`, `stop`, `restart` and `rm`.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::select::{fleet_units, label, longest_stop, without_hooks};
use super::strategy::strategy;
use super::{App, AppError, Backend, Frontend, Question, RunReport};
use crate::inventory::Selection;
use crate::rollout::{self, Lifecycle, Order, Stopped, Strategy, UnitKey};

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
                if !frontend.confirm(&question).map_err(AppError::Refused)? {
                    return Err(AppError::NotConfirmed(
                        "nothing was removed: not confirmed (--yes skips the question)".into(),
                    ));
                }
            }
        }
        let groups: Vec<&str> = units.iter().map(|unit| unit.key.group.as_str()).collect();
        let locks = self.lock(&inventory, groups, frontend).await?;
        let interrupted = || frontend.interrupted() || locks.lost();
        let result = async {
            let started = Instant::now();
            let fleet = self.fleet(&inventory, longest_stop(&units));
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
            let execution = rollout::lifecycle(
                &fleet,
                &units,
                request.action,
                &strategy,
                reporter.as_ref(),
                &interrupted,
            )
            .await;
            drop(reporter);
            let label = label(&request.selection);
            let mut report = RunReport::new(
                request.action.name(),
                &label,
                execution.outcomes,
                started.elapsed(),
            );
            report.interrupted = execution.stopped == Some(Stopped::Interrupted);
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
