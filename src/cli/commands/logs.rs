//! `jdeploy logs`.

use std::time::Duration;

use super::{app, selection, status_of};
use crate::app::{LogsReport, LogsRequest};
use crate::cli::args::LogsArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::engine::LogQuery;
use crate::report::{stdout_closed, LogPrinter};

/// How often a follow checks whether stdout's reader went away.
const READER_CHECK: Duration = Duration::from_millis(200);

pub async fn logs(args: &LogsArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = LogsRequest {
        selection: selection(args.target.group.as_deref(), &args.target.narrow),
        query: LogQuery {
            follow: args.follow,
            tail: args.tail,
            since: args.since,
        },
    };
    let output = LogPrinter::new(
        args.follow,
        args.timestamps,
        settings.json,
        settings.stdout_color,
    );
    let app = app(settings);
    let frontend = Terminal::new(settings);
    let read = app.logs(&request, &output, &frontend);
    // Following ends when the operator interrupts it, or when the reader of stdout went
    // away (`| head`); either is success.
    let reader_gone = async {
        while !stdout_closed() {
            tokio::time::sleep(READER_CHECK).await;
        }
    };
    let report = tokio::select! {
        report = read => report?,
        _ = tokio::signal::ctrl_c() => LogsReport { failed: Vec::new() },
        _ = reader_gone => LogsReport { failed: Vec::new() },
    };
    output.flush();
    Ok(status_of(
        report.failed.is_empty() && output.failures() == 0,
    ))
}
