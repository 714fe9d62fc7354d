//! Turning a selection (group or all, narrowed by host and container) into the
//! containers to act on.

use super::strategy::gate;
use crate::inventory::{Diagnostics, Inventory, Selection, Target};
use crate::rollout::{FleetUnit, UnitKey};

/// The selected containers; `stop_timeout` overrides their groups' `stop_timeout`.
pub(super) fn fleet_units(
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
            gate: gate(target.settings, &target.settings.rollout),
            hooks: std::sync::Arc::new(target.settings.hooks.in_container()),
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
pub(super) fn longest_stop(units: &[FleetUnit]) -> u32 {
    units
        .iter()
        .map(|unit| unit.stop_timeout)
        .max()
        .unwrap_or(0)
}

/// The group named, or `all`, for summaries.
pub(super) fn label(selection: &Selection) -> String {
    selection.group.clone().unwrap_or_else(|| "all".into())
}

/// For `--no-hooks`: nothing runs in the containers but what was asked.
pub(super) fn without_hooks(units: &mut [FleetUnit]) {
    let none = std::sync::Arc::new(crate::inventory::hooks::ContainerHooks::none());
    for unit in units {
        unit.hooks = std::sync::Arc::clone(&none);
    }
}
