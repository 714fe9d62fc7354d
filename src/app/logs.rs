//! `logs`: every selected container's log, interleaved.

use serde::{Deserialize, Serialize};

use super::select::{fleet_units, longest_stop};
use super::{App, AppError, Backend, Frontend};
use crate::engine::LogQuery;
use crate::inventory::Selection;
use crate::rollout::{self, LogOutput, UnitKey};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogsRequest {
    pub selection: Selection,
    pub query: LogQuery,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogsReport {
    /// The containers whose logs could not be read.
    pub failed: Vec<UnitKey>,
}

impl<B: Backend> App<B> {
    /// Lines go to `output` as they come; following ends when every log ended or when
    /// the caller drops the future.
    pub async fn logs(
        &self,
        request: &LogsRequest,
        output: &dyn LogOutput,
        frontend: &dyn Frontend,
    ) -> Result<LogsReport, AppError> {
        let inventory = self.fleet_inventory(frontend)?;
        let units = fleet_units(&inventory, &request.selection, None)?;
        let fleet = self.fleet(&inventory, longest_stop(&units));
        let results = rollout::logs(&fleet, &units, request.query, output).await;
        Ok(LogsReport {
            failed: results
                .into_iter()
                .filter(|(_, result)| result.is_err())
                .map(|(unit, _)| unit)
                .collect(),
        })
    }
}
