//! `jdeploy groups`: what the inventory says, group by group.

use serde::Serialize;

use super::load_inventory;
use crate::cli::args::GroupsArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::{Group, Inventory};
use crate::report::groups_table;

#[derive(Serialize)]
struct GroupView<'a> {
    name: &'a str,
    image: Option<&'a str>,
    containers: usize,
    units: Vec<UnitView<'a>>,
}

#[derive(Serialize)]
struct UnitView<'a> {
    host: &'a str,
    endpoint: String,
    core: bool,
    containers: &'a [String],
}

fn view<'a>(inventory: &'a Inventory, group: &'a Group) -> GroupView<'a> {
    GroupView {
        name: &group.name,
        image: group.image.as_deref(),
        containers: inventory.members(&group.name).count(),
        units: inventory
            .units_of(&group.name)
            .map(|unit| UnitView {
                host: &unit.host.name,
                endpoint: unit.host.endpoint.to_string(),
                core: unit.core,
                containers: &unit.containers,
            })
            .collect(),
    }
}

pub fn groups(args: &GroupsArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let selected: Vec<&Group> = match &args.group {
        Some(name) => vec![inventory.select_group(name)?],
        None => inventory.groups.iter().collect(),
    };
    let printer = settings.printer();
    if settings.json {
        let views: Vec<GroupView> = selected
            .iter()
            .map(|group| view(&inventory, group))
            .collect();
        printer.json(&views)?;
    } else {
        printer.out(&groups_table(&inventory, selected))?;
    }
    Ok(ExitStatus::Success)
}
