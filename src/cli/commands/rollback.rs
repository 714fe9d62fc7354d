//! `jdeploy rollback`.

use super::{app, finish};
use crate::app::{RollbackRequest, RollbackTo};
use crate::cli::args::RollbackArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;

pub async fn rollback(args: &RollbackArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let to = match &args.to {
        Some(to) => RollbackTo::Release(to.clone()),
        None => RollbackTo::Steps(args.steps.unwrap_or(1) as usize),
    };
    let request = RollbackRequest {
        group: args.group.clone(),
        hosts: args.narrow.hosts.clone(),
        containers: args.narrow.containers.clone(),
        to,
        yes: args.yes,
        no_hooks: settings.no_hooks,
    };
    let report = app(settings)
        .rollback(&request, &Terminal::watching_signals(settings))
        .await?;
    Ok(finish(settings, &report))
}
