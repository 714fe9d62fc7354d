//! `jdeploy image push` and `jdeploy image ls`.

use super::{app, selection, status_of, written};
use crate::app::{ImageLsRequest, ImagePushRequest};
use crate::cli::args::{ImageLsArgs, ImagePushArgs};
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{image_table, push_table, summary_line, OutcomesJson};

pub async fn image_push(args: &ImagePushArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = ImagePushRequest {
        images: args.images.clone(),
        selection: selection(args.target.group.as_deref(), &args.target.narrow),
        from_file: args.from_file.clone(),
    };
    let report = app(settings)
        .image_push(&request, &Terminal::watching_signals(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&OutcomesJson::new(&report))
    } else if settings.quiet {
        for outcome in report.outcomes.iter().filter(|o| o.status.is_failure()) {
            printer.error(&format!("{}: {}", outcome.unit.host, outcome.detail));
        }
        Ok(())
    } else {
        printer
            .out(&push_table(&report.outcomes, settings.color))
            .and_then(|()| printer.out(&summary_line(&report)))
    };
    Ok(written(shown, status_of(report.ok()), &printer))
}

pub async fn image_ls(args: &ImageLsArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = ImageLsRequest {
        selection: selection(args.target.group.as_deref(), &args.target.narrow),
    };
    let rows = app(settings)
        .image_ls(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let complete = !rows.iter().any(|row| row.error.is_some());
    let shown = if settings.json {
        printer.json(&serde_json::json!({ "ok": complete, "command": "image ls", "images": rows }))
    } else {
        printer.out(&image_table(&rows))
    };
    Ok(written(shown, status_of(complete), &printer))
}
