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
mod status;
mod validate;

pub use create::create;
pub use deploy::deploy;
pub use docs::{completions, man};
pub use exec::exec;
pub use groups::groups;
pub use history::history;
pub use images::{image_ls, image_push};
pub use lifecycle::lifecycle;
pub use lock::{lock_release, lock_status};
pub use logs::logs;
pub use plan::plan;
pub use render::render;
pub use rollback::rollback;
pub use status::status;
pub use validate::validate;

use std::io;

use super::args::NarrowArgs;
use super::settings::Settings;
use super::ExitStatus;
use crate::app::{App, Context, Docker, RunReport};
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
    let status = if report.refused {
        ExitStatus::Error
    } else if report.interrupted {
        ExitStatus::Interrupted
    } else {
        status_of(report.ok())
    };
    let shown = if settings.json {
        printer.json(&OutcomesJson::new(report))
    } else if settings.quiet {
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
        Ok(())
    } else {
        let logs = failure_logs(&report.outcomes);
        if settings.verbose > 0 && !logs.is_empty() {
            eprint!("{logs}");
        }
        printer
            .out(&outcomes_table(&report.outcomes, settings.color))
            .and_then(|()| printer.out(&summary_line(report)))
    };
    written(shown, status, &printer)
}
