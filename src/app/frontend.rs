//! What the application needs from whoever drives it: somewhere to show progress and
//! warnings, and someone to ask before acting.

use crate::inventory::Diagnostic;
use crate::lock::LockInfo;
use crate::rollout::{Reporter, UnitKey};

use super::plan::PlanRow;

pub trait Frontend: Send + Sync {
    /// Where a rollout named `action` ("deploy") tells what it is doing.
    fn reporter(&self, action: &str) -> Box<dyn Reporter>;
    /// Something in groups.yaml worth fixing that does not stop the command.
    fn diagnostic(&self, diagnostic: &Diagnostic);
    /// Something that went wrong beside the command's own work.
    fn warning(&self, message: &str);
    /// A line a hook run on this machine printed; `source` is `hook pre_deploy`.
    fn output(&self, source: &str, line: &str) {
        let _ = (source, line);
    }
    /// Someone is there to answer [`Frontend::confirm`].
    fn can_answer(&self) -> bool;
    /// Asks before changing containers; no unless answered yes. Err says why the
    /// question could not be asked.
    fn confirm(&self, question: &Question<'_>) -> Result<bool, String>;
    /// The operator asked the command to stop: it starts nothing more, lets what runs
    /// finish, and reports.
    fn interrupted(&self) -> bool {
        false
    }
    /// Who acts, as history, locks, hooks and notifications name them: `user@machine`
    /// on the command line, the signed-in user on the server.
    fn operator(&self) -> String {
        crate::history::operator()
    }
    /// What was asked, as history records it.
    fn command_line(&self) -> String {
        super::record::command_line()
    }
    /// The run was recorded in the history database as `run_id`.
    fn recorded(&self, run_id: i64) {
        let _ = run_id;
    }
}

/// Asks `question`; an answer of no is `NotConfirmed`, saying `untouched` ("nothing was
/// deployed") and how not to be asked.
pub(super) fn ask(
    frontend: &dyn Frontend,
    question: &Question<'_>,
    untouched: &str,
) -> Result<(), super::AppError> {
    if frontend
        .confirm(question)
        .map_err(super::AppError::Refused)?
    {
        Ok(())
    } else {
        Err(super::AppError::NotConfirmed(format!(
            "{untouched}: not confirmed (--yes skips the question)"
        )))
    }
}

/// What the application asks before it acts.
#[derive(Debug)]
pub enum Question<'a> {
    /// Deploy `changing` containers, with what would change in each.
    Deploy {
        group: &'a str,
        changing: usize,
        plan: &'a [PlanRow],
    },
    /// Put these containers back on earlier releases.
    Rollback { group: &'a str, moves: &'a [Move] },
    /// Stop and remove these containers.
    Remove { units: &'a [UnitKey] },
    /// Break a group's lock, held by someone else.
    BreakLock { lock: &'a LockInfo },
}

/// One container going from one release to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub unit: UnitKey,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Shows nothing and asks nobody: for callers that decided beforehand, and tests.
pub struct Unattended;

impl Frontend for Unattended {
    fn reporter(&self, _: &str) -> Box<dyn Reporter> {
        Box::new(crate::rollout::SilentReporter)
    }
    fn diagnostic(&self, _: &Diagnostic) {}
    fn warning(&self, _: &str) {}
    fn can_answer(&self) -> bool {
        false
    }
    fn confirm(&self, _: &Question<'_>) -> Result<bool, String> {
        Ok(false)
    }
}
