//! `jdeploy exec`.

use std::time::{Duration, Instant};

use super::fleet::{fleet_units, keys, longest_stop};
use super::load_inventory_for_fleet;
use super::rollout::{connector, runtime};
use crate::cli::args::ExecArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{exec_summary, exec_table, ExecJson, ExecMode, ExecPrinter};
use crate::rollout;

pub fn exec(args: &ExecArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory_for_fleet(settings)?;
    let units = fleet_units(&inventory, &args.target.selection(), None)?;
    let mode = match (settings.json, args.grouped) {
        (true, _) => ExecMode::Captured,
        (false, true) => ExecMode::Grouped,
        (false, false) => ExecMode::Interleaved,
    };
    let output = ExecPrinter::new(&keys(&units), mode, settings.stdout_color);
    let started = Instant::now();
    let outcomes = runtime()?.block_on(rollout::exec(
        &connector(&inventory, longest_stop(&units)),
        units,
        &args.command,
        inventory.connection.parallel,
        args.timeout.map(Duration::from_secs),
        &output,
    ));
    let failed = outcomes.iter().any(|outcome| !outcome.succeeded());
    let printer = settings.printer();
    if settings.json {
        printer.json(&ExecJson::new(&args.command, outcomes, &output))?;
    } else if settings.quiet {
        for outcome in outcomes.iter().filter(|outcome| !outcome.succeeded()) {
            let why = match (&outcome.error, outcome.exit_code) {
                (Some(error), _) => error.clone(),
                (None, Some(code)) => format!("exited {code}"),
                (None, None) => "ended without an exit status".to_string(),
            };
            printer.error(&format!("{}: {why}", outcome.unit));
        }
    } else {
        // Exit statuses go to stderr, so stdout holds only what the commands printed.
        eprintln!("{}", exec_table(&outcomes, settings.color));
        eprintln!(
            "{}",
            exec_summary(args.target.label(), &outcomes, started.elapsed())
        );
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
