//! `deploy`: upload each container's bundle and restart it, core units first.

use super::connect;
use super::fleet::Fleet;
use super::outcome::{Outcome, Status, UnitKey};
use super::phases::{in_phases, Order};
use super::reporter::Reporter;
use crate::bundle::Bundle;
use crate::engine::{Connector, Engine, EngineError};
use crate::inventory::Host;

/// One container to deploy into, with what to upload.
#[derive(Debug, Clone)]
pub struct DeployUnit {
    pub key: UnitKey,
    pub host: Host,
    pub stop_timeout: u32,
    pub bundle: Bundle,
}

/// Deploys every unit; the non-core units of a group start only once all its core
/// units succeeded, and are skipped, untouched, if one failed.
pub async fn deploy<C: Connector>(
    connector: &C,
    units: Vec<DeployUnit>,
    parallel: u32,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let keys: Vec<UnitKey> = units.iter().map(|unit| unit.key.clone()).collect();
    let hosts: Vec<&Host> = units.iter().map(|unit| &unit.host).collect();
    let fleet = connect(connector, &keys, &hosts, parallel, reporter).await;

    let outcomes = in_phases(
        &units,
        |unit| &unit.key,
        Order::CoreFirst,
        "deployed",
        reporter,
        |unit| deploy_one(&fleet, unit, reporter),
    )
    .await;
    reporter.end();
    outcomes
}

async fn deploy_one<E: Engine>(
    fleet: &Fleet<E>,
    unit: &DeployUnit,
    reporter: &dyn Reporter,
) -> Outcome {
    let name = unit.key.container.as_str();
    let result = async {
        reporter.step(&unit.key, "uploading");
        let bundle = &unit.bundle;
        fleet
            .call(&unit.host, |engine| async move {
                engine.upload(name, bundle.archive()).await
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
            let mut outcome = Outcome::new(
                unit.key.clone(),
                Status::Deployed,
                format!("release {}", short(&unit.bundle.release)),
            );
            outcome.release = Some(unit.bundle.release.clone());
            outcome
        }
        Err(err @ EngineError::NoSuchContainer { .. }) => Outcome::new(
            unit.key.clone(),
            Status::Failed,
            format!(
                "{err}; `jdeploy create --group {}` creates it",
                unit.key.group
            ),
        ),
        Err(err) => Outcome::new(unit.key.clone(), Status::Failed, err.to_string()),
    }
}

/// Release ids are shown by their first 12 hex digits, as Docker shows image ids.
pub fn short(release: &str) -> &str {
    &release[..release.len().min(12)]
}
