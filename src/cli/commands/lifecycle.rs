//! `start`, `stop`, `restart` and `rm`.

use super::{app, finish, selection};
use crate::app::LifecycleRequest;
use crate::cli::args::{RestartArgs, TargetArgs};
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::rollout::Lifecycle;

pub async fn lifecycle(
    target: &TargetArgs,
    stop_timeout: Option<u32>,
    action: Lifecycle,
    yes: bool,
    settings: &Settings,
) -> anyhow::Result<ExitStatus> {
    let request = LifecycleRequest {
        selection: selection(target.group.as_deref(), &target.narrow),
        action,
        stop_timeout,
        yes,
        no_hooks: settings.no_hooks,
        groups: Vec::new(),
    };
    let report = app(settings)
        .lifecycle(&request, &Terminal::watching_signals(settings))
        .await?;
    Ok(finish(settings, &report))
}

/// `restart`: one group as its rollout says, several one after another.
pub async fn restart(args: &RestartArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let one = (args.group.len() == 1).then(|| args.group[0].as_str());
    let request = LifecycleRequest {
        selection: selection(one, &args.narrow),
        action: Lifecycle::Restart,
        stop_timeout: args.timeout,
        yes: false,
        no_hooks: settings.no_hooks,
        groups: if one.is_some() {
            Vec::new()
        } else {
            args.group.clone()
        },
    };
    let report = app(settings)
        .lifecycle(&request, &Terminal::watching_signals(settings))
        .await?;
    Ok(finish(settings, &report))
}
