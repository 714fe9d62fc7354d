//! `jdeploy groups`.

use super::{app, written};
use crate::app::GroupsRequest;
use crate::cli::args::GroupsArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::report::groups_table;

pub async fn groups(args: &GroupsArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = GroupsRequest {
        group: args.group.clone(),
    };
    let views = app(settings)
        .groups(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    let shown = if settings.json {
        printer.json(&views)
    } else {
        printer.out(&groups_table(&views))
    };
    Ok(written(shown, ExitStatus::Success, &printer))
}
