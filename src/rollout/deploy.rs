//! `deploy`: ask each container which release it runs, plan, then upload each changed
//! container's release and restart it, core units first.

use std::sync::Arc;

use super::window::windowed;

use super::executor::{execute, Stopped, Strategy};
use super::fleet::Fleet;
use super::gate::Gate;
use super::outcome::{FleetUnit, Outcome, Status, UnitError, UnitKey};
use super::releases::{in_place, manifest, put_in_place, release_file, InPlace, Placement};
use super::reporter::Reporter;
use super::undo::undo;
use crate::bundle::{reinstate_archive, Bundle, Record};
use crate::copies::CopyTree;
use crate::engine::{Engine, EngineError, ErrorKind};
use crate::inventory::gates::OnFailure;
use crate::inventory::hooks::ContainerHooks;
use crate::inventory::Host;
use crate::plan::{release_changes, release_step, ReleaseChanges, ReleaseStep};
use crate::release::{short, Kept, KeptRelease, Manifest, ManifestCopy, ReleaseFlags, State};
use crate::render::RenderedContainer;
use crate::secrets::EnvMask;

/// One container to deploy into, with what it should run.
#[derive(Debug, Clone)]
pub struct DeployUnit {
    pub key: UnitKey,
    pub host: Host,
    pub stop_timeout: u32,
    pub gate: Gate,
    pub hooks: Arc<ContainerHooks>,
    pub rendered: RenderedContainer,
    /// Read once, shared by every container of the group, with their manifests.
    pub copies: Arc<[CopyTree]>,
    pub copy_manifests: Arc<[ManifestCopy]>,
    pub flags: ReleaseFlags,
    /// The group's secrets, masked in the environment the manifest records.
    pub secrets: Arc<EnvMask>,
}

/// A unit and what deploying it would do.
#[derive(Debug, Clone)]
pub struct PlannedUnit {
    pub unit: DeployUnit,
    /// Why it cannot be deployed: its host is unreachable or it has no container.
    pub plan: Result<UnitPlan, UnitError>,
}

#[derive(Debug, Clone)]
pub struct UnitPlan {
    /// The release deploy would put in place.
    pub manifest: Manifest,
    pub step: ReleaseStep,
    pub in_place: InPlace,
}

impl PlannedUnit {
    pub fn is_change(&self) -> bool {
        matches!(&self.plan, Ok(plan) if plan.step != ReleaseStep::Unchanged)
    }
}

impl DeployUnit {
    /// The container to act on, as every changing command sees one.
    pub fn fleet_unit(&self) -> FleetUnit {
        FleetUnit {
            key: self.key.clone(),
            host: self.host.clone(),
            stop_timeout: self.stop_timeout,
            gate: self.gate,
            hooks: Arc::clone(&self.hooks),
        }
    }
}

/// How a deploy is carried out.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Put the release in place and restart even where it is in place already.
    pub force: bool,
    /// Releases each container keeps.
    pub keep: u32,
    pub stamp: Stamp,
    pub strategy: Strategy,
}

/// What a deploy did: one outcome per container, and whether it stopped early and
/// went back.
#[derive(Debug, Clone)]
pub struct DeployResult {
    pub outcomes: Vec<Outcome>,
    pub stopped: Option<Stopped>,
    /// The containers it changed were put back on the releases they had.
    pub rolled_back: bool,
}

/// Who deploys, and when: stamped on every release the deploy puts in place.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// RFC 3339 with nanoseconds, UTC.
    pub at: String,
    /// user@machine.
    pub by: String,
    /// Seconds since the epoch, for the files written.
    pub mtime: u64,
}

/// The plan of a deploy, with the engines it was made from.
pub struct DeployPlan<'f, E> {
    fleet: &'f Fleet<E>,
    pub units: Vec<PlannedUnit>,
}

/// Asks every container, all hosts at once, which release it runs.
pub async fn plan_deploy<E: Engine>(fleet: &Fleet<E>, units: Vec<DeployUnit>) -> DeployPlan<'_, E> {
    let plans = windowed(units.iter().map(|unit| plan_unit(fleet, unit))).await;
    let units = units
        .into_iter()
        .zip(plans)
        .map(|(unit, plan)| PlannedUnit { unit, plan })
        .collect();
    DeployPlan { fleet, units }
}

async fn plan_unit<E: Engine>(fleet: &Fleet<E>, unit: &DeployUnit) -> Result<UnitPlan, UnitError> {
    let name = unit.key.container.as_str();
    let Some(in_place) = in_place(fleet, &unit.host, name, &unit.secrets, true).await? else {
        return Err(UnitError::missing(&unit.key));
    };
    let manifest_with = |env: &[String]| {
        Manifest::new(
            &unit.rendered,
            &unit.copy_manifests,
            &in_place.details.image,
            env,
            unit.flags.clone(),
        )
    };
    let step_to = |manifest: &Manifest| {
        release_step(
            in_place.timeline.current.as_deref(),
            in_place.is_settled(),
            &in_place.timeline.kept,
            manifest,
        )
    };
    let mut manifest = manifest_with(&in_place.details.env);
    let mut step = step_to(&manifest);
    if step != ReleaseStep::Unchanged && in_place.unsealed_env != in_place.details.env {
        // In place since a version that recorded values: the same release all the same.
        let unsealed = manifest_with(&in_place.unsealed_env);
        if step_to(&unsealed) == ReleaseStep::Unchanged {
            (manifest, step) = (unsealed, ReleaseStep::Unchanged);
        }
    }
    Ok(UnitPlan {
        manifest,
        step,
        in_place,
    })
}

impl<E: Engine> DeployPlan<'_, E> {
    /// What would change in each container, with diffs of the rendered files: reads the
    /// release in place from each changed container.
    pub async fn changes(&self) -> Vec<Option<ReleaseChanges>> {
        windowed(self.units.iter().map(|planned| async move {
            let plan = planned.plan.as_ref().ok()?;
            let ReleaseStep::Change { from } = &plan.step else {
                return None;
            };
            Some(self.changes_of(&planned.unit, plan, from.as_deref()).await)
        }))
        .await
    }

    async fn changes_of(
        &self,
        unit: &DeployUnit,
        plan: &UnitPlan,
        from: Option<&str>,
    ) -> ReleaseChanges {
        let name = unit.key.container.as_str();
        let old = match from {
            Some(from) => manifest(self.fleet, &unit.host, name, from)
                .await
                .ok()
                .flatten(),
            None => None,
        };
        let mut old_texts = Vec::new();
        if let (Some(old), Some(from)) = (&old, from) {
            for file in &plan.manifest.files {
                let differs = old
                    .file(&file.dest)
                    .is_some_and(|before| before.sha256 != file.sha256);
                if differs {
                    let text = release_file(self.fleet, &unit.host, name, from, &file.dest)
                        .await
                        .ok()
                        .flatten();
                    old_texts.push((file.dest.clone(), text));
                }
            }
        }
        release_changes(
            old.as_ref(),
            &plan.manifest,
            |dest| {
                old_texts
                    .iter()
                    .find(|(known, _)| known == dest)
                    .and_then(|(_, text)| text.clone())
            },
            |dest| {
                unit.rendered
                    .files
                    .iter()
                    .find(|file| file.dest == dest)
                    .map(|file| file.content.clone())
            },
        )
    }

    /// Deploys every changed unit (every unit with `force`) as the strategy orders,
    /// each gated; each keeps the newest `keep` releases. Once more units failed than
    /// the strategy tolerates, it starts no more and, with `on_failure: rollback`, puts
    /// every container it changed back on the release it had.
    pub async fn apply(
        self,
        options: &DeployOptions,
        reporter: &dyn Reporter,
        interrupted: &(dyn Fn() -> bool + Sync),
    ) -> DeployResult {
        let deploy = self
            .deploy_id(options.force, &options.stamp)
            .unwrap_or_default();
        let fleet = self.fleet;
        let force = options.force;
        let execution = execute(
            &self.units,
            |planned| &planned.unit.key,
            // A core unit that cannot be asked still holds back its group.
            |planned| match &planned.plan {
                Ok(_) => force || planned.is_change(),
                Err(_) => planned.unit.key.core,
            },
            &options.strategy,
            "deployed",
            reporter,
            interrupted,
            |planned| apply_one(fleet, planned, options, &deploy, reporter),
        )
        .await;
        let rollback = options.strategy.on_failure == OnFailure::Rollback && execution.exceeded();
        if !rollback {
            return DeployResult {
                outcomes: execution.outcomes,
                stopped: execution.stopped,
                rolled_back: false,
            };
        }
        let outcomes = undo(
            fleet,
            &self.units,
            execution.outcomes,
            options,
            &deploy,
            reporter,
        )
        .await;
        DeployResult {
            outcomes,
            stopped: execution.stopped,
            rolled_back: true,
        }
    }
}

/// The kept list once `release` is in place, and the releases to prune.
pub(super) fn kept_after(
    plan: &UnitPlan,
    options: &DeployOptions,
    deploy: &str,
) -> (Kept, Vec<String>) {
    let entry = KeptRelease {
        release: plan.manifest.release.clone(),
        deploy: deploy.to_string(),
        deployed_at: options.stamp.at.clone(),
        by: options.stamp.by.clone(),
        undone: false,
    };
    let in_place = &plan.in_place.timeline;
    in_place
        .kept
        .deployed(entry, options.keep as usize, in_place.current.as_deref())
}

async fn apply_one<E: Engine>(
    fleet: &Fleet<E>,
    planned: &PlannedUnit,
    options: &DeployOptions,
    deploy: &str,
    reporter: &dyn Reporter,
) -> Outcome {
    let unit = &planned.unit;
    let plan = match &planned.plan {
        Ok(plan) => plan,
        Err(why) => return Outcome::error(unit.key.clone(), why),
    };
    let release = plan.manifest.release.as_str();
    if plan.step == ReleaseStep::Unchanged && !options.force {
        let mut outcome = Outcome::new(
            unit.key.clone(),
            Status::Unchanged,
            format!(
                "release {}: not changed since the last release",
                short(release)
            ),
        );
        outcome.release = Some(release.to_string());
        return outcome;
    }
    let in_place = &plan.in_place.timeline;
    let (kept, pruned) = kept_after(plan, options, deploy);
    let mtime = options.stamp.mtime;
    // Pending until the container starts on it: then it keeps `kept`, until then what it
    // kept, but for the releases pruned now.
    let state = State::pending(
        in_place.current.as_deref(),
        in_place.kept.without(&pruned),
        release,
        plan.in_place.details.started_at.as_deref(),
        kept,
    );
    let record = Record {
        state: &state,
        pruned: &pruned,
        legacy_links: plan.in_place.legacy,
    };
    // A release the container keeps is linked back into place, not written again: a
    // rewrite cut short would leave its kept copy damaged.
    let files = if in_place.kept.find(release).is_some() {
        reinstate_archive(&plan.manifest, &record, mtime)
    } else {
        Bundle::new(
            unit.rendered.clone(),
            Arc::clone(&unit.copies),
            plan.manifest.clone(),
            mtime,
        )
        .archive(&record)
    };
    let files = match files {
        Ok(files) => files,
        Err(err) => return Outcome::failed(unit.key.clone(), ErrorKind::Refused, err.to_string()),
    };
    let placement = Placement::Restart {
        files,
        state,
        mtime,
    };
    let result = put_in_place(fleet, &unit.fleet_unit(), placement, reporter).await;
    let mut outcome = match &result {
        Ok(Some(gate)) if !gate.passed => Outcome::failed(
            unit.key.clone(),
            ErrorKind::Unhealthy,
            gate.reason.clone().unwrap_or_default(),
        ),
        Ok(_) => {
            let detail = match &plan.step {
                ReleaseStep::Change { from: Some(from) } => {
                    format!("release {} (was {})", short(release), short(from))
                }
                _ => format!("release {}", short(release)),
            };
            Outcome::new(unit.key.clone(), Status::Deployed, detail)
        }
        Err(EngineError::NoSuchContainer { .. }) => {
            Outcome::error(unit.key.clone(), &UnitError::missing(&unit.key))
        }
        Err(err) => Outcome::engine_failed(unit.key.clone(), err),
    };
    outcome.release = Some(release.to_string());
    outcome.gate = result.ok().flatten();
    outcome
}

impl<E> DeployPlan<'_, E> {
    /// The deploy's id: the hash of the releases it puts in place and its time; none
    /// when it puts none in place.
    pub fn deploy_id(&self, force: bool, stamp: &Stamp) -> Option<String> {
        let mut releases: Vec<&str> = self
            .units
            .iter()
            .filter(|planned| force || planned.is_change())
            .filter_map(|planned| planned.plan.as_ref().ok())
            .map(|plan| plan.manifest.release.as_str())
            .collect();
        if releases.is_empty() {
            return None;
        }
        releases.sort_unstable();
        releases.push(&stamp.at);
        Some(crate::release::sha256(releases.join("\n").as_bytes()))
    }

    /// The latest deploy any of its containers had, so a new one is stamped later even
    /// when this machine's clock is behind.
    pub fn latest_deploy(&self) -> Option<&str> {
        self.units
            .iter()
            .filter_map(|planned| planned.plan.as_ref().ok())
            .filter_map(|plan| plan.in_place.timeline.kept.latest())
            .max()
    }
}
