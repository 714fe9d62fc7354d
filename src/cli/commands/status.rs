//! `jdeploy status`.

use super::{app, selection, status_of, written};
use crate::app::StatusRequest;
use crate::cli::args::StatusArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{status_summary, status_table, StatusJson};
use crate::rollout::Usage;

pub async fn status(args: &StatusArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = StatusRequest {
        selection: selection(args.group.as_deref(), &args.narrow),
        usage: if args.live {
            Usage::Live
        } else {
            Usage::Processes
        },
    };
    let report = app(settings)
        .status(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&StatusJson::new(&report))
    } else if settings.quiet {
        for row in report.rows.iter().filter(|row| row.is_unknown()) {
            printer.error(&format!(
                "{}: {}",
                row.unit,
                row.note.as_deref().unwrap_or("")
            ));
        }
        Ok(())
    } else {
        printer
            .out(&status_table(&report.rows, settings.stdout_color))
            .and_then(|()| printer.out(&status_summary(&report.rows, report.elapsed)))
    };
    Ok(written(shown, status_of(report.complete()), &printer))
}
