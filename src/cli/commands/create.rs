//! `jdeploy create`: every container of a group, created and started on its host.

use std::time::{Instant, SystemTime};

use super::load_inventory;
use super::record::{record, RunInfo};
use super::rollout::{connector, finish, reporter, runtime};
use crate::cli::args::CreateArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::plan::{desired_containers, Recreate};
use crate::rollout;

pub fn create(args: &CreateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let group = inventory.select_group(&args.group)?;
    let image = inventory.require_image(group)?;
    let desired = desired_containers(&inventory, group, image);
    let recreate = match (args.force, args.recreate) {
        (true, _) => Recreate::All,
        (false, true) => Recreate::Changed,
        (false, false) => Recreate::Never,
    };
    let started_at = SystemTime::now();
    let started = Instant::now();
    let reporter = reporter(settings, "create");
    let outcomes = runtime()?.block_on(rollout::create(
        &connector(&inventory, group.container.stop_timeout),
        desired,
        recreate,
        inventory.connection.parallel,
        reporter.as_ref(),
    ));
    let elapsed = started.elapsed();
    let info = RunInfo {
        command: "create",
        group: &group.name,
        flags: serde_json::json!({ "recreate": args.recreate, "force": args.force }),
        deploy: None,
        started: started_at,
        elapsed,
    };
    record(settings, info, &outcomes);
    finish(settings, "create", &group.name, &outcomes, elapsed)
}
