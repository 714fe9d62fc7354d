//! `jdeploy history`: what was run against the fleet from this machine's state.

use crate::cli::args::{HistoryArgs, HistoryCommand};
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::history::History;
use crate::report::{history_table, run_text};

pub fn history(args: &HistoryArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let path = settings.state_path();
    let printer = settings.printer();
    let Some(history) = History::open_existing(&path)? else {
        if let Some(HistoryCommand::Show { id }) = &args.show {
            anyhow::bail!("no run {id}: nothing is recorded in {} yet", path.display());
        }
        if settings.json {
            printer.json(&serde_json::json!({ "ok": true, "command": "history", "runs": [] }))?;
        } else {
            printer.out(&format!("no runs recorded in {}", path.display()))?;
        }
        return Ok(ExitStatus::Success);
    };
    match &args.show {
        Some(HistoryCommand::Show { id }) => {
            let Some(run) = history.show(*id)? else {
                anyhow::bail!(
                    "no run {id} in {}; `jdeploy history` lists them",
                    path.display()
                );
            };
            if settings.json {
                printer.json(&run)?;
            } else {
                printer.out(&run_text(&run))?;
            }
        }
        None => {
            let runs = history.list(args.group.as_deref(), args.limit)?;
            if settings.json {
                printer
                    .json(&serde_json::json!({ "ok": true, "command": "history", "runs": runs }))?;
            } else if runs.is_empty() {
                printer.out(&format!("no runs recorded in {}", path.display()))?;
            } else {
                printer.out(&history_table(&runs))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
