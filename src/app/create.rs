//! `create`: every container of a group, created and started on its host.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::frontend::ask;
use super::record::RunInfo;
use super::{App, AppError, Backend, Frontend, Question, RunReport};
use crate::inventory::{Inventory, Selection};
use crate::plan::{desired_containers, Recreate};
use crate::rollout::{self, FleetUnit, Lifecycle, Outcome, Status, Strategy, UnitKey};
use crate::secrets::resolve_group;

/// What create and status say of a container groups.yaml no longer lists.
pub(super) const NOT_LISTED: &str = "not in groups.yaml";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateRequest {
    pub group: String,
    /// Replace containers whose configuration differs.
    pub recreate: bool,
    /// Replace every container, jdeploy's or not.
    pub force: bool,
    /// First send the group's image from this machine's engine to hosts that lack it.
    #[serde(default)]
    pub push_images: bool,
    /// Remove the containers created for the group that groups.yaml no longer lists.
    #[serde(default)]
    pub prune: bool,
    /// Do not ask before pruning.
    #[serde(default)]
    pub yes: bool,
}

impl<B: Backend> App<B> {
    pub async fn create(
        &self,
        request: &CreateRequest,
        frontend: &dyn Frontend,
    ) -> Result<RunReport, AppError> {
        let inventory = self.inventory(frontend)?;
        let group = inventory.select_group(&request.group)?;
        let image = inventory.require_image(group)?;
        // Before any engine is asked: a missing value changes nothing.
        let secrets = resolve_group(&inventory, group, &self.secret_store(&inventory))?;
        let desired = desired_containers(&inventory, group, image, &secrets);
        let fleet = self.fleet(&inventory, group.container.stop_timeout);
        let listed = listed_containers(&inventory);
        // Every host of the file: a unit removed from the group may have been alone on its
        // host in it.
        let hosts = inventory.hosts();
        // Asked before anything is sent or locked: an unanswered question holds nothing.
        let confirmed = if request.prune && !request.yes {
            let listings = rollout::list_hosts(&fleet, &hosts).await;
            let (strays, _) = rollout::find_strays(&hosts, &listings, &[&group.name], &listed);
            let keys: Vec<UnitKey> = strays.into_iter().map(|stray| stray.unit).collect();
            if !keys.is_empty() {
                confirm_prune(&keys, frontend)?;
            }
            Some(keys)
        } else {
            None
        };
        if request.push_images {
            let selection = Selection {
                group: Some(group.name.clone()),
                ..Default::default()
            };
            let pushed = self
                .push_group_image(&inventory, &selection, image, frontend)
                .await?;
            for outcome in pushed.iter().filter(|outcome| outcome.status.is_failure()) {
                frontend.warning(&format!(
                    "{image} could not be sent to {}: {}",
                    outcome.unit.host, outcome.detail
                ));
            }
        }
        let locks = self
            .lock(&inventory, &fleet, [group.name.as_str()], frontend)
            .await?;
        let result = async {
            let started_at = SystemTime::now();
            let started = Instant::now();
            // One listing of every host serves both the create and the search for strays.
            let desired_hosts: Vec<_> = desired.iter().map(|container| &container.host).collect();
            let (listings, _) = futures::join!(
                rollout::list_hosts(&fleet, &hosts),
                rollout::engine_keys(&fleet, &desired_hosts, true)
            );
            let (mut strays, unlisted) =
                rollout::find_strays(&hosts, &listings, &[&group.name], &listed);
            if let Some(confirmed) = &confirmed {
                // Only what the operator agreed to; others found since stay, named.
                strays.retain(|stray| confirmed.contains(&stray.unit));
            }
            for (host, err) in &unlisted {
                frontend.warning(&format!(
                    "{}: its containers could not be listed for ones groups.yaml no longer lists: {err}",
                    host.name
                ));
            }
            let reporter = frontend.reporter("create");
            let recreate = match (request.force, request.recreate) {
                (true, _) => Recreate::All,
                (false, true) => Recreate::Changed,
                (false, false) => Recreate::Never,
            };
            let mut outcomes =
                rollout::create_listed(&fleet, desired, &listings, recreate, reporter.as_ref())
                    .await;
            if request.prune {
                // A host not listed may keep strays: pruning is not done there.
                outcomes.extend(unlisted.iter().map(|(host, err)| {
                    let unit = UnitKey {
                        group: group.name.clone(),
                        container: "*".into(),
                        host: host.name.clone(),
                        core: false,
                    };
                    let why = format!("its containers could not be listed ({err}); none was pruned there");
                    Outcome::failed(unit, err.kind(), why)
                }));
            }
            let created = !outcomes.iter().any(|outcome| outcome.status.is_failure());
            if request.prune && !created {
                // What replaces them may not be up: nothing is removed.
                outcomes.extend(strays.into_iter().map(|stray| {
                    Outcome::new(
                        stray.unit,
                        Status::Skipped,
                        format!("{NOT_LISTED}; not pruned: the create before it did not fully succeed"),
                    )
                }));
            } else if request.prune {
                let hooks = std::sync::Arc::new(group.hooks.in_container());
                let units: Vec<FleetUnit> = strays
                    .iter()
                    .map(|stray| FleetUnit {
                        key: stray.unit.clone(),
                        host: stray.host.clone(),
                        stop_timeout: group.container.stop_timeout,
                        gate: Default::default(),
                        hooks: std::sync::Arc::clone(&hooks),
                    })
                    .collect();
                let removal = Lifecycle::Remove { foreign: false };
                let execution = rollout::lifecycle(
                    &fleet,
                    &units,
                    removal,
                    &Strategy::plain(removal.order()),
                    reporter.as_ref(),
                    &|| frontend.interrupted() || locks.lost(),
                )
                .await;
                outcomes.extend(execution.outcomes.into_iter().map(|mut outcome| {
                    if outcome.status == Status::Removed {
                        outcome.detail = NOT_LISTED.into();
                    }
                    outcome
                }));
            } else {
                outcomes.extend(strays.into_iter().map(|stray| {
                    Outcome::new(
                        stray.unit,
                        Status::Unchanged,
                        format!("{NOT_LISTED}; create --prune removes it"),
                    )
                }));
            }
            let elapsed = started.elapsed();
            let info = RunInfo {
                flags: serde_json::json!({
                    "recreate": request.recreate,
                    "force": request.force,
                }),
                deploy: None,
                started: started_at,
            };
            let report = RunReport::new("create", &group.name, outcomes, elapsed);
            self.record(frontend, info, &report);
            Ok(report)
        }
        .await;
        locks.release(frontend).await;
        result
    }
}

/// Asks before removing `keys`; without anyone to ask, refuses.
fn confirm_prune(keys: &[UnitKey], frontend: &dyn Frontend) -> Result<(), AppError> {
    if !frontend.can_answer() {
        return Err(AppError::Refused(format!(
            "--prune would remove {} container(s) groups.yaml no longer lists ({}); without a terminal to confirm on, it needs --yes; nothing was changed",
            keys.len(),
            keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    let question = Question::Remove { units: keys };
    ask(frontend, &question, "nothing was created or removed")
}

/// Every container groups.yaml lists, in any group, as (host identity, name): one listed
/// under another group now is not the old group's to remove.
pub(super) fn listed_containers(inventory: &Inventory) -> HashSet<(String, String)> {
    inventory
        .units
        .iter()
        .flat_map(|unit| {
            unit.containers
                .iter()
                .map(|name| (unit.host.identity.clone(), name.clone()))
        })
        .collect()
}
