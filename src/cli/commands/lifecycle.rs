//! `start`, `stop`, `restart` and `rm`.

use std::time::Instant;

use super::confirm::{confirm, on_terminal};
use super::fleet::{fleet_units, longest_stop};
use super::load_inventory_for_fleet;
use super::rollout::{connector, finish, reporter, runtime};
use crate::cli::args::TargetArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::rollout::{self, FleetUnit, Lifecycle};

pub fn lifecycle(
    target: &TargetArgs,
    stop_timeout: Option<u32>,
    action: Lifecycle,
    assume_yes: bool,
    settings: &Settings,
) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory_for_fleet(settings)?;
    let units = fleet_units(&inventory, &target.selection(), stop_timeout)?;
    let asks = on_terminal();
    if matches!(action, Lifecycle::Remove { .. }) && target.all && !assume_yes && !asks {
        // Nobody is there to ask, and the whole fleet is a lot to lose to a stray command.
        anyhow::bail!("`rm --all` removes every container in groups.yaml; without a terminal to confirm on, it needs --yes");
    }
    if matches!(action, Lifecycle::Remove { .. })
        && !assume_yes
        && asks
        && !confirm_removal(&units)?
    {
        settings
            .printer()
            .error("nothing was removed: not confirmed (--yes skips the question)");
        return Ok(ExitStatus::Failure);
    }
    let started = Instant::now();
    let reporter = reporter(settings, action.name());
    let outcomes = runtime()?.block_on(rollout::lifecycle(
        &connector(&inventory, longest_stop(&units)),
        units,
        action,
        inventory.connection.parallel,
        reporter.as_ref(),
    ));
    finish(
        settings,
        action.name(),
        target.label(),
        &outcomes,
        started.elapsed(),
    )
}

/// Lists what `rm` will remove and asks whether to go ahead.
fn confirm_removal(units: &[FleetUnit]) -> anyhow::Result<bool> {
    let shown: Vec<String> = units
        .iter()
        .take(8)
        .map(|unit| unit.key.to_string())
        .collect();
    let more = match units.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let question = format!(
        "Stop and remove {} container(s): {}{more}?",
        units.len(),
        shown.join(", ")
    );
    confirm(&question)
}
