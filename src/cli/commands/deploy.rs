//! `jdeploy deploy`: render, copy in and restart every container of a group, core first.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::rollout::{connector, finish, reporter, runtime};
use super::{load_inventory, render_members, renderer};
use std::sync::Arc;

use crate::bundle::{read_tree, Bundle, CopyTree};
use crate::cli::args::DeployArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::{Diagnostics, Group, Inventory};
use crate::render::Flags;
use crate::rollout::{self, DeployUnit, UnitKey};

pub fn deploy(args: &DeployArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let group = inventory.select_group(&args.group)?;
    let members: Vec<_> = inventory.members(&group.name).collect();
    // Everything is rendered and read before any engine is touched: bad input changes nothing.
    let rendered = render_members(
        &inventory,
        &renderer(&inventory),
        group,
        &members,
        &Flags::from(&args.flags),
    )?;
    let copies: Arc<[CopyTree]> = read_copies(&inventory, group)?.into();
    let mtime = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let units: Vec<DeployUnit> = members
        .iter()
        .zip(rendered)
        .map(|(member, rendered)| DeployUnit {
            key: UnitKey {
                group: group.name.clone(),
                container: member.container.to_string(),
                host: member.host().name.clone(),
                core: member.is_core(),
            },
            host: member.host().clone(),
            stop_timeout: group.container.stop_timeout,
            bundle: Bundle::new(rendered, Arc::clone(&copies), mtime),
        })
        .collect();
    let started = Instant::now();
    let reporter = reporter(settings, "deploy");
    let outcomes = runtime()?.block_on(rollout::deploy(
        &connector(&inventory, group.container.stop_timeout),
        units,
        inventory.connection.parallel,
        reporter.as_ref(),
    ));
    finish(
        settings,
        "deploy",
        &group.name,
        &outcomes,
        started.elapsed(),
    )
}

fn read_copies(inventory: &Inventory, group: &Group) -> Result<Vec<CopyTree>, Diagnostics> {
    let mut trees = Vec::new();
    let mut errors = Vec::new();
    for copy in &group.copies {
        match read_tree(copy) {
            Ok(tree) => trees.push(tree),
            Err(err) => errors.push(inventory.error_at(&copy.key, err.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(trees)
    } else {
        Err(Diagnostics(errors))
    }
}
