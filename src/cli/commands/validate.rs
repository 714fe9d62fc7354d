//! `jdeploy validate`: everything checked, every template rendered, nothing touched.

use serde::Serialize;

use super::{load_inventory, load_inventory_quietly, render_members, renderer};
use crate::cli::args::ValidateArgs;
use crate::cli::settings::Settings;
use crate::cli::ExitStatus;
use crate::inventory::{Diagnostic, Diagnostics, Severity};
use crate::render::Flags;
use crate::report::count;

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
    // Under --strict warnings are errors, reported with the rest rather than twice.
    let inventory = if args.strict {
        load_inventory_quietly(settings)?
    } else {
        load_inventory(settings)?
    };
    let mut errors: Vec<Diagnostic> = Vec::new();
    if args.strict {
        errors.extend(inventory.warnings.iter().cloned().map(|mut warning| {
            warning.severity = Severity::Error;
            warning
        }));
    }
    let renderer = renderer(&inventory);
    let flags = Flags::from(&args.flags);
    let mut rendered_files = 0;
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
            "{} is valid: {}, {}, {} on {}; {} rendered",
            summary.file,
            count(summary.groups, "group"),
            count(summary.units, "unit"),
            count(summary.containers, "container"),
            count(summary.hosts, "host"),
            count(summary.rendered_files, "file"),
        ))?;
    }
    Ok(ExitStatus::Success)
}
