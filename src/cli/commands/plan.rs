//! `jdeploy plan`: what a deploy would change in each container, changing nothing.

use super::deploy::deploy_units;
use super::load_inventory;
use super::rollout::{connector, runtime};
use crate::cli::args::PlanArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::engine::Engine;
use crate::plan::ReleaseChanges;
use crate::report::{plan_summary, plan_text, PlanJson, PlanRow};
use crate::rollout::{self, DeployPlan};

pub fn plan(args: &PlanArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let group = inventory.select_group(&args.group)?;
    let units = deploy_units(&inventory, group, &args.flags)?;
    let runtime = runtime()?;
    let plan = runtime.block_on(rollout::plan_deploy(
        &connector(&inventory, group.container.stop_timeout),
        units,
        inventory.connection.parallel,
    ));
    let changes = runtime.block_on(plan.changes());
    let rows = plan_rows(&plan, changes);
    let ok = !rows.iter().any(|row| row.action == "error");
    let printer = settings.printer();
    if settings.json {
        printer.json(&PlanJson {
            ok,
            command: "plan",
            group: &group.name,
            units: &rows,
        })?;
    } else {
        printer.out(&plan_text(&rows, settings.stdout_color))?;
        printer.out(&plan_summary(&group.name, &rows))?;
    }
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

pub fn plan_rows<E: Engine>(
    plan: &DeployPlan<E>,
    changes: Vec<Option<ReleaseChanges>>,
) -> Vec<PlanRow> {
    plan.units
        .iter()
        .zip(changes)
        .map(|(planned, changes)| PlanRow::new(planned, changes))
        .collect()
}
