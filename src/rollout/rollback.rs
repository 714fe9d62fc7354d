//! `rollback`: put each container back on a release it keeps, from its own copy, and
//! restart it, core units first. Every container's target, and the manifest to put it
//! back from, is found before any container is touched.

use super::window::windowed;

use super::executor::{execute, Execution, Strategy};
use super::fleet::Fleet;
use super::outcome::{FleetUnit, Outcome, Status, UnitError};
use super::releases::{in_place, manifest, put_in_place, InPlace, Placement};
use super::reporter::Reporter;
use crate::bundle::{record_archive, reinstate_archive, Record};
use crate::engine::{Engine, EngineError, ErrorKind};
use crate::release::{
    contradictions, resolve, short, Kept, Manifest, RollbackTarget, State, TargetError, Timeline,
    CLOCK_SKEW,
};
use crate::secrets::EnvMask;

#[derive(Debug, Clone)]
pub struct PlannedRollback {
    pub unit: FleetUnit,
    pub current: Option<String>,
    /// The files in place are the current release's; a failed restart leaves them not.
    pub settled: bool,
    /// What it keeps now, recorded as kept until it starts on the target.
    pub kept: Kept,
    /// Its start time when it was asked, as the engine reported it.
    pub started_at: Option<String>,
    /// Its releases were read from an earlier version's links.
    pub legacy: bool,
    pub target: Result<Destination, RollbackProblem>,
}

/// Where a container goes back to, and what it will keep.
#[derive(Debug, Clone)]
pub struct Destination {
    pub manifest: Manifest,
    /// The kept list with the deploys after the target marked undone.
    pub kept: Kept,
}

/// Why a container cannot go back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackProblem {
    /// Its host cannot be reached, it is gone, or it changed under its releases: the
    /// fleet, not the request, is at fault.
    #[error("{0}")]
    Container(UnitError),
    /// It does not keep what was asked for: a mistake in the request.
    #[error("{0}")]
    Target(#[from] TargetError),
    /// Nothing is wrong with it, but another container could not be asked.
    #[error("not rolled back: not every container could be asked")]
    Blocked,
}

pub struct RollbackPlan<'f, E> {
    fleet: &'f Fleet<E>,
    pub units: Vec<PlannedRollback>,
}

/// Finds each unit's target and reads its manifest; a group-wide error when the target
/// matches nothing.
pub async fn plan_rollback<'f, E: Engine>(
    fleet: &'f Fleet<E>,
    units: Vec<FleetUnit>,
    target: RollbackTarget<'_>,
    secrets: &EnvMask,
) -> Result<RollbackPlan<'f, E>, TargetError> {
    let observed: Vec<Result<InPlace, RollbackProblem>> =
        windowed(units.iter().map(|unit| async {
            match in_place(fleet, &unit.host, &unit.key.container, secrets, false).await {
                Ok(Some(found)) => Ok(found),
                Ok(None) => Err(RollbackProblem::Container(UnitError::missing(&unit.key))),
                Err(err) => Err(err.into()),
            }
        }))
        .await;
    // A target found without some containers could be the wrong one: ask them all first.
    if observed.iter().any(Result::is_err) {
        let units = units
            .into_iter()
            .zip(observed)
            .map(|(unit, found)| PlannedRollback {
                unit,
                current: None,
                settled: false,
                kept: Kept::default(),
                started_at: None,
                legacy: false,
                target: Err(found.err().unwrap_or(RollbackProblem::Blocked)),
            })
            .collect();
        return Ok(RollbackPlan { fleet, units });
    }
    let observed: Vec<InPlace> = observed
        .into_iter()
        .map(|found| found.expect("all found"))
        .collect();
    let timelines: Vec<Timeline> = observed
        .iter()
        .map(|found| found.timeline.clone())
        .collect();
    let now =
        humantime::format_rfc3339_nanos(std::time::SystemTime::now() + CLOCK_SKEW).to_string();
    let contradicted = contradictions(&timelines, &now);
    // One container's word does not move the group: it is refused, the rest wait.
    let destinations: Vec<Result<Destination, RollbackProblem>> =
        if contradicted.iter().any(Option::is_some) {
            contradicted
                .into_iter()
                .map(|why| Err(why.map_or(RollbackProblem::Blocked, refused)))
                .collect()
        } else {
            let resolved = resolve(&timelines, target)?;
            windowed(units.iter().zip(&observed).zip(resolved).map(
                |((unit, found), resolved)| async move {
                    let resolved = resolved?;
                    let release = resolved.release.release.as_str();
                    let manifest = read_manifest(fleet, unit, release).await?;
                    check_container(&manifest, found)?;
                    Ok(Destination {
                        manifest,
                        kept: found.timeline.kept.rolled_back_to(&resolved.at),
                    })
                },
            ))
            .await
        };
    let units = units
        .into_iter()
        .zip(observed)
        .zip(destinations)
        .map(|((unit, found), target)| PlannedRollback {
            unit,
            settled: found.is_settled(),
            current: found.timeline.current,
            kept: found.timeline.kept,
            started_at: found.details.started_at,
            legacy: found.legacy,
            target,
        })
        .collect();
    Ok(RollbackPlan { fleet, units })
}

/// The release's manifest, checked to be the release it names.
pub(super) async fn read_manifest<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    release: &str,
) -> Result<Manifest, RollbackProblem> {
    let found = manifest(fleet, &unit.host, &unit.key.container, release).await?;
    match found {
        Some(manifest) if manifest.release == release && manifest.content_hash() == release => {
            match manifest.unsafe_path() {
                Some(path) => Err(refused(format!(
                    "the manifest of release {} names a path jdeploy never writes: {}",
                    short(release),
                    crate::report::visible(path)
                ))),
                None => Ok(manifest),
            }
        }
        Some(_) => Err(refused(format!(
            "the manifest of release {} in the container does not match its id",
            short(release)
        ))),
        None => Err(RollbackProblem::Container(UnitError::new(
            ErrorKind::NotFound,
            format!(
                "release {} is listed but its files are no longer in the container",
                short(release)
            ),
        ))),
    }
}

/// A rollback puts files back; the image and environment are the container's. Going
/// back to a release made for others would not be going back exactly.
fn check_container(manifest: &Manifest, found: &InPlace) -> Result<(), RollbackProblem> {
    let recreate = "`jdeploy create --recreate` with its settings first";
    if manifest.image != found.details.image {
        return Err(refused(format!(
            "release {} ran on image {}, the container now runs {}; {recreate}",
            short(&manifest.release),
            short(manifest.image.trim_start_matches("sha256:")),
            short(found.details.image.trim_start_matches("sha256:"))
        )));
    }
    // Manifests of versions that recorded values compare with the values.
    if manifest.env != found.details.env && manifest.env != found.unsealed_env {
        return Err(refused(format!(
            "release {} ran with another environment than the container has now; {recreate}",
            short(&manifest.release)
        )));
    }
    Ok(())
}

impl<E: Engine> RollbackPlan<'_, E> {
    /// Puts every container back as `strategy` orders, each gated after its restart.
    pub async fn apply(
        self,
        mtime: u64,
        strategy: &Strategy,
        reporter: &dyn Reporter,
        interrupted: &(dyn Fn() -> bool + Sync),
    ) -> Execution {
        let fleet = self.fleet;
        execute(
            &self.units,
            |planned| &planned.unit.key,
            |_| true,
            strategy,
            "rolled back",
            reporter,
            interrupted,
            |planned| reinstate(fleet, planned, mtime, reporter),
        )
        .await
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
    let destination = match &planned.target {
        Ok(destination) => destination,
        Err(RollbackProblem::Container(err)) => return Outcome::error(unit.key.clone(), err),
        Err(problem) => {
            return Outcome::failed(unit.key.clone(), ErrorKind::Refused, problem.to_string())
        }
    };
    let target = destination.manifest.release.as_str();
    let unchanged = planned.settled && planned.current.as_deref() == Some(target);
    // Where nothing moves, only the record: the deploys gone back past are marked undone.
    let placement = if unchanged {
        let state = State::settled(target, destination.kept.clone());
        let record = Record {
            legacy_links: planned.legacy,
            ..Record::state(&state)
        };
        record_archive(&record, mtime).map(Placement::Record)
    } else {
        let state = State::pending(
            planned.current.as_deref(),
            planned.kept.clone(),
            target,
            planned.started_at.as_deref(),
            destination.kept.clone(),
        );
        let record = Record {
            legacy_links: planned.legacy,
            ..Record::state(&state)
        };
        reinstate_archive(&destination.manifest, &record, mtime).map(|files| Placement::Restart {
            files,
            state,
            mtime,
        })
    };
    let placement = match placement {
        Ok(placement) => placement,
        Err(err) => return Outcome::failed(unit.key.clone(), ErrorKind::Refused, err.to_string()),
    };
    let result = put_in_place(fleet, unit, placement, reporter).await;
    match result {
        Ok(_) if unchanged => done(
            Status::Unchanged,
            format!("already on release {}", short(target)),
            Some(target),
        ),
        Ok(Some(gate)) if !gate.passed => {
            let reason = gate.reason.clone().unwrap_or_default();
            let mut outcome = Outcome::failed(unit.key.clone(), ErrorKind::Unhealthy, reason);
            outcome.release = Some(target.to_string());
            outcome.gate = Some(gate);
            outcome
        }
        Ok(gate) => {
            let was = planned
                .current
                .as_deref()
                .map_or_else(String::new, |current| format!(" (was {})", short(current)));
            let mut outcome = done(
                Status::RolledBack,
                format!("release {}{was}", short(target)),
                Some(target),
            );
            outcome.gate = gate;
            outcome
        }
        Err(err) => Outcome::engine_failed(unit.key.clone(), &err),
    }
}

impl From<EngineError> for RollbackProblem {
    fn from(err: EngineError) -> Self {
        RollbackProblem::Container(err.into())
    }
}

/// The container is there but cannot go back exactly.
fn refused(message: String) -> RollbackProblem {
    RollbackProblem::Container(UnitError::new(ErrorKind::Refused, message))
}
