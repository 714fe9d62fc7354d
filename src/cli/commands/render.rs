//! `jdeploy render`: each container's `/run.sh`, as deploy would write it.

use super::{load_inventory, render_members, renderer};
use crate::cli::args::RenderArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::RUN_SH;
use crate::render::Flags;

pub fn render(args: &RenderArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    let group = inventory.select_group(&args.group)?;
    let members = inventory.select_members(group, &args.containers)?;
    let rendered = render_members(
        &inventory,
        &renderer(&inventory),
        group,
        &members,
        &Flags::from(&args.flags),
    )?;
    let printer = settings.printer();
    if settings.json {
        printer.json(&rendered)?;
        return Ok(ExitStatus::Success);
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
    printer.out(&text)?;
    Ok(ExitStatus::Success)
}
