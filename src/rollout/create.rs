//! `create`: list each host once, plan, then create, start or replace what must be.

use std::collections::HashMap;
use std::time::Instant;

use futures::future::join_all;

use super::fleet::{distinct_hosts, Fleet};
use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use crate::engine::{Connector, Engine, EngineError};
use crate::plan::{
    plan_create, CreateAction, CreateStep, DesiredContainer, ObservedContainer, Recreate,
};

pub async fn create<C: Connector>(
    connector: &C,
    desired: Vec<DesiredContainer>,
    recreate: Recreate,
    parallel: u32,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let keys: Vec<UnitKey> = desired.iter().map(key).collect();
    reporter.begin(&keys);
    for unit in &keys {
        reporter.step(unit, "connecting");
    }
    let hosts: Vec<_> = desired.iter().map(|container| &container.host).collect();
    let fleet = Fleet::connect(connector, &hosts, parallel).await;

    // One list per host: a re-run with nothing to change costs no more than that.
    let distinct = distinct_hosts(&hosts);
    let lists = join_all(
        distinct
            .iter()
            .map(|host| fleet.call(host, |engine| async move { engine.list().await })),
    )
    .await;
    let listed: HashMap<String, Result<Vec<ObservedContainer>, EngineError>> = distinct
        .iter()
        .map(|host| host.identity.clone())
        .zip(lists)
        .collect();

    let actions = plan_create(
        desired,
        |container| match &listed[&container.host.identity] {
            Ok(found) => found
                .iter()
                .find(|found| found.name == container.name)
                .cloned(),
            Err(_) => None,
        },
        recreate,
    );
    let outcomes = join_all(actions.into_iter().map(|action| {
        let listing = listed[&action.desired.host.identity]
            .as_ref()
            .err()
            .cloned();
        let fleet = &fleet;
        async move {
            let started = Instant::now();
            let unit = key(&action.desired);
            let mut outcome = match listing {
                Some(err) => Outcome::new(unit, Status::Failed, err.to_string()),
                None => apply(fleet, &action, reporter).await,
            };
            outcome.elapsed = started.elapsed();
            reporter.finish(&outcome);
            outcome
        }
    }))
    .await;
    reporter.end();
    outcomes
}

async fn apply<E: Engine>(
    fleet: &Fleet<E>,
    action: &CreateAction,
    reporter: &dyn Reporter,
) -> Outcome {
    let desired = &action.desired;
    let unit = key(desired);
    let host = &desired.host;
    let name = desired.name.as_str();
    let result = async {
        match &action.step {
            CreateStep::Unchanged => Ok((
                Status::Unchanged,
                "running, configuration unchanged".to_string(),
            )),
            CreateStep::Differs { changes } => Ok((
                Status::Differs,
                format!(
                    "left alone (--recreate replaces it): {}",
                    changes.join("; ")
                ),
            )),
            CreateStep::Start => {
                reporter.step(&unit, "starting");
                fleet
                    .call(host, |engine| async move { engine.start(name).await })
                    .await?;
                Ok((Status::Started, "was stopped, started".to_string()))
            }
            CreateStep::Create => {
                create_and_start(fleet, desired, &unit, reporter).await?;
                Ok((Status::Created, String::new()))
            }
            CreateStep::Replace { changes } => {
                reporter.step(&unit, "removing");
                let timeout = desired.spec.stop_timeout;
                fleet
                    .call(
                        host,
                        |engine| async move { engine.remove(name, timeout).await },
                    )
                    .await?;
                create_and_start(fleet, desired, &unit, reporter).await?;
                Ok((Status::Recreated, changes.join("; ")))
            }
        }
    }
    .await;
    match result {
        Ok((status, detail)) => Outcome::new(unit, status, detail),
        Err(err) => Outcome::new(unit, Status::Failed, failure(err, desired)),
    }
}

async fn create_and_start<E: Engine>(
    fleet: &Fleet<E>,
    desired: &DesiredContainer,
    unit: &UnitKey,
    reporter: &dyn Reporter,
) -> Result<(), EngineError> {
    reporter.step(unit, "creating");
    fleet
        .call(&desired.host, |engine| async move {
            engine.create(desired).await
        })
        .await?;
    reporter.step(unit, "starting");
    let name = desired.name.as_str();
    fleet
        .call(
            &desired.host,
            |engine| async move { engine.start(name).await },
        )
        .await
}

fn failure(err: EngineError, desired: &DesiredContainer) -> String {
    match err {
        EngineError::NoSuchImage { .. } => EngineError::NoSuchImage {
            image: desired.spec.image.clone(),
        }
        .to_string(),
        other => other.to_string(),
    }
}

fn key(desired: &DesiredContainer) -> UnitKey {
    UnitKey {
        group: desired.spec.group.clone(),
        container: desired.name.clone(),
        host: desired.host.name.clone(),
        core: desired.spec.core,
    }
}
