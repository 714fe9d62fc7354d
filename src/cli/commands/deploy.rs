//! `jdeploy deploy`.

use super::{app, finish, finish_sequence};
use crate::app::DeployRequest;
use crate::cli::args::DeployArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;

pub async fn deploy(args: &DeployArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = DeployRequest {
        group: args.group.first().cloned().unwrap_or_default(),
        flags: (&args.flags).into(),
        force: args.force,
        yes: args.yes,
        rollout: (&args.rollout).into(),
        no_hooks: settings.no_hooks,
    };
    let app = app(settings);
    let frontend = Terminal::watching_signals(settings);
    if args.group.len() == 1 {
        let report = app.deploy(&request, &frontend).await?;
        return Ok(finish(settings, &report));
    }
    let sequence = app.deploy_groups(&args.group, &request, &frontend).await?;
    Ok(finish_sequence(settings, &sequence))
}
