//! `jdeploy create`.

use super::{app, finish};
use crate::app::CreateRequest;
use crate::cli::args::CreateArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;

pub async fn create(args: &CreateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = CreateRequest {
        group: args.group.clone(),
        recreate: args.recreate,
        force: args.force,
        push_images: args.push_images,
    };
    let report = app(settings)
        .create(&request, &Terminal::new(settings))
        .await?;
    Ok(finish(settings, &report))
}
