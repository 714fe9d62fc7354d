//! `exec`: one command in every selected container at once, its output passed on as it
//! comes and its exit status kept per container.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::join_all;
use serde::Serialize;

use super::fleet::Fleet;
use super::outcome::{FleetUnit, UnitKey};
use crate::engine::{Engine, EngineError, ErrorKind, OutputStream};

/// How the command ended in one container.
#[derive(Debug, Clone, Serialize)]
pub struct ExecOutcome {
    #[serde(flatten)]
    pub unit: UnitKey,
    /// None when the command could not run, or the engine did not say.
    pub exit_code: Option<i64>,
    /// Why it could not run.
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    #[serde(serialize_with = "super::outcome::seconds")]
    pub elapsed: Duration,
}

impl ExecOutcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.exit_code == Some(0)
    }
}

/// Where the output goes as it arrives, and where each container's end is told.
pub trait ExecOutput: Send + Sync {
    /// The containers the command will run in, before it starts in any.
    fn begin(&self, units: &[UnitKey]);
    /// A chunk of output; chunks need not end at a line.
    fn output(&self, unit: &UnitKey, stream: OutputStream, data: Bytes);
    fn finish(&self, outcome: &ExecOutcome);
}

/// Runs `command` in every unit's container. Preparing it counts against the host's cap
/// of calls in flight; running it does not, so long commands all run at once.
pub async fn exec<E: Engine>(
    fleet: &Fleet<E>,
    units: &[FleetUnit],
    command: &[String],
    timeout: Option<Duration>,
    output: &dyn ExecOutput,
) -> Vec<ExecOutcome> {
    let keys: Vec<UnitKey> = units.iter().map(|unit| unit.key.clone()).collect();
    output.begin(&keys);
    join_all(units.iter().map(|unit| async {
        let started = Instant::now();
        let run = run(fleet, unit, command, output);
        let failed = |err: EngineError| (err.kind(), err.to_string());
        let result = match timeout {
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(result) => result.map_err(failed),
                Err(_) => Err((
                    ErrorKind::Timeout,
                    format!(
                        "still running after {}s; left running in the container",
                        limit.as_secs()
                    ),
                )),
            },
            None => run.await.map_err(failed),
        };
        let (exit_code, error) = match result {
            Ok(exit_code) => (exit_code, None),
            Err(error) => (None, Some(error)),
        };
        let outcome = ExecOutcome {
            unit: unit.key.clone(),
            exit_code,
            error_kind: error.as_ref().map(|(kind, _)| *kind),
            error: error.map(|(_, message)| message),
            elapsed: started.elapsed(),
        };
        output.finish(&outcome);
        outcome
    }))
    .await
}

async fn run<E: Engine>(
    fleet: &Fleet<E>,
    unit: &FleetUnit,
    command: &[String],
    output: &dyn ExecOutput,
) -> Result<Option<i64>, EngineError> {
    let name = unit.key.container.as_str();
    let exec_id = fleet
        .call(&unit.host, |engine| async move {
            engine.exec_create(name, command).await
        })
        .await?;
    let sink = |stream: OutputStream, data: Bytes| output.output(&unit.key, stream, data);
    fleet
        .engine(&unit.host)
        .await?
        .exec_run(name, &exec_id, &sink)
        .await
}
