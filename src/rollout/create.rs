//! `create`: list each host once, plan, then create, start or replace what must be.

use std::collections::{HashMap, HashSet};

use futures::future::join_all;

use super::env_key::engine_keys;
use super::executor::{execute, Order, Strategy};
use super::fleet::{distinct_hosts, Fleet};
use super::outcome::{Outcome, Status, UnitKey};
use super::reporter::Reporter;
use crate::engine::{Engine, EngineError};
use crate::inventory::Host;
use crate::plan::{
    plan_create, CreateAction, CreateStep, DesiredContainer, ObservedContainer, Recreate,
};

/// Suffix of a replacement container until the one it replaces is gone.
const NEXT_SUFFIX: &str = "-jdeploy-next";

/// Every container of each host, by host identity, or why the host could not say.
pub type Listings = HashMap<String, Result<Vec<ObservedContainer>, EngineError>>;

/// Lists each of `hosts` once, all at once.
pub async fn list_hosts<E: Engine>(fleet: &Fleet<E>, hosts: &[&Host]) -> Listings {
    let distinct = distinct_hosts(hosts);
    let lists = join_all(
        distinct
            .iter()
            .map(|host| fleet.call(host, |engine| async move { engine.list().await })),
    )
    .await;
    distinct
        .iter()
        .map(|host| host.identity.clone())
        .zip(lists)
        .collect()
}

pub async fn create<E: Engine>(
    fleet: &Fleet<E>,
    desired: Vec<DesiredContainer>,
    recreate: Recreate,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    // One list per host: a re-run with nothing to change costs no more than that.
    let hosts: Vec<_> = desired.iter().map(|container| &container.host).collect();
    let (listed, _) = futures::join!(list_hosts(fleet, &hosts), engine_keys(fleet, &hosts, true));
    create_listed(fleet, desired, &listed, recreate, reporter).await
}

/// As [`create`], from listings already made of (at least) the desired hosts.
pub async fn create_listed<E: Engine>(
    fleet: &Fleet<E>,
    mut desired: Vec<DesiredContainer>,
    listed: &Listings,
    recreate: Recreate,
    reporter: &dyn Reporter,
) -> Vec<Outcome> {
    let listing = |host: &Host| listed.get(&host.identity);
    // One per engine, owned: the containers are sealed in place below.
    let hosts: Vec<Host> = {
        let all: Vec<&Host> = desired.iter().map(|container| &container.host).collect();
        distinct_hosts(&all).into_iter().cloned().collect()
    };
    // Read already when the caller asked for them beside the listing.
    let keys = engine_keys(fleet, &hosts.iter().collect::<Vec<_>>(), true).await;
    let keys = &keys;
    for container in &mut desired {
        if let Some(Ok(Some(key))) = keys.get(&container.host.identity) {
            container.seal(key);
        }
    }

    let actions = plan_create(
        desired,
        |container| match listing(&container.host) {
            Some(Ok(found)) => found
                .iter()
                .find(|found| found.name == container.name)
                .cloned(),
            _ => None,
        },
        recreate,
    );
    let actions: Vec<(UnitKey, CreateAction)> = actions
        .into_iter()
        .map(|action| (key(&action.desired), action))
        .collect();
    let execution = execute(
        &actions,
        |(key, _)| key,
        |_| true,
        &Strategy::plain(Order::AllAtOnce),
        "created",
        reporter,
        &|| false,
        |(key, action)| async move {
            let host = &action.desired.host;
            match (listing(host), keys.get(&host.identity)) {
                (Some(Err(err)), _) | (_, Some(Err(err))) => {
                    Outcome::engine_failed(key.clone(), err)
                }
                (Some(Ok(_)), Some(Ok(Some(_)))) => apply(fleet, key, action, reporter).await,
                _ => Outcome::failed(
                    key.clone(),
                    crate::engine::ErrorKind::Engine,
                    "its host's containers were not listed",
                ),
            }
        },
    )
    .await;
    execution.outcomes
}

async fn apply<E: Engine>(
    fleet: &Fleet<E>,
    unit: &UnitKey,
    action: &CreateAction,
    reporter: &dyn Reporter,
) -> Outcome {
    let desired = &action.desired;
    let unit = unit.clone();
    let result = match &action.step {
        CreateStep::Unchanged => Ok((Status::Unchanged, "configuration unchanged".to_string())),
        CreateStep::Differs { changes, foreign } => {
            Ok((Status::Differs, differs(changes, *foreign)))
        }
        CreateStep::Start => {
            reporter.step(&unit, "starting");
            let name = desired.name.as_str();
            fleet
                .call(
                    &desired.host,
                    |engine| async move { engine.start(name).await },
                )
                .await
                .map(|()| (Status::Started, "was stopped, started".to_string()))
        }
        CreateStep::Create => create_and_start(fleet, desired, &unit, reporter, false)
            .await
            .map(|()| (Status::Created, String::new())),
        CreateStep::Replace { changes } => create_and_start(fleet, desired, &unit, reporter, true)
            .await
            .map(|()| (Status::Recreated, changes.join("; "))),
    };
    match result {
        Ok((status, detail)) => Outcome::new(unit, status, detail),
        Err(err) => Outcome::failed(unit, err.kind(), failure(err, desired)),
    }
}

/// Creates and starts the container. When it `replaces` one, the new container is
/// created beside the old one first, so a create that fails (a missing image, say) leaves
/// the old container in place; only then is the old one removed and the new one renamed.
async fn create_and_start<E: Engine>(
    fleet: &Fleet<E>,
    desired: &DesiredContainer,
    unit: &UnitKey,
    reporter: &dyn Reporter,
    replaces: bool,
) -> Result<(), EngineError> {
    let (host, name) = (&desired.host, desired.name.as_str());
    let next = format!("{name}{NEXT_SUFFIX}");
    let created = if replaces { next.as_str() } else { name };
    if replaces {
        // A leftover of a replace that was interrupted.
        match fleet
            .call(
                host,
                |engine| async move { engine.remove(created, 0).await },
            )
            .await
        {
            Ok(()) | Err(EngineError::NoSuchContainer { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    reporter.step(unit, "creating");
    fleet
        .call(host, |engine| async move {
            engine.create(created, desired).await
        })
        .await?;
    if replaces {
        reporter.step(unit, "removing old");
        let timeout = desired.spec.stop_timeout;
        fleet
            .call(
                host,
                |engine| async move { engine.remove(name, timeout).await },
            )
            .await?;
        fleet
            .call(
                host,
                |engine| async move { engine.rename(created, name).await },
            )
            .await?;
    }
    reporter.step(unit, "starting");
    fleet
        .call(host, |engine| async move { engine.start(name).await })
        .await
}

fn differs(changes: &[String], foreign: bool) -> String {
    if foreign {
        "not created by jdeploy; left alone (--force replaces it)".to_string()
    } else {
        format!(
            "left alone (--recreate replaces it): {}",
            changes.join("; ")
        )
    }
}

fn failure(err: EngineError, desired: &DesiredContainer) -> String {
    match err {
        EngineError::NoSuchImage { .. } => format!(
            "image {image} is not on this host; `jdeploy image push {image} --group {group}` sends it there (or `create --push-images`)",
            image = desired.spec.image,
            group = desired.spec.group,
        ),
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

/// A container jdeploy created for a group that groups.yaml no longer lists.
#[derive(Debug, Clone)]
pub struct Stray {
    pub unit: UnitKey,
    pub host: Host,
    pub state: crate::plan::ContainerState,
}

/// The strays of `groups` on `hosts`, from `listings` of them; `listed` holds the
/// containers groups.yaml puts on each host, as (host identity, name). Hosts that could
/// not be listed come back with why.
pub fn find_strays(
    hosts: &[&Host],
    listings: &Listings,
    groups: &[&str],
    listed: &HashSet<(String, String)>,
) -> (Vec<Stray>, Vec<(Host, EngineError)>) {
    let mut strays = Vec::new();
    let mut unlisted = Vec::new();
    let mut listed_on: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (identity, name) in listed {
        listed_on.entry(identity).or_default().insert(name);
    }
    let none_listed = HashSet::new();
    for host in distinct_hosts(hosts) {
        let found = match listings.get(&host.identity) {
            Some(Ok(found)) => found,
            Some(Err(err)) => {
                unlisted.push((host.clone(), err.clone()));
                continue;
            }
            None => continue,
        };
        let names = listed_on
            .get(host.identity.as_str())
            .unwrap_or(&none_listed);
        let of_groups = groups.iter().flat_map(|group| {
            crate::plan::strays(group, found, names, NEXT_SUFFIX)
                .into_iter()
                .map(move |container| (*group, container))
        });
        for (group, container) in of_groups {
            strays.push(Stray {
                unit: UnitKey {
                    group: group.to_string(),
                    container: container.name.clone(),
                    host: host.name.clone(),
                    core: container
                        .labels
                        .get(crate::labels::CORE)
                        .map(String::as_str)
                        == Some("true"),
                },
                host: host.clone(),
                state: container.state,
            });
        }
    }
    (strays, unlisted)
}
