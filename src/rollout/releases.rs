//! Reading what a container says about its releases: the one in place, the ones kept,
//! and a release's manifest and files.

use bytes::Bytes;

use std::time::Instant;

use super::fleet::Fleet;
use super::gate::{pass, GateResult};
use super::hooks::{run_hook, ContainerHook};
use super::outcome::FleetUnit;
use super::reporter::Reporter;
use crate::bundle::{record_archive, Record};
use crate::engine::{ContainerDetails, Engine, EngineError};
use crate::inventory::Host;
use crate::layout::{
    release_dir, release_of_target, LEGACY_CURRENT_LINK, LEGACY_PENDING_LINK, MANIFEST_IN_RELEASE,
    STATE_FILE,
};
use crate::release::{Manifest, Reading, State, Timeline};
use crate::secrets::{EnvMask, MASK_PREFIX};

/// A container and its releases.
#[derive(Debug, Clone)]
pub struct InPlace {
    pub details: ContainerDetails,
    pub timeline: Timeline,
    /// The release whose files were put in place last, when the container did not
    /// start on them or failed on them: a deploy must not take the current release for
    /// what runs.
    pub pending: Option<String>,
    /// `details.env` before its values were sealed (secrets masked all the same), as
    /// manifests of versions that recorded values kept it.
    pub unsealed_env: Vec<String>,
    /// Read from the symlinks of versions before the state file: the next upload makes
    /// them name no release.
    pub legacy: bool,
}

impl InPlace {
    /// The files in place are the current release's.
    pub fn is_settled(&self) -> bool {
        self.pending.is_none()
    }
}

/// None when the host has no such container. Its environment comes with `mask` applied
/// and sealed with the engine's key (made first with `make_key`): it goes into manifests,
/// which must hold no value. The container and its state file are read at once.
pub async fn in_place<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    mask: &EnvMask,
    make_key: bool,
) -> Result<Option<InPlace>, EngineError> {
    let (details, key, state) = futures::join!(
        fleet.call(host, |engine| async move { engine.inspect(name).await }),
        fleet.env_key(host, make_key),
        read_state(fleet, host, name)
    );
    let Some(mut details) = details? else {
        return Ok(None);
    };
    let unsealed_env = mask.apply(&details.env, &details.labels);
    details.env = match key? {
        Some(key) => key.seal_lines(mask.group_name(), &unsealed_env, MASK_PREFIX),
        None => unsealed_env.clone(),
    };
    let state = state?;
    let legacy = state.as_ref().is_some_and(State::is_legacy);
    let Reading { timeline, pending } = match state {
        Some(state) if state.is_legacy() => legacy_reading(fleet, host, name, state).await?,
        Some(state) => state.read(details.started_at.as_deref()),
        // Never deployed, by this version or an earlier one.
        None => Reading::default(),
    };
    Ok(Some(InPlace {
        details,
        timeline,
        pending,
        unsealed_env,
        legacy,
    }))
}

/// The release a container runs, for a container already inspected: one read of its
/// state file, and for a container an earlier version deployed, its current link.
pub async fn current_release<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    details: &ContainerDetails,
) -> Result<Option<String>, EngineError> {
    match read_state(fleet, host, name).await? {
        Some(state) if state.is_legacy() => read_link(fleet, host, name, LEGACY_CURRENT_LINK).await,
        Some(state) => Ok(state.read(details.started_at.as_deref()).timeline.current),
        None => Ok(None),
    }
}

/// The container's state file, checked; none if it has none.
async fn read_state<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
) -> Result<Option<State>, EngineError> {
    let Some(bytes) = fleet
        .call(host, |engine| async move {
            engine.read_file(name, STATE_FILE).await
        })
        .await?
    else {
        return Ok(None);
    };
    State::parse(&bytes)
        .map(Some)
        .map_err(|err| EngineError::Other(format!("{STATE_FILE} in the container {err}")))
}

/// What an earlier version recorded: its kept list, with the releases in place and
/// pending in symlinks beside it.
async fn legacy_reading<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    state: State,
) -> Result<Reading, EngineError> {
    let (current, pending) = futures::join!(
        read_link(fleet, host, name, LEGACY_CURRENT_LINK),
        read_link(fleet, host, name, LEGACY_PENDING_LINK)
    );
    let current = current?;
    let pending = pending?.filter(|pending| Some(pending) != current.as_ref());
    Ok(Reading {
        timeline: Timeline {
            current,
            kept: state.kept(),
        },
        pending,
    })
}

/// The release a symlink names, if it names one.
async fn read_link<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    path: &str,
) -> Result<Option<String>, EngineError> {
    let target = fleet
        .call(host, |engine| async move {
            engine.link_target(name, path).await
        })
        .await?;
    Ok(target
        .as_deref()
        .and_then(release_of_target)
        .map(str::to_string))
}

/// The manifest `release` left in the container, if it keeps it.
pub async fn manifest<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    release: &str,
) -> Result<Option<Manifest>, EngineError> {
    let path = format!("{}/{MANIFEST_IN_RELEASE}", release_dir(release));
    read_json(fleet, host, name, &path).await
}

/// A file as `release` wrote it, if the container keeps it.
pub async fn release_file<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    release: &str,
    dest: &str,
) -> Result<Option<String>, EngineError> {
    let path = format!("{}/{}", release_dir(release), dest.trim_start_matches('/'));
    let bytes = fleet
        .call(
            host,
            |engine| async move { engine.read_file(name, &path).await },
        )
        .await?;
    Ok(bytes.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

async fn read_json<E: Engine, T: serde::de::DeserializeOwned>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    path: &str,
) -> Result<Option<T>, EngineError> {
    let Some(bytes) = fleet
        .call(
            host,
            |engine| async move { engine.read_file(name, path).await },
        )
        .await?
    else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|err| {
        EngineError::Other(format!("{path} in the container is not jdeploy's: {err}"))
    })
}

/// What putting a release in place in one container sends.
#[derive(Debug, Clone)]
pub enum Placement {
    /// The files and a state naming them pending, then a restart and its gate: no more
    /// when it passes, `state` marked failed when it does not.
    Restart {
        files: Bytes,
        state: State,
        mtime: u64,
    },
    /// No file moves and nothing restarts: only the record changes.
    Record(Bytes),
}

/// Puts a release in place in one container: its files with its state, then a restart,
/// its gate and its `post_start` hook. A gate failed is no error: the result says so.
/// Whatever went wrong once the files were sent is recorded in the container, so that
/// no later start puts them in place unchecked.
pub async fn put_in_place<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    placement: Placement,
    reporter: &dyn Reporter,
) -> Result<Option<GateResult>, EngineError> {
    let name = unit.key.container.as_str();
    let (files, state, mtime) = match placement {
        Placement::Record(record) => {
            upload(fleet, unit, record).await?;
            return Ok(None);
        }
        Placement::Restart {
            files,
            state,
            mtime,
        } => (files, state, mtime),
    };
    reporter.step(&unit.key, "uploading");
    upload(fleet, unit, files).await?;
    let result = restart_gated(fleet, unit, reporter).await;
    let failed = match &result {
        Ok(gate) => gate.as_ref().is_some_and(|gate| !gate.passed),
        Err(_) => true,
    };
    if failed {
        // The outcome reports the failure; a record that could not be written leaves
        // the files to be put in place by the container's next start.
        let record = record_archive(&Record::state(&state.failed()), mtime);
        if let Ok(record) = record {
            if let Err(err) = upload(fleet, unit, record).await {
                tracing::debug!(container = name, %err, "not recorded as failed");
            }
        }
    }
    result
}

/// The restart, then the gate, then the `post_start` hook: a container whose hook
/// failed is not on the release.
async fn restart_gated<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    reporter: &dyn Reporter,
) -> Result<Option<GateResult>, EngineError> {
    let name = unit.key.container.as_str();
    match run_hook(fleet, unit, ContainerHook::PreStop, reporter).await {
        // A stopped container has nothing to drain.
        Ok(()) | Err(EngineError::NotRunning { .. }) => {}
        Err(err) => return Err(err),
    }
    reporter.step(&unit.key, "restarting");
    let timeout = unit.stop_timeout;
    fleet
        .call(&unit.host, |engine| async move {
            engine.restart(name, timeout).await
        })
        .await?;
    let result = pass(fleet, unit, unit.gate, Instant::now(), reporter).await;
    let passed = result.passed;
    let gate = (!unit.gate.is_open()).then_some(result);
    if passed {
        run_hook(fleet, unit, ContainerHook::PostStart, reporter).await?;
    }
    Ok(gate)
}

async fn upload<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    archive: Bytes,
) -> Result<(), EngineError> {
    let name = unit.key.container.as_str();
    fleet
        .call(&unit.host, |engine| async move {
            engine.upload(name, archive).await
        })
        .await
}
