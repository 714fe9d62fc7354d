//! What the fleet commands (status, exec, logs, start, stop, restart, rm) share: turning
//! the selection flags into the containers to act on.

use crate::cli::args::{NarrowArgs, TargetArgs};
use crate::inventory::{Diagnostics, Inventory, Selection, Target};
use crate::rollout::{FleetUnit, UnitKey};

pub fn selection(group: Option<&str>, narrow: &NarrowArgs) -> Selection {
    Selection {
        group: group.map(str::to_string),
        hosts: narrow.hosts.clone(),
        containers: narrow.containers.clone(),
    }
}

impl TargetArgs {
    pub fn selection(&self) -> Selection {
        selection(self.group.as_deref(), &self.narrow)
    }

    /// The group named, or `all`, for summaries.
    pub fn label(&self) -> &str {
        self.group.as_deref().unwrap_or("all")
    }
}

/// The selected containers; `stop_timeout` overrides their groups' `stop_timeout`.
pub fn fleet_units(
    inventory: &Inventory,
    selection: &Selection,
    stop_timeout: Option<u32>,
) -> Result<Vec<FleetUnit>, Diagnostics> {
    Ok(inventory
        .select(selection)?
        .iter()
        .map(|target| FleetUnit {
            key: unit_key(target),
            host: target.member.host().clone(),
            stop_timeout: stop_timeout.unwrap_or(target.settings.container.stop_timeout),
        })
        .collect())
}

fn unit_key(target: &Target) -> UnitKey {
    UnitKey {
        group: target.group.clone(),
        container: target.member.container.to_string(),
        host: target.member.host().name.clone(),
        core: target.member.is_core(),
    }
}

/// The longest any of `units` may take to stop, which bounds how long a call may take.
pub fn longest_stop(units: &[FleetUnit]) -> u32 {
    units
        .iter()
        .map(|unit| unit.stop_timeout)
        .max()
        .unwrap_or(0)
}

pub fn keys(units: &[FleetUnit]) -> Vec<UnitKey> {
    units.iter().map(|unit| unit.key.clone()).collect()
}
