//! `status`: what every selected container is doing, read from all hosts at once.

use super::window::windowed;
use tracing::debug;

use super::fleet::Fleet;
use super::outcome::{FleetUnit, UnitKey};
use super::releases::current_release;
use crate::engine::{ContainerDetails, Engine, EngineError};
use crate::inventory::Host;
use crate::plan::ContainerState;

/// One selected container as its engine describes it.
#[derive(Debug, Clone)]
pub struct UnitStatus {
    pub unit: UnitKey,
    /// None when the host could be asked and has no such container.
    pub observed: Result<Option<Observed>, EngineError>,
}

#[derive(Debug, Clone)]
pub struct Observed {
    pub details: ContainerDetails,
    /// Bytes in use; running containers only.
    pub memory: Option<u64>,
    /// The memory limit in bytes, where the engine's sample gave it.
    pub memory_limit: Option<u64>,
    /// 100 is one CPU busy; running containers only.
    pub cpu_percent: Option<f64>,
    /// The release the last deploy put in place.
    pub release: Option<String>,
}

/// How resource use is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// From `ps` on each host, as a status script would: resident memory, and CPU time
    /// over each process's lifetime. Fast.
    Processes,
    /// From the engine's own sampling, as `docker stats` shows: cgroup memory, and CPU
    /// over the last second. Takes about a second.
    Live,
}

/// Reads every unit's state and resource use, all hosts and containers at once.
pub async fn status<E: Engine>(
    fleet: &Fleet<E>,
    units: &[FleetUnit],
    usage: Usage,
) -> Vec<UnitStatus> {
    windowed(units.iter().map(|unit| async {
        UnitStatus {
            unit: unit.key.clone(),
            observed: observe(fleet, unit, usage).await,
        }
    }))
    .await
}

async fn observe<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    usage: Usage,
) -> Result<Option<Observed>, EngineError> {
    let name = unit.key.container.as_str();
    let host = &unit.host;
    let Some(details) = fleet
        .call(host, |engine| async move { engine.inspect(name).await })
        .await?
    else {
        return Ok(None);
    };
    let running = details.state == ContainerState::Running;
    let release = current_release(fleet, host, name, &details);
    let measured = async {
        if running {
            measure(fleet, host, name, usage).await
        } else {
            Measured::default()
        }
    };
    let (release, measured) = futures::join!(release, measured);
    // The row stands without it: a container being removed, say, has no files to read.
    let release = release
        .inspect_err(|err| debug!(container = name, %err, "no current release"))
        .ok()
        .flatten();
    Ok(Some(Observed {
        details,
        memory: measured.memory,
        memory_limit: measured.memory_limit,
        cpu_percent: measured.cpu_percent,
        release,
    }))
}

#[derive(Default)]
struct Measured {
    memory: Option<u64>,
    memory_limit: Option<u64>,
    cpu_percent: Option<f64>,
}

/// Resource use, or none if the engine would not tell: the row still shows the rest.
async fn measure<E: Engine>(fleet: &Fleet<E>, host: &Host, name: &str, usage: Usage) -> Measured {
    match usage {
        Usage::Processes => match fleet
            .call(host, |engine| async move { engine.processes(name).await })
            .await
        {
            Ok(found) => Measured {
                memory: Some(found.memory_rss),
                memory_limit: None,
                cpu_percent: Some(found.cpu_percent),
            },
            Err(err) => {
                debug!(container = name, %err, "no process list");
                Measured::default()
            }
        },
        Usage::Live => match fleet
            .call(host, |engine| async move { engine.stats(name).await })
            .await
        {
            Ok((before, now)) => Measured {
                memory: Some(now.memory_used),
                memory_limit: Some(now.memory_limit),
                cpu_percent: before.cpu_percent(&now),
            },
            Err(err) => {
                debug!(container = name, %err, "no stats");
                Measured::default()
            }
        },
    }
}

/// Each unit's details alone, all at once: what a watcher needs, at one call each.
pub async fn inspect_all<E: Engine>(
    fleet: &Fleet<E>,
    units: &[FleetUnit],
) -> Vec<Result<Option<crate::engine::ContainerDetails>, EngineError>> {
    windowed(units.iter().map(|unit| async {
        let name = unit.key.container.as_str();
        fleet
            .call(
                &unit.host,
                |engine| async move { engine.inspect(name).await },
            )
            .await
    }))
    .await
}
