//! `jdeploy render`: each container's `/run.sh`, as deploy would write it.

use super::{app, written};
use crate::app::RenderRequest;
use crate::cli::args::RenderArgs;
use crate::cli::frontend::Terminal;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::RUN_SH;

pub async fn render(args: &RenderArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let request = RenderRequest {
        group: args.group.clone(),
        containers: args.containers.clone(),
        flags: (&args.flags).into(),
    };
    let rendered = app(settings)
        .render(&request, &Terminal::new(settings))
        .await?;
    let printer = settings.printer();
    if settings.json {
        let shown = printer.json(&rendered);
        return Ok(written(shown, ExitStatus::Success, &printer));
    }
    let files: Vec<_> = rendered
        .iter()
        .flat_map(|container| container.files.iter().map(move |file| (container, file)))
        .filter(|(_, file)| args.all_files || file.dest == RUN_SH)
        .collect();
    let mut text = String::new();
    for (index, (container, file)) in files.iter().enumerate() {
        if files.len() > 1 {
            if index > 0 {
                text.push('\n');
            }
            let core = if container.core { ", core" } else { "" };
            text.push_str(&format!(
                "==> {} on {} (group {}{core}): {} <==\n",
                container.container, container.host, container.group, file.dest
            ));
        }
        text.push_str(&file.content);
    }
    Ok(written(printer.out(&text), ExitStatus::Success, &printer))
}
