//! `jdeploy exec`.

use std::time::Duration;

use super::{app, selection, status_of, written};
use crate::app::ExecRequest;
use crate::cli::args::ExecArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{exec_summary, exec_table, ExecJson, ExecMode, ExecPrinter};

pub async fn exec(args: &ExecArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = ExecRequest {
        selection: selection(args.target.group.as_deref(), &args.target.narrow),
        command: args.command.clone(),
        timeout: args.timeout.map(Duration::from_secs),
    };
    let mode = match (settings.json, args.grouped) {
        (true, _) => ExecMode::Captured,
        (false, true) => ExecMode::Grouped,
        (false, false) => ExecMode::Interleaved,
    };
    let output = ExecPrinter::new(mode, settings.stdout_color);
    let report = app(settings)
        .exec(&request, &output, &Terminal::new(settings))
        .await?;
    let status = status_of(report.ok());
    let printer = settings.printer();
    if settings.json {
        let shown = printer.json(&ExecJson::new(&args.command, &report, &output));
        return Ok(written(shown, status, &printer));
    }
    if settings.quiet {
        for outcome in report
            .outcomes
            .iter()
            .filter(|outcome| !outcome.succeeded())
        {
            let why = match (&outcome.error, outcome.exit_code) {
                (Some(error), _) => error.clone(),
                (None, Some(code)) => format!("exited {code}"),
                (None, None) => "ended without an exit status".to_string(),
            };
            printer.error(&format!("{}: {why}", outcome.unit));
        }
    } else {
        // Exit statuses go to stderr, so stdout holds only what the commands printed.
        eprintln!("{}", exec_table(&report.outcomes, settings.color));
        eprintln!(
            "{}",
            exec_summary(&report.target, &report.outcomes, report.elapsed)
        );
    }
    Ok(status)
}
