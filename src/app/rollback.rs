//! `rollback`: back to an earlier release, every container or none.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::announce::announce_start;
use super::frontend::ask;
use super::hooks::HookContext;
use super::record::RunInfo;
use super::select::{fleet_units, longest_stop, without_hooks};
use super::strategy::strategy;
use super::{App, AppError, Backend, Frontend, Move, Question, RunReport};
use crate::engine::{Engine, ErrorKind};
use crate::inventory::Selection;
use crate::release::{short, RollbackTarget};
use crate::rollout::{self, Order, Outcome, RollbackPlan, RollbackProblem, Status, Stopped};
use crate::secrets::EnvMask;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollbackRequest {
    pub group: String,
    /// Host and container patterns narrowing the group.
    pub hosts: Vec<String>,
    pub containers: Vec<String>,
    pub to: RollbackTo,
    /// Do not ask first.
    pub yes: bool,
    /// Run none of the group's hooks.
    #[serde(default)]
    pub no_hooks: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackTo {
    /// This many deploys back.
    Steps(usize),
    /// The deploy or release whose id starts so.
    Release(String),
}

impl<B: Backend> App<B> {
    pub async fn rollback(
        &self,
        request: &RollbackRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        let selection = Selection {
            group: Some(group.name.clone()),
            hosts: request.hosts.clone(),
            containers: request.containers.clone(),
        };
        let mut units = fleet_units(&inventory, &selection, None)?;
        if request.no_hooks {
            without_hooks(&mut units);
        }
        let target = match &request.to {
            RollbackTo::Release(to) => RollbackTarget::To(to),
            RollbackTo::Steps(steps) => RollbackTarget::Steps(*steps),
        };
        let fleet = self.fleet(&inventory, longest_stop(&units));
        let mask = EnvMask::new(group);
        // Asked before the lock is taken: an unanswered question must not hold the group.
        let mut shown = None;
        if !request.yes && frontend.can_answer() {
            let plan = rollout::plan_rollback(&fleet, units.clone(), target, &mask).await;
            if let Some(moves) = plan.ok().and_then(|plan| moves(&plan)) {
                let question = Question::Rollback {
                    group: &group.name,
                    moves: &moves,
                };
                ask(frontend, &question, "nothing was rolled back")?;
                shown = Some(moves);
            }
        }
        let locks = self
            .lock(&inventory, &fleet, [group.name.as_str()], frontend)
            .await?;
        let interrupted = || frontend.interrupted() || locks.lost();
        let result = async {
            let started_at = SystemTime::now();
            let started = Instant::now();
            let plan = rollout::plan_rollback(&fleet, units, target, &mask)
                .await
                .map_err(|err| {
                    AppError::Refused(format!(
                        "cannot roll back {}: {err}; nothing was changed",
                        group.name
                    ))
                })?;
            let flags = match &request.to {
                RollbackTo::Release(to) => serde_json::json!({ "to": to, "steps": null }),
                RollbackTo::Steps(steps) => serde_json::json!({ "to": null, "steps": steps }),
            };
            let info = || RunInfo {
                flags: flags.clone(),
                deploy: None,
                started: started_at,
            };
            if plan.units.iter().any(|planned| planned.target.is_err()) {
                let (outcomes, refused) = refusal(&plan);
                let mut report =
                    RunReport::new("rollback", &group.name, outcomes, started.elapsed());
                report.refused = refused;
                self.record(frontend, info(), &report);
                return Ok(report);
            }
            if shown.is_some() && shown != moves(&plan) {
                return Err(AppError::Aborted(
                    "the group changed while the question was open; nothing was rolled back; run it again"
                        .into(),
                ));
            }
            let mtime = started_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            let policy = &group.rollout;
            let strategy = strategy(policy, Order::CoreFirst, false);
            let hooks = HookContext {
                inventory: &inventory,
                group,
                command: "rollback",
                deploy: None,
                flags: None,
                containers: plan
                    .units
                    .iter()
                    .map(|planned| planned.unit.key.to_string())
                    .collect(),
                performer: frontend.operator(),
            };
            announce_start(group, "rollback", frontend).await;
            let reporter = frontend.reporter("rollback");
            let execution = plan
                .apply(mtime, &strategy, reporter.as_ref(), &interrupted)
                .await;
            drop(reporter);
            let mut report = RunReport::new(
                "rollback",
                &group.name,
                execution.outcomes,
                started.elapsed(),
            );
            // Stopped for a broken lock is a failure, not the operator's interruption.
            report.lock_lost = locks.lost();
            report.interrupted =
                execution.stopped == Some(Stopped::Interrupted) && !report.lock_lost;
            report.strategy = Some(policy.clone());
            self.conclude(
                frontend,
                group,
                info(),
                &report,
                (!request.no_hooks).then_some(&hooks),
            )
            .await;
            Ok(report)
        }
        .await;
        locks.release(frontend).await;
        result
    }
}

/// Each container's move, when every one has somewhere to go.
fn moves<E>(plan: &RollbackPlan<'_, E>) -> Option<Vec<Move>> {
    plan.units
        .iter()
        .map(|planned| {
            let target = planned.target.as_ref().ok()?;
            Some(Move {
                unit: planned.unit.key.clone(),
                from: planned.current.clone(),
                to: Some(target.manifest.release.clone()),
            })
        })
        .collect()
}

/// Every container goes back, or none: a group half on one release and half on another
/// is worse than either. Refused (nothing changed, exit 2) when the request asked for
/// what is not kept; failed when a container or host is at fault.
fn refusal<E: Engine>(plan: &RollbackPlan<'_, E>) -> (Vec<Outcome>, bool) {
    let outcomes = plan
        .units
        .iter()
        .map(|planned| {
            let key = planned.unit.key.clone();
            match &planned.target {
                Err(RollbackProblem::Blocked) => {
                    Outcome::new(key, Status::Skipped, RollbackProblem::Blocked.to_string())
                }
                Err(RollbackProblem::Container(err)) => Outcome::error(key, err),
                Err(problem) => Outcome::failed(key, ErrorKind::Refused, problem.to_string()),
                Ok(target) => Outcome::new(
                    key,
                    Status::Skipped,
                    format!(
                        "not rolled back to {}: not every container can go back",
                        short(&target.manifest.release)
                    ),
                ),
            }
        })
        .collect();
    let fleet_at_fault = plan
        .units
        .iter()
        .any(|planned| matches!(planned.target, Err(RollbackProblem::Container(_))));
    (outcomes, !fleet_at_fault)
}
