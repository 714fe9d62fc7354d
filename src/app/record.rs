//! Recording a run in the history database. A history that cannot be written is
//! warned about, never fatal: the hosts hold the releases, the database only an index.

use std::time::{Duration, SystemTime};

use super::{App, Backend, Frontend, RunReport};
use crate::history::{History, Run, UnitRecord};

/// What to record besides the report.
pub(super) struct RunInfo {
    pub flags: serde_json::Value,
    pub deploy: Option<String>,
    pub started: SystemTime,
}

impl<B: Backend> App<B> {
    pub(super) fn record(&self, frontend: &dyn Frontend, info: RunInfo, report: &RunReport) {
        let run = Run {
            id: 0,
            started_at: humantime::format_rfc3339_seconds(info.started).to_string(),
            elapsed: round(report.elapsed),
            by: frontend.operator(),
            command_line: frontend.command_line(),
            command: report.command.clone(),
            group: report.group.clone(),
            flags: info.flags,
            deploy: info.deploy,
            ok: report.ok(),
            strategy: report
                .strategy
                .as_ref()
                .map(|strategy| serde_json::to_value(strategy).expect("a strategy serializes")),
            interrupted: report.interrupted,
            rolled_back: report.rolled_back,
            units: report
                .outcomes
                .iter()
                .map(|outcome| UnitRecord {
                    container: outcome.unit.container.clone(),
                    host: outcome.unit.host.clone(),
                    core: outcome.unit.core,
                    status: outcome.status.as_str().to_string(),
                    release: outcome.release.clone(),
                    detail: outcome.detail.clone(),
                    elapsed: round(outcome.elapsed),
                    batch: outcome.batch.clone(),
                })
                .collect(),
        };
        let recorded =
            History::open(&self.context.state).and_then(|mut history| history.record(&run));
        match recorded {
            Ok(run_id) => frontend.recorded(run_id),
            Err(err) => frontend.warning(&format!("this run was not recorded: {err}")),
        }
    }
}

/// The command line as typed, quoted so it can be pasted back into a shell.
pub(super) fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

fn round(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}
