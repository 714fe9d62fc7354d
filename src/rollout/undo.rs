//! After a deploy failed past what it tolerates: every container it changed goes back to
//! the release it had, from its own kept copy, core units first, each gated again. A
//! container on its first release has nothing to go back to and is left as it is.

use super::window::windowed;

use super::deploy::{kept_after, DeployOptions, PlannedUnit};
use super::fleet::Fleet;
use super::gate::GateResult;
use super::outcome::{Outcome, Status};
use super::releases::{put_in_place, Placement};
use super::reporter::Reporter;
use super::rollback::read_manifest;
use crate::bundle::{reinstate_archive, Record};
use crate::engine::{Engine, ErrorKind};
use crate::release::{short, State};

pub(super) async fn undo<E: Engine>(
    fleet: &Fleet<E>,
    units: &[PlannedUnit],
    mut outcomes: Vec<Outcome>,
    options: &DeployOptions,
    deploy: &str,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let cause = outcomes
        .iter()
        .find(|outcome| outcome.status == Status::Failed)
        .map(|outcome| format!("{} {}", outcome.unit, outcome.detail))
        .unwrap_or_default();
    // What this deploy touched: deployed, or failed once its files were on the way.
    let touched: Vec<usize> = (0..units.len())
        .filter(|&at| {
            let outcome = &outcomes[at];
            outcome.status == Status::Deployed
                || (outcome.status == Status::Failed && outcome.release.is_some())
        })
        .collect();
    if touched.is_empty() {
        return outcomes;
    }
    let keys: Vec<_> = touched
        .iter()
        .map(|&at| units[at].unit.key.clone())
        .collect();
    reporter.note(&format!(
        "rolling back {} container(s): {cause}",
        touched.len()
    ));
    reporter.begin(&keys);
    let (core, rest): (Vec<usize>, Vec<usize>) =
        touched.iter().partition(|&&at| units[at].unit.key.core);
    for phase in [core, rest] {
        let done = windowed(phase.iter().map(|&at| {
            let outcome = &outcomes[at];
            back(
                fleet, &units[at], outcome, options, deploy, &cause, reporter,
            )
        }))
        .await;
        for (at, outcome) in phase.into_iter().zip(done) {
            reporter.finish(&outcome);
            outcomes[at] = outcome;
        }
    }
    outcomes
}

/// Puts one container back; its outcome says what it was and what became of it.
async fn back<E: Engine>(
    fleet: &Fleet<E>,
    planned: &PlannedUnit,
    deployed: &Outcome,
    options: &DeployOptions,
    deploy: &str,
    cause: &str,
    reporter: &dyn Reporter,
) -> Outcome {
    let mut outcome = deployed.clone();
    let failed = deployed.status == Status::Failed;
    let Ok(plan) = &planned.plan else {
        return outcome;
    };
    let previous = plan
        .in_place
        .timeline
        .current
        .as_deref()
        .filter(|previous| *previous != plan.manifest.release);
    let Some(previous) = previous else {
        outcome.detail = format!(
            "{}; left as it is: no earlier release to go back to",
            deployed.detail
        );
        return outcome;
    };
    let unit = planned.unit.fleet_unit();
    let went_back = async {
        // Read back from the container as a rollback reads it: checked against its id
        // and for paths jdeploy never writes.
        let manifest = read_manifest(fleet, &unit, previous)
            .await
            .map_err(|err| err.to_string())?;
        let (kept, pruned) = kept_after(plan, options, deploy);
        // What the deploy left: the new release in place where it passed, the previous
        // one where it did not.
        let (current, before) = if failed {
            let in_place = &plan.in_place.timeline;
            (in_place.current.as_deref(), in_place.kept.without(&pruned))
        } else {
            (Some(plan.manifest.release.as_str()), kept.clone())
        };
        let mut after = kept;
        for entry in &mut after.releases {
            entry.undone |= entry.deploy == deploy;
        }
        // The deploy restarted it: its start time is asked again, not taken from the plan.
        let name = unit.key.container.as_str();
        let details = fleet
            .call(
                &unit.host,
                |engine| async move { engine.inspect(name).await },
            )
            .await
            .map_err(|err| err.to_string())?
            .ok_or_else(|| "the container is gone".to_string())?;
        let state = State::pending(
            current,
            before,
            previous,
            details.started_at.as_deref(),
            after,
        );
        let mtime = options.stamp.mtime;
        let record = Record {
            state: &state,
            pruned: &pruned,
            legacy_links: plan.in_place.legacy,
        };
        let files = reinstate_archive(&manifest, &record, mtime).map_err(|err| err.to_string())?;
        reporter.step(&unit.key, "rolling back");
        let placement = Placement::Restart {
            files,
            state,
            mtime,
        };
        put_in_place(fleet, &unit, placement, reporter)
            .await
            .map_err(|err| err.to_string())
    };
    let back_to = short(previous);
    match went_back.await {
        Ok(gate) if gate.as_ref().is_none_or(|gate| gate.passed) => {
            outcome.release = Some(previous.to_string());
            if failed {
                outcome.detail = format!("{}; rolled back to {back_to}", deployed.detail);
            } else {
                outcome.status = Status::RolledBack;
                outcome.error_kind = None;
                outcome.detail = format!("back on {back_to}: {cause}");
            }
            // A failed container keeps the gate it failed: that is what to act on.
            if !failed {
                outcome.gate = gate.or(outcome.gate);
            }
        }
        Ok(gate) => {
            let why = gate
                .as_ref()
                .and_then(|gate: &GateResult| gate.reason.clone())
                .unwrap_or_default();
            outcome.status = Status::Failed;
            outcome.error_kind = Some(ErrorKind::Unhealthy);
            outcome.detail = format!(
                "{}; rolled back to {back_to}, which failed its gate too: {why}",
                deployed.detail
            );
            outcome.gate = gate;
        }
        Err(err) => {
            outcome.status = Status::Failed;
            outcome.error_kind = outcome.error_kind.or(Some(ErrorKind::Engine));
            outcome.detail = format!(
                "{}; could not roll back to {back_to}: {err}",
                deployed.detail
            );
        }
    }
    outcome
}
