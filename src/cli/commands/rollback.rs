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
use crate::release::{short, RollbackTarget};
use crate::rollout::{self, Outcome, RollbackProblem, Status};

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

    // Every container goes back, or none: a group half on one release and half on
    // another is worse than either.
    let problems: Vec<&RollbackProblem> = plan
        .units
        .iter()
        .filter_map(|planned| planned.target.as_ref().err())
        .collect();
    if !problems.is_empty() {
        let outcomes: Vec<Outcome> = plan
            .units
            .iter()
            .map(|planned| match &planned.target {
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
                        short(&target.release)
                    ),
                ),
            })
            .collect();
        finish(
            settings,
            "rollback",
            &group.name,
            &outcomes,
            started.elapsed(),
        )?;
        let mistaken = problems
            .iter()
            .any(|problem| matches!(problem, RollbackProblem::Target(_)));
        return Ok(if mistaken {
            ExitStatus::Error
        } else {
            ExitStatus::Failure
        });
    }
    if !args.yes && on_terminal() {
        for planned in &plan.units {
            let to = planned
                .target
                .as_ref()
                .map(|target| short(&target.release))
                .unwrap_or("-");
            let from = planned.current.as_deref().map(short).unwrap_or("-");
            eprintln!("{}: {from} -> {to}", planned.unit.key);
        }
        if !confirm(&format!(
            "Roll back {} container(s) of {}?",
            plan.units.len(),
            group.name
        ))? {
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
    let info = RunInfo {
        command: "rollback",
        group: &group.name,
        flags: serde_json::json!({ "to": args.to, "steps": args.steps }),
        deploy: None,
        started: started_at,
        elapsed,
    };
    record(settings, info, &outcomes);
    finish(settings, "rollback", &group.name, &outcomes, elapsed)
}
