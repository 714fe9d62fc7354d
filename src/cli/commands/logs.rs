//! `jdeploy logs`.

use super::fleet::{fleet_units, keys, longest_stop};
use super::load_inventory_for_fleet;
use super::rollout::{connector, runtime};
use crate::cli::args::LogsArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::engine::LogQuery;
use crate::report::LogPrinter;
use crate::rollout;

pub fn logs(args: &LogsArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory_for_fleet(settings)?;
    let units = fleet_units(&inventory, &args.target.selection(), None)?;
    let output = LogPrinter::new(
        &keys(&units),
        args.follow,
        args.timestamps,
        settings.json,
        settings.stdout_color,
    );
    let query = LogQuery {
        follow: args.follow,
        tail: args.tail,
        since: args.since,
    };
    let connector = connector(&inventory, longest_stop(&units));
    runtime()?.block_on(async {
        let read = rollout::logs(
            &connector,
            units,
            query,
            inventory.connection.parallel,
            &output,
        );
        // Following ends when the operator interrupts it; that is success.
        tokio::select! {
            _ = read => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    output.flush();
    Ok(if output.failures() > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
