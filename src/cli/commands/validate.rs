//! `jdeploy validate`.

use super::{app, written};
use crate::app::ValidateRequest;
use crate::cli::args::ValidateArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::count;

pub async fn validate(args: &ValidateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = ValidateRequest {
        strict: args.strict,
        flags: (&args.flags).into(),
    };
    let summary = app(settings)
        .validate(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&summary)
    } else if settings.quiet {
        Ok(())
    } else {
        printer.out(&format!(
            "{} is valid: {}, {}, {} on {}; {} rendered",
            summary.file,
            count(summary.groups, "group"),
            count(summary.units, "unit"),
            count(summary.containers, "container"),
            count(summary.hosts, "host"),
            count(summary.rendered_files, "file"),
        ))
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}
