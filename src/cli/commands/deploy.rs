//! `jdeploy deploy`: render, plan, then put each changed container's release in place and
//! restart it, core units first.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::confirm::{confirm, on_terminal};
use super::plan::plan_rows;
use super::record::{record, RunInfo};
use super::rollout::{connector, finish, reporter, runtime};
use super::{load_inventory, render_members, renderer};
use crate::bundle::{read_tree, CopyTree};
use crate::cli::args::{DeployArgs, DeployFlags};
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::history::operator;
use crate::inventory::{Diagnostics, Group, Inventory};
use crate::release::{copy_manifests, ReleaseFlags};
use crate::render::Flags;
use crate::report::plan_text;
use crate::rollout::{self, DeployUnit, Stamp, UnitKey};

pub fn deploy(args: &DeployArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let group = inventory.select_group(&args.group)?;
    // Everything is rendered and read before any engine is touched: bad input changes nothing.
    let units = deploy_units(&inventory, group, &args.flags)?;
    let runtime = runtime()?;
    let started_at = SystemTime::now();
    let started = Instant::now();
    let connector = connector(&inventory, group.container.stop_timeout);
    let plan = runtime.block_on(rollout::plan_deploy(
        &connector,
        units,
        inventory.connection.parallel,
    ));
    let changing = plan
        .units
        .iter()
        .filter(|planned| planned.is_change() || (args.force && planned.plan.is_ok()))
        .count();
    if changing > 0 && !args.yes && on_terminal() {
        let changes = runtime.block_on(plan.changes());
        eprint!("{}", plan_text(&plan_rows(&plan, changes), settings.color));
        if !confirm(&format!(
            "Deploy {changing} container(s) of {}?",
            group.name
        ))? {
            settings
                .printer()
                .error("nothing was deployed: not confirmed (--yes skips the question)");
            return Ok(ExitStatus::Failure);
        }
    }
    let stamp = Stamp {
        at: deploy_time(plan.latest_deploy()),
        by: operator(),
        mtime: started_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
    };
    let deploy = plan.deploy_id(args.force, &stamp);
    let reporter = reporter(settings, "deploy");
    let outcomes = runtime.block_on(plan.apply(
        args.force,
        inventory.keep_releases,
        &stamp,
        reporter.as_ref(),
    ));
    let elapsed = started.elapsed();
    let info = RunInfo {
        command: "deploy",
        group: &group.name,
        flags: serde_json::json!({
            "monitor": args.flags.monitor,
            "mode": args.flags.mode,
            "force": args.force,
        }),
        deploy,
        started: started_at,
        elapsed,
    };
    record(settings, info, &outcomes);
    finish(settings, "deploy", &group.name, &outcomes, elapsed)
}

/// Now, or just after the group's latest deploy if this machine's clock is behind it:
/// deploys must line up in the order they ran.
fn deploy_time(latest: Option<&str>) -> String {
    let now = SystemTime::now();
    // A clock a day ahead is not a clock behind: such a time is ignored, not followed.
    let plausible = now + Duration::from_secs(24 * 3600);
    let after_latest = latest
        .and_then(|latest| humantime::parse_rfc3339(latest).ok())
        .filter(|latest| *latest < plausible)
        .map(|latest| latest + Duration::from_micros(1));
    let at = match after_latest {
        Some(after) if after > now => after,
        _ => now,
    };
    humantime::format_rfc3339_nanos(at).to_string()
}

/// Every container of `group` with what deploy would put in it: rendered, and the copy
/// sources read, before any engine is contacted.
pub fn deploy_units(
    inventory: &Inventory,
    group: &Group,
    flags: &DeployFlags,
) -> Result<Vec<DeployUnit>, Diagnostics> {
    let members: Vec<_> = inventory.members(&group.name).collect();
    let rendered = render_members(
        inventory,
        &renderer(inventory),
        group,
        &members,
        &Flags::from(flags),
    )?;
    let copies: Arc<[CopyTree]> = read_copies(inventory, group)?.into();
    let manifests = copy_manifests(&copies).into();
    let release_flags = ReleaseFlags {
        monitor: flags.monitor,
        mode: flags.mode.clone(),
    };
    Ok(members
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
            rendered,
            copies: Arc::clone(&copies),
            copy_manifests: Arc::clone(&manifests),
            flags: release_flags.clone(),
        })
        .collect())
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
