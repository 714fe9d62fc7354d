//! What create and deploy share: the runtime, the connector, the reporter and the summary.

use std::io::IsTerminal;
use std::time::Duration;

use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::engine::{ConnectOptions, DockerConnector};
use crate::inventory::Inventory;
use crate::report::{outcomes_table, summary_line, LineReporter, OutcomesJson, ProgressReporter};
use crate::rollout::{Outcome, Reporter, SilentReporter};

/// Longest any single API call may take beyond the group's stop timeout.
const REQUEST_TIMEOUT_SECS: u64 = 120;

pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// `stop_timeout`: the longest any container may take to stop.
pub fn connector(inventory: &Inventory, stop_timeout: u32) -> DockerConnector {
    DockerConnector(ConnectOptions {
        connect_timeout: inventory.connection.timeout_secs,
        request_timeout: REQUEST_TIMEOUT_SECS + u64::from(stop_timeout),
    })
}

/// Bars on a terminal, timestamped lines elsewhere (CI), nothing with `--json` or `-q`.
pub fn reporter(settings: &Settings, action: &str) -> Box<dyn Reporter> {
    if settings.json || settings.quiet {
        Box::new(SilentReporter)
    } else if std::io::stderr().is_terminal() {
        Box::new(ProgressReporter::new(action, settings.color))
    } else {
        Box::new(LineReporter::new(action))
    }
}

/// Prints every outcome and says whether all went well.
pub fn finish(
    settings: &Settings,
    action: &str,
    group: &str,
    outcomes: &[Outcome],
    elapsed: Duration,
) -> anyhow::Result<ExitStatus> {
    let printer = settings.printer();
    let failed = outcomes.iter().any(|outcome| outcome.status.is_failure());
    if settings.json {
        printer.json(&OutcomesJson::new(action, group, outcomes, elapsed))?;
    } else if settings.quiet {
        for outcome in outcomes
            .iter()
            .filter(|outcome| outcome.status.is_failure())
        {
            printer.error(&format!(
                "{}: {}: {}",
                outcome.unit,
                outcome.status.as_str(),
                outcome.detail
            ));
        }
    } else {
        printer.out(&outcomes_table(outcomes, settings.color))?;
        printer.out(&summary_line(action, group, outcomes, elapsed))?;
    }
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
