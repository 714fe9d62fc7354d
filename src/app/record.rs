//! Recording a run in the history database. A history that cannot be written is
//! warned about, never fatal: the hosts hold the releases, the database only an index.

use std::time::{Duration, SystemTime};

use super::{App, Backend, Frontend};
use crate::history::{operator, History, Run, UnitRecord};
use crate::rollout::Outcome;

/// What to record besides the outcomes.
pub(super) struct RunInfo<'a> {
    pub command: &'a str,
    pub group: &'a str,
    pub flags: serde_json::Value,
    pub deploy: Option<String>,
    pub started: SystemTime,
    pub elapsed: Duration,
}

impl<B: Backend> App<B> {
    pub(super) fn record(&self, frontend: &dyn Frontend, info: RunInfo, outcomes: &[Outcome]) {
        let run = Run {
            id: 0,
            started_at: humantime::format_rfc3339_seconds(info.started).to_string(),
            elapsed: round(info.elapsed),
            by: operator(),
            command_line: command_line(),
            command: info.command.to_string(),
            group: info.group.to_string(),
            flags: info.flags,
            deploy: info.deploy,
            ok: !outcomes.iter().any(|outcome| outcome.status.is_failure()),
            units: outcomes
                .iter()
                .map(|outcome| UnitRecord {
                    container: outcome.unit.container.clone(),
                    host: outcome.unit.host.clone(),
                    core: outcome.unit.core,
                    status: outcome.status.as_str().to_string(),
                    release: outcome.release.clone(),
                    detail: outcome.detail.clone(),
                    elapsed: round(outcome.elapsed),
                })
                .collect(),
        };
        let recorded =
            History::open(&self.context.state).and_then(|mut history| history.record(&run));
        if let Err(err) = recorded {
            frontend.warning(&format!("this run was not recorded: {err}"));
        }
    }
}

/// The command line as typed, quoted so it can be pasted back into a shell.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

fn round(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}
