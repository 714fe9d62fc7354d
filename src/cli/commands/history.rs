//! `jdeploy history`.

use super::{app, written};
use crate::app::{HistoryReport, HistoryRequest};
use crate::cli::args::{HistoryArgs, HistoryCommand};
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{history_table, run_text};

pub async fn history(args: &HistoryArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = match &args.show {
        Some(HistoryCommand::Show { id }) => HistoryRequest::Show { id: *id },
        None => HistoryRequest::List {
            group: args.group.clone(),
            limit: args.limit,
        },
    };
    let report = app(settings).history(&request).await?;
    let printer = settings.printer();
    let shown = match &report {
        HistoryReport::Run(run) if settings.json => printer.json(run),
        HistoryReport::Run(run) => printer.out(&run_text(run)),
        HistoryReport::Runs { runs, .. } if settings.json => {
            printer.json(&serde_json::json!({ "ok": true, "command": "history", "runs": runs }))
        }
        HistoryReport::Runs { state, runs } if runs.is_empty() => {
            printer.out(&format!("no runs recorded in {}", state.display()))
        }
        HistoryReport::Runs { runs, .. } => printer.out(&history_table(runs)),
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}
