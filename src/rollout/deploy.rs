//! `deploy`: upload each container's bundle and restart it, core units first.

use futures::future::join_all;

use super::fleet::Fleet;
use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use super::{connect, timed};
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

    let (core, rest): (Vec<&DeployUnit>, Vec<&DeployUnit>) =
        units.iter().partition(|unit| unit.key.core);
    let mut outcomes = Vec::new();
    if !core.is_empty() {
        reporter.note(&format!("core units first: {}", names(&core)));
        for unit in &rest {
            reporter.step(&unit.key, "waiting for core units");
        }
        outcomes.extend(deploy_all(&fleet, &core, reporter).await);
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|outcome| outcome.status.is_failure())
        .map(|outcome| outcome.unit.to_string())
        .collect();
    if failed.is_empty() {
        outcomes.extend(deploy_all(&fleet, &rest, reporter).await);
    } else if !rest.is_empty() {
        let reason = format!("not deployed: core unit {} failed", failed.join(", "));
        reporter.note(&format!(
            "{} other unit(s) left untouched: {reason}",
            rest.len()
        ));
        for unit in &rest {
            let outcome = Outcome::new(unit.key.clone(), Status::Skipped, reason.clone());
            reporter.finish(&outcome);
            outcomes.push(outcome);
        }
    }
    reporter.end();
    // Back to file order, whatever order they finished in.
    outcomes.sort_by_key(|outcome| keys.iter().position(|key| key == &outcome.unit));
    outcomes
}

async fn deploy_all<E: Engine>(
    fleet: &Fleet<E>,
    units: &[&DeployUnit],
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    join_all(
        units
            .iter()
            .map(|unit| timed(reporter, deploy_one(fleet, unit, reporter))),
    )
    .await
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

fn names(units: &[&DeployUnit]) -> String {
    let names: Vec<String> = units.iter().map(|unit| unit.key.to_string()).collect();
    names.join(", ")
}

/// Release ids are shown by their first 12 hex digits, as Docker shows image ids.
pub fn short(release: &str) -> &str {
    &release[..release.len().min(12)]
}
