//! `status`: what every selected container is doing, read from all hosts at once.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use super::create::{listed_containers, NOT_LISTED};
use super::select::{fleet_units, longest_stop};
use super::{App, AppError, Backend, Frontend};
use crate::engine::ErrorKind;
use crate::inventory::{Inventory, Selection};
use crate::labels;
use crate::plan::{desired_containers, ContainerState, DesiredSpec};
use crate::rollout::{self, Observed, UnitKey, UnitStatus, Usage};
use crate::secrets::recorded_fingerprints;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusRequest {
    pub selection: Selection,
    pub usage: Usage,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusReport {
    pub rows: Vec<StatusRow>,
    /// Seconds.
    #[serde(serialize_with = "crate::rollout::seconds")]
    #[schema(value_type = f64)]
    pub elapsed: Duration,
}

impl StatusReport {
    /// Every host could be asked.
    pub fn complete(&self) -> bool {
        !self.rows.iter().any(StatusRow::is_unknown)
    }
}

impl<B: Backend> App<B> {
    pub async fn status(
        &self,
        request: &StatusRequest,
        frontend: &dyn Frontend,
    ) -> Result<StatusReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let units = fleet_units(&inventory, &request.selection, None)?;
        let started = Instant::now();
        let fleet = self.fleet(&inventory, longest_stop(&units));
        // Narrowed to hosts or containers, the question is about those alone.
        let whole = request.selection.hosts.is_empty() && request.selection.containers.is_empty();
        let unit_hosts: Vec<_> = units.iter().map(|unit| &unit.host).collect();
        let hosts = if whole { inventory.hosts() } else { Vec::new() };
        // All at once: the containers, the keys their configuration is sealed with, and
        // (for the whole fleet) each host's list, for containers groups.yaml dropped.
        let (statuses, keys, listings) = futures::join!(
            rollout::status(&fleet, &units, request.usage),
            rollout::engine_keys(&fleet, &unit_hosts, false),
            rollout::list_hosts(&fleet, &hosts),
        );
        let now = SystemTime::now();
        let mut hashes = DesiredHashes::new(&inventory, &keys);
        let mut rows: Vec<StatusRow> = statuses
            .iter()
            .map(|status| StatusRow::new(status, hashes.of(status).as_deref(), now))
            .collect();
        if whole {
            let groups: Vec<&str> = match &request.selection.group {
                Some(group) => vec![group.as_str()],
                None => inventory.group_names().collect(),
            };
            let (strays, _) =
                rollout::find_strays(&hosts, &listings, &groups, &listed_containers(&inventory));
            rows.extend(strays.iter().map(StatusRow::stray));
        }
        Ok(StatusReport {
            rows,
            elapsed: started.elapsed(),
        })
    }
}

/// One container as `status` reports it, in plain values.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusRow {
    #[serde(flatten)]
    pub unit: UnitKey,
    /// running, exited, created, paused, restarting, ...; `missing` when the host has no
    /// such container, `unknown` when the host could not be asked.
    pub state: String,
    pub exit_code: Option<i64>,
    pub health: Option<String>,
    pub started_at: Option<String>,
    pub uptime_secs: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub memory_limit_bytes: Option<u64>,
    pub cpu_percent: Option<f64>,
    pub restart_count: Option<i64>,
    /// The configuration hash jdeploy labelled the container with when it created it.
    pub config_hash: Option<String>,
    /// True when groups.yaml now asks for another configuration.
    pub config_differs: bool,
    /// The release the last deploy put in place.
    pub release: Option<String>,
    /// Why the host could not be asked, or what to do about the container.
    pub note: Option<String>,
    /// Why the host could not be asked, as a kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
}

impl StatusRow {
    /// `unit` in `state`, nothing else known yet.
    fn blank(unit: &UnitKey, state: &str) -> Self {
        Self {
            unit: unit.clone(),
            state: state.into(),
            exit_code: None,
            health: None,
            started_at: None,
            uptime_secs: None,
            memory_bytes: None,
            memory_limit_bytes: None,
            cpu_percent: None,
            restart_count: None,
            config_hash: None,
            config_differs: false,
            release: None,
            note: None,
            error_kind: None,
        }
    }

    /// A container jdeploy created for a group that groups.yaml no longer lists.
    fn stray(stray: &rollout::Stray) -> Self {
        Self {
            note: Some(format!(
                "{NOT_LISTED}; `jdeploy create --group {} --prune` removes it",
                stray.unit.group
            )),
            ..Self::blank(&stray.unit, stray.state.name())
        }
    }

    /// `desired_hash` is the configuration groups.yaml asks for, when it names an image.
    /// `desired`: the configuration hashes that match groups.yaml, if it is known.
    pub fn new(status: &UnitStatus, desired: Option<&[String]>, now: SystemTime) -> Self {
        let mut row = Self::blank(&status.unit, "unknown");
        match &status.observed {
            Err(err) => {
                row.note = Some(err.to_string());
                row.error_kind = Some(err.kind());
            }
            Ok(None) => {
                row.state = "missing".into();
                row.note = Some(format!(
                    "no such container; `jdeploy create --group {}` creates it",
                    status.unit.first_group()
                ));
            }
            Ok(Some(observed)) => row.fill(observed, desired, now),
        }
        row
    }

    fn fill(&mut self, observed: &Observed, desired: Option<&[String]>, now: SystemTime) {
        let details = &observed.details;
        self.state = details.state.name().into();
        let running = details.state == ContainerState::Running;
        self.exit_code = details
            .exit_code
            .filter(|_| !running && details.state != ContainerState::Created);
        self.health = details.health.clone();
        self.started_at = details.started_at.clone();
        self.uptime_secs = details
            .started_at
            .as_deref()
            .filter(|_| running)
            .and_then(|started| humantime::parse_rfc3339(started).ok())
            .map(|started| now.duration_since(started).unwrap_or_default().as_secs());
        self.memory_bytes = observed.memory;
        self.memory_limit_bytes = observed.memory_limit.filter(|limit| *limit > 0);
        self.cpu_percent = observed
            .cpu_percent
            .map(|percent| (percent * 100.0).round() / 100.0);
        self.restart_count = Some(details.restart_count);
        self.config_hash = details.labels.get(labels::CONFIG_HASH).cloned();
        self.release = observed.release.clone();
        if !details.labels.contains_key(labels::GROUP) {
            self.note = Some("not created by jdeploy".into());
        } else if let (Some(found), Some(desired)) = (&self.config_hash, desired) {
            if !desired.contains(found) {
                self.config_differs = true;
                self.note = Some(format!(
                    "configuration differs from groups.yaml; `jdeploy create --group {} --recreate` replaces it",
                    self.unit.first_group()
                ));
            }
        }
    }

    /// The host could not be asked about it.
    pub fn is_unknown(&self) -> bool {
        self.error_kind.is_some()
    }
}

/// The configuration hashes groups.yaml asks for, per group, worked out once per group.
struct DesiredHashes<'a> {
    inventory: &'a Inventory,
    keys: &'a rollout::EngineKeys,
    /// Group name to (container, host identity) to what it is compared against.
    groups: HashMap<String, HashMap<(String, String), Wanted>>,
    /// Each `host` value's engine.
    identities: HashMap<&'a str, &'a str>,
}

/// What groups.yaml asks of one container: sealed with its engine's key, and as it was
/// before sealing.
enum Wanted {
    Hashes(Vec<String>),
    /// With secrets, hashed once each container's recorded fingerprints are in.
    Specs(Vec<DesiredSpec>),
}

impl<'a> DesiredHashes<'a> {
    fn new(inventory: &'a Inventory, keys: &'a rollout::EngineKeys) -> Self {
        let identities = inventory
            .units
            .iter()
            .map(|unit| (unit.host.name.as_str(), unit.host.identity.as_str()))
            .collect();
        Self {
            inventory,
            keys,
            groups: HashMap::new(),
            identities,
        }
    }

    /// For the group the container was created for, if groups.yaml gives it an image.
    fn of(&mut self, status: &UnitStatus) -> Option<Vec<String>> {
        let observed = status.observed.as_ref().ok()?.as_ref()?;
        let group_name = observed.details.labels.get(labels::GROUP)?;
        let (inventory, keys) = (self.inventory, self.keys);
        let wanted = self
            .groups
            .entry(group_name.clone())
            .or_insert_with(|| wanted_of_group(inventory, keys, group_name));
        let host = self.identities.get(status.unit.host.as_str())?;
        match wanted.get(&(status.unit.container.clone(), host.to_string()))? {
            Wanted::Hashes(hashes) => Some(hashes.clone()),
            Wanted::Specs(specs) => {
                let group = inventory.group(group_name)?;
                // Status has no values: it takes each secret's value to be the one the
                // container was made with, so only secrets added or removed show as a
                // difference.
                let recorded = recorded_fingerprints(&observed.details.labels);
                let fingerprinted: Vec<(String, String)> = group
                    .secrets
                    .iter()
                    .map(|secret| {
                        let fingerprint = recorded.get(&secret.name).cloned().unwrap_or_default();
                        (secret.name.clone(), fingerprint)
                    })
                    .collect();
                let hashes = specs.iter().map(|spec| {
                    let mut spec = spec.clone();
                    spec.secrets = fingerprinted.iter().cloned().collect();
                    spec.hash()
                });
                Some(hashes.collect())
            }
        }
    }
}

/// Every container of the group, hashed now unless secrets make each container's own
/// record part of its hash: ten thousand full specs need not wait for every host.
fn wanted_of_group(
    inventory: &Inventory,
    keys: &rollout::EngineKeys,
    group_name: &str,
) -> HashMap<(String, String), Wanted> {
    let Some(group) = inventory.group(group_name) else {
        return HashMap::new();
    };
    let Some(image) = group.image.as_deref() else {
        return HashMap::new();
    };
    desired_containers(inventory, group, image, &Default::default())
        .into_iter()
        .map(|mut desired| {
            if let Some(Ok(Some(key))) = keys.get(&desired.host.identity) {
                desired.seal(key);
            }
            let mut unsealed = desired.spec.clone();
            unsealed.env = desired.env_values;
            let specs = vec![desired.spec, unsealed];
            let wanted = if group.secrets.is_empty() {
                Wanted::Hashes(specs.iter().map(DesiredSpec::hash).collect())
            } else {
                Wanted::Specs(specs)
            };
            ((desired.name, desired.host.identity), wanted)
        })
        .collect()
}
