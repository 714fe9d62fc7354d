//! `exec`: one command in every selected container at once.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::select::{fleet_units, label, longest_stop};
use super::{App, AppError, Backend, Frontend};
use crate::inventory::Selection;
use crate::rollout::{self, ExecOutcome, ExecOutput};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecRequest {
    pub selection: Selection,
    /// The command and its arguments, run without a shell.
    pub command: Vec<String>,
    /// How long to wait for each container's command.
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecReport {
    /// The group, or `all`.
    pub target: String,
    pub outcomes: Vec<ExecOutcome>,
    #[serde(serialize_with = "crate::rollout::seconds")]
    pub elapsed: Duration,
}

impl ExecReport {
    /// The command ran and exited 0 everywhere.
    pub fn ok(&self) -> bool {
        self.outcomes.iter().all(ExecOutcome::succeeded)
    }
}

impl<B: Backend> App<B> {
    /// Output goes to `output` as it comes; the report holds how each command ended.
    pub async fn exec(
        &self,
        request: &ExecRequest,
        output: &dyn ExecOutput,
        frontend: &dyn Frontend,
    ) -> Result<ExecReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let units = fleet_units(&inventory, &request.selection, None)?;
        let started = Instant::now();
        let fleet = self.fleet(&inventory, longest_stop(&units));
        let outcomes =
            rollout::exec(&fleet, &units, &request.command, request.timeout, output).await;
        Ok(ExecReport {
            target: label(&request.selection),
            outcomes,
            elapsed: started.elapsed(),
        })
    }
}
