//! Why a command did not run to its report.

use crate::history::HistoryError;
use crate::inventory::Diagnostics;

/// A command that ends in one of these changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// groups.yaml, a template or a copy source is wrong.
    #[error(transparent)]
    Input(#[from] Diagnostics),
    /// The request cannot be carried out as asked.
    #[error("{0}")]
    Refused(String),
    /// The history database cannot be read.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A group is locked by another command, or its lock could not be taken.
    #[error("{0}")]
    Locked(String),
    /// Something the command runs first (a `pre_deploy` hook) said no.
    #[error("{0}")]
    Aborted(String),
    /// The operator answered no.
    #[error("{0}")]
    NotConfirmed(String),
}
