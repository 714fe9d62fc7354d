//! `rollback`: put each container back on a release it keeps, from its own copy, and
//! restart it, core units first. Every container's target is found before any is touched.

use futures::future::join_all;

use super::deploy::missing;
use super::fleet::Fleet;
use super::outcome::{FleetUnit, Outcome, Status, UnitKey};
use super::phases::{in_phases, Order};
use super::releases::{in_place, manifest};
use super::reporter::Reporter;
use crate::bundle::reinstate_archive;
use crate::engine::{Connector, Engine, EngineError};
use crate::inventory::Host;
use crate::release::{resolve, short, KeptRelease, RollbackTarget, TargetError, Timeline};

#[derive(Debug, Clone)]
pub struct PlannedRollback {
    pub unit: FleetUnit,
    pub current: Option<String>,
    pub target: Result<KeptRelease, RollbackProblem>,
}

/// Why a container cannot go back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackProblem {
    /// Its host or container cannot be reached: a failure of the fleet.
    #[error("{0}")]
    Unreachable(String),
    /// It does not keep what was asked for: a mistake in the request.
    #[error("{0}")]
    Target(#[from] TargetError),
}

pub struct RollbackPlan<E> {
    fleet: Fleet<E>,
    pub units: Vec<PlannedRollback>,
}

/// Finds each unit's target; a group-wide error when the target matches nothing.
pub async fn plan_rollback<C: Connector>(
    connector: &C,
    units: Vec<FleetUnit>,
    parallel: u32,
    target: RollbackTarget<'_>,
) -> Result<RollbackPlan<C::Engine>, TargetError> {
    let hosts: Vec<&Host> = units.iter().map(|unit| &unit.host).collect();
    let fleet = Fleet::connect(connector, &hosts, parallel).await;
    let observed = join_all(units.iter().map(|unit| async {
        match in_place(&fleet, &unit.host, &unit.key.container).await {
            Ok(Some(found)) => Ok(found.timeline),
            Ok(None) => Err(RollbackProblem::Unreachable(missing(&unit.key))),
            Err(err) => Err(RollbackProblem::Unreachable(err.to_string())),
        }
    }))
    .await;
    let timelines: Vec<Timeline> = observed
        .iter()
        .filter_map(|found| found.as_ref().ok().cloned())
        .collect();
    let mut resolved = resolve(&timelines, target)?.into_iter();
    let units = units
        .into_iter()
        .zip(observed)
        .map(|(unit, found)| match found {
            Ok(timeline) => PlannedRollback {
                unit,
                current: timeline.current,
                target: resolved
                    .next()
                    .expect("one target per timeline")
                    .map_err(RollbackProblem::from),
            },
            Err(problem) => PlannedRollback {
                unit,
                current: None,
                target: Err(problem),
            },
        })
        .collect();
    Ok(RollbackPlan { fleet, units })
}

impl<E: Engine> RollbackPlan<E> {
    pub async fn apply(self, mtime: u64, reporter: &dyn Reporter) -> Vec<Outcome> {
        let keys: Vec<UnitKey> = self
            .units
            .iter()
            .map(|planned| planned.unit.key.clone())
            .collect();
        reporter.begin(&keys);
        let fleet = &self.fleet;
        let outcomes = in_phases(
            &self.units,
            |planned| &planned.unit.key,
            Order::CoreFirst,
            "rolled back",
            reporter,
            |planned| reinstate(fleet, planned, mtime, reporter),
        )
        .await;
        reporter.end();
        outcomes
    }
}

async fn reinstate<E: Engine>(
    fleet: &Fleet<E>,
    planned: &PlannedRollback,
    mtime: u64,
    reporter: &dyn Reporter,
) -> Outcome {
    let unit = &planned.unit;
    let done = |status: Status, detail: String, release: Option<&str>| {
        let mut outcome = Outcome::new(unit.key.clone(), status, detail);
        outcome.release = release.map(str::to_string);
        outcome
    };
    let target = match &planned.target {
        Ok(target) => target.release.as_str(),
        Err(problem) => return done(Status::Failed, problem.to_string(), None),
    };
    if planned.current.as_deref() == Some(target) {
        let detail = format!("already on release {}", short(target));
        return done(Status::Unchanged, detail, Some(target));
    }
    let name = unit.key.container.as_str();
    reporter.step(&unit.key, "reading the release");
    let result = async {
        let Some(manifest) = manifest(fleet, &unit.host, name, target).await? else {
            return Err(EngineError::Other(format!(
                "release {} is no longer kept in the container",
                short(target)
            )));
        };
        reporter.step(&unit.key, "linking");
        let archive = reinstate_archive(&manifest, mtime);
        fleet
            .call(&unit.host, |engine| async move {
                engine.upload(name, archive).await
            })
            .await?;
        reporter.step(&unit.key, "restarting");
        let timeout = unit.stop_timeout;
        fleet
            .call(&unit.host, |engine| async move {
                engine.restart(name, timeout).await
            })
            .await
    }
    .await;
    match result {
        Ok(()) => {
            let was = planned
                .current
                .as_deref()
                .map_or_else(String::new, |current| format!(" (was {})", short(current)));
            done(
                Status::RolledBack,
                format!("release {}{was}", short(target)),
                Some(target),
            )
        }
        Err(err) => done(Status::Failed, err.to_string(), None),
    }
}
