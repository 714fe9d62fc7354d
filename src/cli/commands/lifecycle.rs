//! `start`, `stop`, `restart` and `rm`.

use super::{app, finish, selection};
use crate::app::LifecycleRequest;
use crate::cli::args::TargetArgs;
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
    };
    let report = app(settings)
        .lifecycle(&request, &Terminal::watching_signals(settings))
        .await?;
    Ok(finish(settings, &report))
}
