//! What a fleet watcher looks at: every container's condition (one inspect each), and
//! what each group asks of the watcher.

use std::collections::BTreeMap;

use super::select::{fleet_units, longest_stop};
use super::{App, AppError, Backend, Frontend};
use crate::inventory::Selection;
use crate::notify::NotifyTarget;
use crate::rollout::{self, UnitKey};
use crate::watch::Condition;

/// The fleet as one look found it.
#[derive(Debug)]
pub struct FleetLook {
    pub units: Vec<(UnitKey, Condition)>,
    /// Per group: whether the watcher restarts its exited or unhealthy containers.
    pub heal: BTreeMap<String, bool>,
    /// Per group: whom to tell.
    pub notify: BTreeMap<String, Vec<NotifyTarget>>,
}

impl FleetLook {
    /// Whether the watcher restarts `group`'s exited or unhealthy containers.
    pub fn heals(&self, group: &str) -> bool {
        self.heal.get(group).copied().unwrap_or(false)
    }
}

impl<B: Backend> App<B> {
    /// Every container of every group, as it is now.
    pub async fn look(&self, frontend: &dyn Frontend) -> Result<FleetLook, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let units = fleet_units(&inventory, &Selection::default(), None)?;
        let fleet = self.fleet(&inventory, longest_stop(&units));
        let observed = rollout::inspect_all(&fleet, &units).await;
        Ok(FleetLook {
            units: units
                .into_iter()
                .zip(observed)
                .map(|(unit, observed)| (unit.key, Condition::of(&observed)))
                .collect(),
            heal: inventory
                .groups
                .iter()
                .map(|group| (group.name.clone(), group.heal))
                .collect(),
            notify: inventory
                .groups
                .iter()
                .map(|group| (group.name.clone(), group.notify.clone()))
                .collect(),
        })
    }
}
