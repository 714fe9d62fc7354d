//! Reading what a container says about its releases: the one in place, the ones kept,
//! and a release's manifest and files.

use bytes::Bytes;

use std::time::Instant;

use super::fleet::Fleet;
use super::gate::{pass, GateResult};
use super::hooks::{run_hook, ContainerHook};
use super::outcome::FleetUnit;
use super::reporter::Reporter;
use crate::engine::{ContainerDetails, Engine, EngineError};
use crate::inventory::Host;
use crate::layout::{
    release_dir, release_of_target, CURRENT_LINK, KEPT_FILE, MANIFEST_IN_RELEASE, PENDING_LINK,
};
use crate::release::{Kept, Manifest, Timeline};
use crate::secrets::{EnvMask, MASK_PREFIX};

/// A container and its releases.
#[derive(Debug, Clone)]
pub struct InPlace {
    pub details: ContainerDetails,
    pub timeline: Timeline,
    /// The release whose files were put in place last, when the container did not
    /// restart on them: a deploy must not take the current release for what runs.
    pub pending: Option<String>,
    /// `details.env` before its values were sealed (secrets masked all the same), as
    /// manifests of versions that recorded values kept it.
    pub unsealed_env: Vec<String>,
}

impl InPlace {
    /// The files in place are the current release's.
    pub fn is_settled(&self) -> bool {
        self.pending.is_none()
    }
}

/// None when the host has no such container. Its environment comes with `mask` applied
/// and sealed with the engine's key (made first with `make_key`): it goes into manifests,
/// which must hold no value.
pub async fn in_place<E: Engine>(
    fleet: &Fleet<E>,
    host: &Host,
    name: &str,
    mask: &EnvMask,
    make_key: bool,
) -> Result<Option<InPlace>, EngineError> {
    let (details, key) = futures::join!(
        fleet.call(host, |engine| async move { engine.inspect(name).await }),
        fleet.env_key(host, make_key)
    );
    let Some(mut details) = details? else {
        return Ok(None);
    };
    let unsealed_env = mask.apply(&details.env, &details.labels);
    details.env = match key? {
        Some(key) => key.seal_lines(mask.group_name(), &unsealed_env, MASK_PREFIX),
        None => unsealed_env.clone(),
    };
    let current = fleet.call(host, |engine| async move {
        engine.link_target(name, CURRENT_LINK).await
    });
    let pending = fleet.call(host, |engine| async move {
        engine.link_target(name, PENDING_LINK).await
    });
    let kept = read_json::<E, Kept>(fleet, host, name, KEPT_FILE);
    let (current, pending, kept) = futures::join!(current, pending, kept);
    let kept = kept?.unwrap_or_default();
    if !kept.is_well_formed() {
        // Its ids become paths to link from and to prune: never trust a stranger's.
        return Err(EngineError::Other(format!(
            "{KEPT_FILE} in the container names releases jdeploy did not write"
        )));
    }
    let release = |target: Option<String>| {
        target
            .as_deref()
            .and_then(release_of_target)
            .map(str::to_string)
    };
    let current = release(current?);
    let pending = release(pending?).filter(|pending| Some(pending) != current.as_ref());
    Ok(Some(InPlace {
        details,
        timeline: Timeline { current, kept },
        pending,
        unsealed_env,
    }))
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

/// Puts a release in place in one container: its files, if they move, then a restart
/// and its gate, and only once the container passed the gate the record that it runs
/// the release. A gate failed is no error: the result says so, and nothing is recorded.
pub async fn put_in_place<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    files: Option<Bytes>,
    activation: Bytes,
    reporter: &dyn Reporter,
) -> Result<Option<GateResult>, EngineError> {
    let name = unit.key.container.as_str();
    let mut gate = None;
    if let Some(files) = files {
        reporter.step(&unit.key, "uploading");
        fleet
            .call(&unit.host, |engine| async move {
                engine.upload(name, files).await
            })
            .await?;
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
        gate = (!unit.gate.is_open()).then_some(result);
        if !passed {
            return Ok(gate);
        }
        // Before the release is recorded: a container whose hook failed is not on it.
        run_hook(fleet, unit, ContainerHook::PostStart, reporter).await?;
    }
    fleet
        .call(&unit.host, |engine| async move {
            engine.upload(name, activation).await
        })
        .await?;
    Ok(gate)
}
