//! One file per command; each returns the exit status its outcome deserves.

mod confirm;
mod create;
mod deploy;
mod docs;
mod exec;
mod fleet;
mod groups;
mod history;
mod lifecycle;
mod logs;
mod plan;
mod record;
mod render;
mod rollback;
mod rollout;
mod status;
mod validate;

pub use create::create;
pub use deploy::deploy;
pub use docs::{completions, man};
pub use exec::exec;
pub use groups::groups;
pub use history::history;
pub use lifecycle::lifecycle;
pub use logs::logs;
pub use plan::plan;
pub use render::render;
pub use rollback::rollback;
pub use status::status;
pub use validate::validate;

use tracing::{debug, info};

use super::settings::Settings;
use crate::inventory::{self, Diagnostics, Inventory, Sources};
use crate::inventory::{Group, Member};
use crate::render::Flags;
use crate::render::{file_loader, RenderedContainer, Renderer};

/// Loads and checks the inventory, showing its warnings.
fn load_inventory(settings: &Settings) -> Result<Inventory, Diagnostics> {
    let inventory = load_checked(settings, Sources::Checked)?;
    show_warnings(settings, &inventory);
    Ok(inventory)
}

/// For commands that act on containers as they are: templates and copy sources need not
/// be on this machine.
fn load_inventory_for_fleet(settings: &Settings) -> Result<Inventory, Diagnostics> {
    let inventory = load_checked(settings, Sources::Unused)?;
    show_warnings(settings, &inventory);
    Ok(inventory)
}

fn show_warnings(settings: &Settings, inventory: &Inventory) {
    let printer = settings.printer();
    for warning in &inventory.warnings {
        printer.diagnostic(warning);
    }
}

/// Loads and checks the inventory, leaving its warnings to the caller.
fn load_inventory_quietly(settings: &Settings) -> Result<Inventory, Diagnostics> {
    load_checked(settings, Sources::Checked)
}

fn load_checked(settings: &Settings, sources: Sources) -> Result<Inventory, Diagnostics> {
    let inventory = inventory::load(&settings.file, &settings.load, sources)?;
    info!(
        file = %settings.file.display(),
        groups = inventory.groups.len(),
        units = inventory.units.len(),
        "inventory loaded"
    );
    Ok(inventory)
}

fn renderer(inventory: &Inventory) -> Renderer {
    Renderer::new(file_loader(&inventory.base_dir))
}

/// Renders `members` of `group`; every failure is a diagnostic on its template.
fn render_members(
    inventory: &Inventory,
    renderer: &Renderer,
    group: &Group,
    members: &[Member<'_>],
    flags: &Flags,
) -> Result<Vec<RenderedContainer>, Diagnostics> {
    renderer.check_group(group).map_err(|errors| {
        let diagnostics = errors
            .iter()
            .map(|err| err.to_diagnostic(&inventory.base_dir));
        Diagnostics(diagnostics.collect())
    })?;
    let mut rendered = Vec::new();
    let mut errors = Vec::new();
    for member in members {
        match renderer.render(inventory, group, *member, flags) {
            Ok(container) => {
                for file in &container.files {
                    debug!(container = member.container, host = %member.host().name, dest = %file.dest, bytes = file.content.len(), "rendered");
                }
                rendered.push(container);
            }
            Err(err) => errors.push(err.to_diagnostic(&inventory.base_dir)),
        }
    }
    if errors.is_empty() {
        Ok(rendered)
    } else {
        Err(Diagnostics(dedupe(errors)))
    }
}

/// One diagnostic per template error, saying how many containers hit it.
fn dedupe(errors: Vec<inventory::Diagnostic>) -> Vec<inventory::Diagnostic> {
    let mut unique: Vec<(inventory::Diagnostic, usize)> = Vec::new();
    for error in errors {
        let same = |(known, _): &&mut (inventory::Diagnostic, usize)| {
            known.file == error.file
                && known.location == error.location
                && known.message == error.message
        };
        match unique.iter_mut().find(same) {
            Some((_, count)) => *count += 1,
            None => unique.push((error, 1)),
        }
    }
    unique
        .into_iter()
        .map(|(mut error, count)| {
            if count > 1 {
                let help = error.help.take().unwrap_or_default();
                error.help = Some(format!("{help} and {} more container(s)", count - 1));
            }
            error
        })
        .collect()
}
