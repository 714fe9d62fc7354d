//! `jdeploy rollback`: back to an earlier release, every container or none.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::confirm::{confirm, on_terminal};
use super::fleet::{fleet_units, longest_stop, selection};
use super::load_inventory_for_fleet;
use super::record::{record, RunInfo};
use super::rollout::{connector, finish, reporter, runtime};
use crate::cli::args::RollbackArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::engine::Engine;
use crate::release::{short, RollbackTarget};
use crate::rollout::{self, Outcome, RollbackPlan, RollbackProblem, Status};

pub fn rollback(args: &RollbackArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory_for_fleet(settings)?;
    let group = inventory.select_group(&args.group)?;
    let units = fleet_units(
        &inventory,
        &selection(Some(&group.name), &args.narrow),
        None,
    )?;
    let target = match &args.to {
        Some(to) => RollbackTarget::To(to),
        None => RollbackTarget::Steps(args.steps.unwrap_or(1) as usize),
    };
    let runtime = runtime()?;
    let started_at = SystemTime::now();
    let started = Instant::now();
    let plan = runtime
        .block_on(rollout::plan_rollback(
            &connector(&inventory, longest_stop(&units)),
            units,
            inventory.connection.parallel,
            target,
        ))
        .map_err(|err| {
            anyhow::anyhow!(
                "cannot roll back {}: {err}; nothing was changed",
                group.name
            )
        })?;
    let info = |elapsed| RunInfo {
        command: "rollback",
        group: &group.name,
        flags: serde_json::json!({ "to": args.to, "steps": args.steps }),
        deploy: None,
        started: started_at,
        elapsed,
    };
    if plan.units.iter().any(|planned| planned.target.is_err()) {
        let (outcomes, status) = refusal(&plan);
        record(settings, info(started.elapsed()), &outcomes);
        finish(
            settings,
            "rollback",
            &group.name,
            &outcomes,
            started.elapsed(),
        )?;
        return Ok(status);
    }
    if !args.yes && on_terminal() {
        for planned in &plan.units {
            let to = planned
                .target
                .as_ref()
                .map(|target| short(&target.manifest.release))
                .unwrap_or("-");
            let from = planned.current.as_deref().map(short).unwrap_or("-");
            eprintln!("{}: {from} -> {to}", planned.unit.key);
        }
        let question = format!(
            "Roll back {} container(s) of {}?",
            plan.units.len(),
            group.name
        );
        if !confirm(&question)? {
            settings
                .printer()
                .error("nothing was rolled back: not confirmed (--yes skips the question)");
            return Ok(ExitStatus::Failure);
        }
    }
    let mtime = started_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let reporter = reporter(settings, "rollback");
    let outcomes = runtime.block_on(plan.apply(mtime, reporter.as_ref()));
    let elapsed = started.elapsed();
    record(settings, info(elapsed), &outcomes);
    finish(settings, "rollback", &group.name, &outcomes, elapsed)
}

/// Every container goes back, or none: a group half on one release and half on another
/// is worse than either. Exit 2 when the request asked for what is not kept, 1 when a
/// container or host is at fault.
fn refusal<E: Engine>(plan: &RollbackPlan<E>) -> (Vec<Outcome>, ExitStatus) {
    let outcomes = plan
        .units
        .iter()
        .map(|planned| match &planned.target {
            Err(RollbackProblem::Blocked) => Outcome::new(
                planned.unit.key.clone(),
                Status::Skipped,
                RollbackProblem::Blocked.to_string(),
            ),
            Err(problem) => Outcome::new(
                planned.unit.key.clone(),
                Status::Failed,
                problem.to_string(),
            ),
            Ok(target) => Outcome::new(
                planned.unit.key.clone(),
                Status::Skipped,
                format!(
                    "not rolled back to {}: not every container can go back",
                    short(&target.manifest.release)
                ),
            ),
        })
        .collect();
    let fleet_at_fault = plan
        .units
        .iter()
        .any(|planned| matches!(planned.target, Err(RollbackProblem::Container(_))));
    let status = if fleet_at_fault {
        ExitStatus::Failure
    } else {
        ExitStatus::Error
    };
    (outcomes, status)
}
