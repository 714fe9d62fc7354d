//! `jdeploy deploy`.

use super::{app, finish};
use crate::app::DeployRequest;
use crate::cli::args::DeployArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;

pub async fn deploy(args: &DeployArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = DeployRequest {
        group: args.group.clone(),
        flags: (&args.flags).into(),
        force: args.force,
        yes: args.yes,
        rollout: (&args.rollout).into(),
        no_hooks: settings.no_hooks,
    };
    let report = app(settings)
        .deploy(&request, &Terminal::watching_signals(settings))
        .await?;
    Ok(finish(settings, &report))
}
