//! `jdeploy validate`: everything checked, every template rendered, nothing touched.

use serde::Serialize;

use super::{load_inventory, render_members, renderer};
use crate::cli::args::ValidateArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::{Diagnostic, Diagnostics};
use crate::render::Flags;

#[derive(Serialize)]
struct Summary<'a> {
    ok: bool,
    file: String,
    groups: usize,
    units: usize,
    containers: usize,
    hosts: usize,
    rendered_files: usize,
    warnings: &'a [Diagnostic],
}

pub fn validate(args: &ValidateArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let inventory = load_inventory(settings)?;
    if args.strict && !inventory.warnings.is_empty() {
        let errors = inventory.warnings.iter().cloned().map(|mut warning| {
            warning.severity = crate::inventory::Severity::Error;
            warning
        });
        return Err(Diagnostics(errors.collect()).into());
    }
    let renderer = renderer(&inventory);
    let flags = Flags::from(&args.flags);
    let mut rendered_files = 0;
    let mut errors = Vec::new();
    for group in &inventory.groups {
        let members: Vec<_> = inventory.members(&group.name).collect();
        match render_members(&inventory, &renderer, group, &members, &flags) {
            Ok(rendered) => rendered_files += rendered.iter().map(|c| c.files.len()).sum::<usize>(),
            Err(Diagnostics(found)) => {
                for diagnostic in found {
                    if !errors.contains(&diagnostic) {
                        errors.push(diagnostic);
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors).into());
    }
    let summary = Summary {
        ok: true,
        file: inventory.file.display().to_string(),
        groups: inventory.groups.len(),
        units: inventory.units.len(),
        containers: inventory.container_count(),
        hosts: inventory.hosts().len(),
        rendered_files,
        warnings: &inventory.warnings,
    };
    let printer = settings.printer();
    if settings.json {
        printer.json(&summary)?;
    } else if !settings.quiet {
        printer.out(&format!(
            "{} is valid: {} groups, {} units, {} containers on {} hosts; {} files rendered",
            summary.file,
            summary.groups,
            summary.units,
            summary.containers,
            summary.hosts,
            summary.rendered_files
        ))?;
    }
    Ok(ExitStatus::Success)
}
