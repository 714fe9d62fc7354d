//! `jdeploy create`.

use super::{app, finish, finish_sequence};
use crate::app::CreateRequest;
use crate::cli::args::CreateArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;

pub async fn create(args: &CreateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = CreateRequest {
        group: args.group.first().cloned().unwrap_or_default(),
        recreate: args.recreate,
        force: args.force,
        push_images: args.push_images,
        prune: args.prune,
        yes: args.yes,
    };
    let app = app(settings);
    let frontend = Terminal::watching_signals(settings);
    if args.group.len() == 1 {
        let report = app.create(&request, &frontend).await?;
        return Ok(finish(settings, &report));
    }
    let sequence = app.create_groups(&args.group, &request, &frontend).await?;
    Ok(finish_sequence(settings, &sequence))
}
