//! `jdeploy plan`.

use super::{app, status_of, written};
use crate::app::PlanRequest;
use crate::cli::args::PlanArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::{batches_text, plan_summary, plan_text, PlanJson};

pub async fn plan(args: &PlanArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = PlanRequest {
        group: args.group.clone(),
        flags: (&args.flags).into(),
        rollout: (&args.rollout).into(),
    };
    let report = app(settings)
        .plan(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&PlanJson {
            ok: report.ok(),
            command: "plan",
            group: &report.group,
            units: &report.rows,
            batches: &report.batches,
            strategy: &report.strategy,
        })
    } else {
        printer
            .out(&plan_text(&report.rows, settings.stdout_color))
            .and_then(|()| printer.out(&batches_text(&report)))
            .and_then(|()| printer.out(&plan_summary(&report.group, &report.rows)))
    };
    Ok(written(shown, status_of(report.ok()), &printer))
}
