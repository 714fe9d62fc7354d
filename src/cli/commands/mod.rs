//! One file per command: arguments become a request, the application answers it, and
//! the report is printed with the exit status it deserves.

mod create;
mod deploy;
mod docs;
mod exec;
mod groups;
mod history;
mod images;
mod lifecycle;
mod lock;
mod logs;
mod plan;
mod render;
mod rollback;
mod serve;
mod status;
mod token;
mod validate;

pub use create::create;
pub use deploy::deploy;
pub use docs::{completions, man};
pub use exec::exec;
pub use groups::groups;
pub use history::history;
pub use images::{image_ls, image_push};
pub use lifecycle::{lifecycle, restart};
pub use lock::{lock_release, lock_status};
pub use logs::logs;
pub use plan::plan;
pub use render::render;
pub use rollback::rollback;
pub use serve::serve;
pub use status::status;
pub use token::{token_create, token_ls, token_revoke};
pub use validate::validate;

use std::io;

use super::args::NarrowArgs;
use super::settings::Settings;
use super::ExitStatus;
use crate::app::{App, Context, Docker, RunReport, SequenceReport};
use crate::inventory::Selection;
use crate::report::{failure_logs, outcomes_table, summary_line, OutcomesJson, Printer};
use crate::secrets::{Environment, SecretSources};

/// The application over each host's Docker engine.
fn app(settings: &Settings) -> App<Docker> {
    App::new(
        Docker,
        Context {
            file: settings.file.clone(),
            load: settings.load.clone(),
            state: settings.state_path(),
            lock: settings.lock.clone(),
            secrets: SecretSources {
                file: settings.secrets.clone(),
                environment: Environment::Process,
            },
        },
    )
}

fn selection(group: Option<&str>, narrow: &NarrowArgs) -> Selection {
    Selection {
        group: group.map(str::to_string),
        hosts: narrow.hosts.clone(),
        containers: narrow.containers.clone(),
    }
}

/// 0 when `ok`, else 1.
fn status_of(ok: bool) -> ExitStatus {
    if ok {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// The run's status once its output is written. A reader that went away (`| head`) has
/// what it wanted and the status stands; any other failure to write comes after the
/// command acted, so it is a failure (1), never an input error.
fn written(output: io::Result<()>, status: ExitStatus, printer: &Printer) -> ExitStatus {
    match output {
        Ok(()) => status,
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => status,
        Err(err) => {
            printer.error(&format!("cannot write the output: {err}"));
            ExitStatus::Failure
        }
    }
}

/// Prints every outcome: 0 if all went well, 1 if a container failed, 2 if the request
/// was refused and nothing changed.
fn finish(settings: &Settings, report: &RunReport) -> ExitStatus {
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&OutcomesJson::new(report))
    } else {
        show_run(settings, &printer, report)
    };
    written(shown, run_status(report), &printer)
}

fn run_status(report: &RunReport) -> ExitStatus {
    if report.refused {
        ExitStatus::Error
    } else if report.interrupted {
        ExitStatus::Interrupted
    } else {
        status_of(report.ok())
    }
}

/// One run's outcomes: the table and summary, or only failures with --quiet.
fn show_run(settings: &Settings, printer: &Printer, report: &RunReport) -> io::Result<()> {
    if settings.quiet {
        for outcome in report
            .outcomes
            .iter()
            .filter(|outcome| outcome.status.is_failure())
        {
            printer.error(&format!(
                "{}: {}: {}",
                outcome.unit,
                outcome.status.as_str(),
                outcome.detail
            ));
        }
        return Ok(());
    }
    let logs = failure_logs(&report.outcomes);
    if settings.verbose > 0 && !logs.is_empty() {
        eprint!("{logs}");
    }
    printer
        .out(&outcomes_table(&report.outcomes, settings.color))
        .and_then(|()| printer.out(&summary_line(report)))
}

/// A command over several groups: each group's outcomes in the order they ran. The
/// worst status of the runs.
fn finish_sequence(settings: &Settings, sequence: &SequenceReport) -> ExitStatus {
    let printer = settings.printer();
    let status = if sequence.interrupted {
        ExitStatus::Interrupted
    } else {
        status_of(sequence.ok())
    };
    let shown = if settings.json {
        let runs: Vec<OutcomesJson> = sequence.runs.iter().map(OutcomesJson::new).collect();
        printer.json(&serde_json::json!({
            "ok": sequence.ok(),
            "runs": runs,
            "interrupted": sequence.interrupted,
        }))
    } else {
        let mut shown = Ok(());
        for run in &sequence.runs {
            shown = shown.and_then(|()| show_run(settings, &printer, run));
        }
        if sequence.interrupted {
            printer.error("interrupted: the groups after these were not started");
        }
        shown
    };
    written(shown, status, &printer)
}
