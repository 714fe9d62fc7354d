//! `jdeploy status`.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use super::fleet::{fleet_units, longest_stop, selection};
use super::load_inventory_for_fleet;
use super::rollout::{connector, runtime};
use crate::cli::args::StatusArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::Inventory;
use crate::labels;
use crate::plan::desired_containers;
use crate::report::{status_summary, status_table, StatusJson, StatusRow};
use crate::rollout::{self, UnitStatus, Usage};

pub fn status(args: &StatusArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory_for_fleet(settings)?;
    let selection = selection(args.group.as_deref(), &args.narrow);
    let units = fleet_units(&inventory, &selection, None)?;
    let started = Instant::now();
    let statuses = runtime()?.block_on(rollout::status(
        &connector(&inventory, longest_stop(&units)),
        units,
        inventory.connection.parallel,
        if args.live {
            Usage::Live
        } else {
            Usage::Processes
        },
    ));
    let now = SystemTime::now();
    let mut hashes = DesiredHashes::new(&inventory);
    let rows: Vec<StatusRow> = statuses
        .iter()
        .map(|status| StatusRow::new(status, hashes.of(status).as_deref(), now))
        .collect();
    let printer = settings.printer();
    if settings.json {
        printer.json(&StatusJson::new(&rows))?;
    } else if settings.quiet {
        for row in rows.iter().filter(|row| row.is_unknown()) {
            printer.error(&format!(
                "{}: {}",
                row.unit,
                row.note.as_deref().unwrap_or("")
            ));
        }
    } else {
        printer.out(&status_table(&rows, settings.stdout_color))?;
        printer.out(&status_summary(&rows, started.elapsed()))?;
    }
    Ok(if StatusJson::complete(&rows) {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The configuration hash groups.yaml asks for, per group, worked out once per group.
struct DesiredHashes<'a> {
    inventory: &'a Inventory,
    /// Group name to (container, host identity) to hash.
    groups: HashMap<String, HashMap<(String, String), String>>,
}

impl<'a> DesiredHashes<'a> {
    fn new(inventory: &'a Inventory) -> Self {
        Self {
            inventory,
            groups: HashMap::new(),
        }
    }

    /// For the group the container was created for, if groups.yaml gives it an image.
    fn of(&mut self, status: &UnitStatus) -> Option<String> {
        let observed = status.observed.as_ref().ok()?.as_ref()?;
        let group_name = observed.details.labels.get(labels::GROUP)?;
        let inventory = self.inventory;
        let hashes = self.groups.entry(group_name.clone()).or_insert_with(|| {
            let Some(group) = inventory.group(group_name) else {
                return HashMap::new();
            };
            let Some(image) = group.image.as_deref() else {
                return HashMap::new();
            };
            desired_containers(inventory, group, image)
                .into_iter()
                .map(|desired| ((desired.name, desired.host.identity), desired.config_hash))
                .collect()
        });
        let host = inventory
            .units
            .iter()
            .find(|unit| unit.host.name == status.unit.host)
            .map(|unit| unit.host.identity.clone())?;
        hashes.get(&(status.unit.container.clone(), host)).cloned()
    }
}
