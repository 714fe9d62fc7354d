//! `history`: what was run against the fleet, from this machine's state.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{App, AppError, Backend};
use crate::history::{History, Run};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryRequest {
    /// The newest runs, of one group or all.
    List { group: Option<String>, limit: usize },
    /// One run with every container's outcome.
    Show { id: i64 },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryReport {
    /// Newest first; none when nothing is recorded in `state`.
    Runs {
        state: PathBuf,
        runs: Vec<Run>,
    },
    Run(Box<Run>),
}

impl<B: Backend> App<B> {
    pub async fn history(&self, request: &HistoryRequest) -> Result<HistoryReport, AppError> {
        let state = &self.context.state;
        let history = History::open_existing(state)?;
        match (request, history) {
            (HistoryRequest::Show { id }, None) => Err(AppError::Refused(format!(
                "no run {id}: nothing is recorded in {} yet",
                state.display()
            ))),
            (HistoryRequest::Show { id }, Some(history)) => match history.show(*id)? {
                Some(run) => Ok(HistoryReport::Run(Box::new(run))),
                None => Err(AppError::Refused(format!(
                    "no run {id} in {}; `jdeploy history` lists them",
                    state.display()
                ))),
            },
            (HistoryRequest::List { .. }, None) => Ok(HistoryReport::Runs {
                state: state.clone(),
                runs: Vec::new(),
            }),
            (HistoryRequest::List { group, limit }, Some(history)) => Ok(HistoryReport::Runs {
                state: state.clone(),
                runs: history.list(group.as_deref(), *limit)?,
            }),
        }
    }
}
